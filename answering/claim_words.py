"""Words both claim checks read the same way: numbers (digits or words) and friendly filler (pure).

The citation check (`grounding`) and the meaning check (`meaning`) each import this module, so
neither has to reach into the other for what "a number" or "filler" means.
"""

from __future__ import annotations

import re

from retrieval.text import stem_words

NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")
# fmt: off
WORD_NUMBERS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "twice": "2",
}
# fmt: on
# Friendly filler that neither supports nor spoils a claim ("a great time to roll").
_GENERIC_WORDS = """
    feel pick great help stay good idea aim want need tip remember important worth choose option
    simply plenty nice fine ideal usual usually generally typical typically start note key best
    happy enjoy question answer guide guides
"""

GENERIC_STEMS = frozenset(stem_words(_GENERIC_WORDS.split()))


def canonical_number(raw: str) -> str:
    """One spelling per number: '2,50', '2.5' and '02.50' all become '2.5'."""
    number = raw.replace(",", ".")
    return number.rstrip("0").rstrip(".") if "." in number else number.lstrip("0") or "0"
