"""Page clutter removal for scraped articles: ads, share bars, bylines, related lists, comments.

Pure functions over lines of text. Markdown lines are matched on their plain form (no `#`,
bullets or link syntax), so the same rules serve Markdown, plain text and extracted HTML/PDF.
Disclaimers are kept: they are part of what the author wrote and can matter for safety.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

# ---------------------------------------------------------------------------------------------
# Text normalisation


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2009\u202f\u3000"), " ")
_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Unify line endings and odd whitespace, drop invisible and control characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.translate(_INVISIBLE).translate(_SPACES)
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Plain form of a line, for matching


# Neither part may hold its own opening bracket: on "[[[[..." or "[a](((..." a scan then stops at
# the next one instead of running to the end of the line from every start (quadratic).
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+")
_BULLET = re.compile(r"^\s*(?:[-*+•·▪►›»]|\d{1,3}[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_UNDERSCORE_EMPHASIS = re.compile(r"^_(\S(?:.*\S)?)_$")


def plain(line: str) -> str:
    """A line without Markdown syntax, bullets or extra spaces: what a reader sees."""
    text = _MD_IMAGE.sub(r"\1", line)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = re.sub(r"^\s*>\s?", "", text)
    text = _BULLET.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text.strip())  # _a whole line in italics_
    return " ".join(text.split())


def heading_level(line: str) -> int | None:
    """Markdown ATX heading level of a line, or None."""
    match = _MD_HEADING.match(line)
    return len(match.group(1)) if match else None


def is_list_item(line: str) -> bool:
    return bool(_BULLET.match(line))


def _fullmatch(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(patterns) + r")", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Dates and bylines


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?"
_DATE = (
    rf"(?:{_WEEKDAY}\s+)?(?:"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # July 29, 2025
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"  # 29 July 2025
    rf"|{_MONTH}\s+\d{{4}}"  # July 2025
    r"|\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?z?)?"  # 2025-07-29
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"  # 29/07/2025
    r")"
)
_TIME = r"(?:\s*(?:at|@|,|-|–)?\s*\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?)"
_READ_TIME = r"\d{1,3}\s*(?:min(?:ute)?s?|m)\.?\s*read"
_DATE_PREFIX = (
    r"(?:(?:last\s+)?updated(?:\s+on)?|published(?:\s+on)?|posted(?:\s+on)?|date|modified"
    r"|last\s+modified|last\s+reviewed|reviewed(?:\s+on)?|on)\s*:?\s*"
)
# After the date: bylines, reading times and comment counts, each after a separator or a space.
# No part may be read two ways (a separator needs a mark or a space; a byline's name runs, all
# of it, to the next mark or " by "), or a line like "... 5 min read 5 min read ..." backtracks
# exponentially.
_AFTER_DATE = r"(?:\s*[|·•,–—-]\s*|\s+)"
_BYLINE_ITEM = r"(?>by\s++(?:(?!\s+by\s)[^|·•\n]){1,60})"
_DATE_LINE = re.compile(
    rf"(?:{_DATE_PREFIX})?{_DATE}{_TIME}?"
    rf"(?:{_AFTER_DATE}(?:{_BYLINE_ITEM}|{_READ_TIME}|\d+\s+comments?))*\.?",
    re.IGNORECASE,
)
# Date lines are short; a longer line is prose, whatever it starts with.
MAX_DATE_LINE_CHARS = 200
_READ_TIME_LINE = re.compile(
    rf"(?:reading\s+time\s*:?\s*\d{{1,3}}\s*min(?:ute)?s?|{_READ_TIME})", re.IGNORECASE
)

_NAME_WORD = re.compile(r"(?:[A-Z][\w.'’-]*|@\w+|and|&|de|van|von|der|la|le|da|di|the|of|MD|PhD)$")
_BYLINE = re.compile(
    r"^[~\-–—•|\s]*(?:(?:written|posted|words|reviewed|medically\s+reviewed|article|story)\s+)?"
    r"(?:by|author)\s*:?\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*[|·•,–—]\s*|\s+-\s+|\s+on\s+|\s+in\s+")


def is_date_line(text: str) -> bool:
    """'July 29, 2025', 'Updated: Jun 1, 2023', 'Posted on ... by ...', '5 min read'."""
    text = text.strip(" ~|·•")
    if len(text) > MAX_DATE_LINE_CHARS:
        return False
    return bool(_DATE_LINE.fullmatch(text) or _READ_TIME_LINE.fullmatch(text))


def _is_name(words: str) -> bool:
    tokens = words.replace(",", " ").split()
    return 0 < len(tokens) <= 6 and all(_NAME_WORD.match(t) for t in tokens)


def is_byline(text: str) -> bool:
    """'~ By Coach Lindsay Leigh', 'By Jane Doe | June 3, 2024', 'Author: J. Smith'."""
    match = _BYLINE.match(text.strip())
    if not match:
        return False
    parts = [p for p in _SEPARATORS.split(match.group("rest").strip().rstrip(".")) if p]
    if not parts or not _is_name(parts[0]):
        return False
    # Anything after the name must be a date, a reading time or a short role/site name.
    return all(is_date_line(p) or _is_name(p) or len(p.split()) <= 3 for p in parts[1:])


# ---------------------------------------------------------------------------------------------
# One-line clutter


_AD = _fullmatch(
    r"advertisements?",
    r"sponsored(?:\s+(?:content|post|links?))?",
    r"ads?",
    r"paid\s+(?:content|partnership|post)",
    r"(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?",
    r"continue\s+reading\s+below",
    r"scroll\s+to\s+continue(?:\s+with\s+content)?",
    r"ad\s+choices",
    r"\[?ad\]?",
)
_SHARE_PLATFORMS = frozenset(
    {
        *("facebook", "x", "twitter", "reddit", "pinterest", "email", "e-mail", "whatsapp"),
        *("linkedin", "tweet", "share", "shares", "shared", "pin", "messenger", "telegram"),
        *("flipboard", "tumblr", "sms"),
    }
)
_SHARE_FILLER = frozenset(
    {"this", "on", "via", "article", "post", "page", "link", "copy", "print", "to", "the", "it"}
)
_CHROME = _fullmatch(
    r"scroll\s+(?:to|back\s+to)\s+top",
    r"back\s+to\s+top",
    r"(?:top|bottom)\s+of\s+(?:the\s+)?page",
    r"accessibility(?:\s+toolbar|\s+menu|\s+options)?",
    r"skip\s+to\s+(?:main\s+)?(?:content|navigation|footer)",
    r"(?:main\s+|open\s+|close\s+|mobile\s+)?menu",
    r"toggle\s+(?:navigation|menu)",
    r"navigation",
    r"close",
    r"search(?:\s+for)?\s*:?(?:\s*\.\.\.)?",
    r"home",
    r"(?:log\s*in|sign\s*in|sign\s*up|register|log\s*out)(?:\s*/\s*(?:log\s*in|sign\s*in|sign\s*up|register))?",
    r"(?:my\s+)?(?:cart|account|basket)(?:\s*\(\d+\))?",
    r"(?:«\s*|←\s*)?(?:previous|next|older|newer)\s+(?:post|article|story|entry|posts)(?:\s*[»→])?",
    r"print(?:\s+this\s+(?:page|article))?",
    r"(?:posted\s+in|filed\s+under|tagged(?:\s+with)?)\s*:?\s+.{0,120}",
    r"(?:categories|category|tags)\s*:\s*.{0,120}",
    r"tags?\s*:?",
    r"page\s+\d+(?:\s+of\s+\d+)?",
    r"[-–—]?\s*\d{1,4}\s*[-–—]?",
    r"(?:photo|image|picture)(?:\s+credit)?\s*:.{0,120}",
    r"photo\s+by\s+.{1,80}",
    r"(?:©|\(c\)|copyright)\s*.{0,120}",
    r"all\s+rights\s+reserved\.?",
    r"(?:privacy\s+policy|terms(?:\s+(?:of\s+(?:use|service)|and\s+conditions))?|contact(?:\s+us)?"
    r"|about(?:\s+us)?|sitemap|careers|disclosure|accessibility\s+statement)"
    r"(?:\s*[|·•]\s*(?:privacy\s+policy|terms(?:\s+(?:of\s+(?:use|service)|and\s+conditions))?"
    r"|contact(?:\s+us)?|about(?:\s+us)?|sitemap|careers|disclosure|accessibility\s+statement))+",
    r"privacy\s+policy",
    r"powered\s+by\s+.{1,40}",
)
_BREADCRUMB = re.compile(r"^home\s*(?:[>/»›|]|&gt;|->)\s*\S.*$", re.IGNORECASE)
_COOKIE_BUTTON = _fullmatch(
    r"(?:accept|allow)(?:\s+all)?(?:\s+cookies)?",
    r"(?:reject|decline|deny)(?:\s+all)?(?:\s+cookies)?",
    r"got\s+it!?",
    r"i\s+(?:agree|accept)",
    r"ok(?:ay)?!?",
    r"(?:manage|customi[sz]e)\s+(?:preferences|settings|cookies|options)",
    r"cookie\s+(?:settings|preferences|policy)",
    r"necessary\s+cookies?(?:\s+only)?",
)
_COOKIE_WORDS = re.compile(
    r"\b(?:we\s+use|uses|accept|consent|agree|policy|settings|preferences|experience|enable)\b",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(
    r"newsletter|\bsubscribe\b|enter\s+your\s+e-?mail|your\s+inbox|mailing\s+list"
    r"|sign\s+up\s+(?:for|to)\s+(?:our|the|my)\s+(?:free\s+)?(?:e-?mails?|updates|list|weekly)"
    r"|(?:never|don'?t|do\s+not)\s+miss\s+(?:a|an)\s+(?:post|update|article)",
    re.IGNORECASE,
)
_FORM_FIELD = _fullmatch(
    r"(?:(?:first|last|your)\s+)?(?:name|e-?mail(?:\s+address)?|website|comment|message)\s*\*?",
    r"submit|send|sign\s+up|subscribe(?:\s+now)?|join(?:\s+now)?",
)
_RELATED_INLINE = re.compile(
    r"^(?:related|read\s+more|see\s+also|also\s+read|read\s+next|recommended|more)\s*:\s*\S", re.I
)


def is_ad(text: str) -> bool:
    return bool(_AD.fullmatch(text.strip()))


def is_share_bar(text: str) -> bool:
    """A line made only of share buttons: 'Facebook X Reddit', 'Share | Tweet | Email'."""
    if len(text) > 200:
        return False
    tokens = [t for t in re.split(r"[\s|·•,/]+", text.lower().strip()) if t]
    tokens = [t.rstrip(":") for t in tokens]
    if not tokens or not any(t in _SHARE_PLATFORMS for t in tokens):
        return False
    return all(t in _SHARE_PLATFORMS or t in _SHARE_FILLER or t.isdigit() or not t for t in tokens)


def is_chrome(text: str) -> bool:
    """Navigation and page furniture: 'Scroll to top', 'top of page', breadcrumbs, page numbers."""
    text = text.strip()
    return bool(_CHROME.fullmatch(text) or _BREADCRUMB.match(text))


def is_cookie_banner(text: str) -> bool:
    text = text.strip()
    if _COOKIE_BUTTON.fullmatch(text):
        return True
    return "cookie" in text.lower() and bool(_COOKIE_WORDS.search(text)) and len(text.split()) <= 80


def is_newsletter(text: str) -> bool:
    if len(text) > 400:
        return False
    return (len(text.split()) <= 40 and bool(_NEWSLETTER.search(text))) or bool(
        _FORM_FIELD.fullmatch(text.strip())
    )


def is_inline_related(text: str) -> bool:
    """'Related: How to run hills', 'Read more: ...': a single-line pointer to another page."""
    return bool(_RELATED_INLINE.match(text.strip()))


_PROMO = re.compile(
    # The code itself is matched case-sensitively: sales codes are capitals and digits.
    r"(?i:\b\d{1,2}\s?%\s+off\b)"
    r"|(?i:\b(?:use|with|enter)\s+(?:the\s+)?(?:promo\s+|discount\s+|coupon\s+)?code\s+)"
    r"[A-Z0-9]{4,}\b"
    r"|(?i:\b(?:shop|buy|order)\s+now\b|\bfree\s+(?:shipping|delivery)\b)"
)
_META_FIELD = _fullmatch(
    r"(?:(?:written|posted|words|reviewed)\s+)?by\s+.{1,60}",
    r"(?:posted\s+in|filed\s+under|tagged(?:\s+with)?|categories|category|tags)\s*:?\s+.{1,80}",
    r"(?:part|episode|chapter)\s+\d{1,3}(?:\s+of\s+\d{1,3})?",
    r".{1,40}\s+series(?:\s*,?\s*(?:part|episode)\s+\d{1,3}(?:\s+of\s+\d{1,3})?)?",
    r"\d{1,5}\s+(?:comments?|replies|views|likes|shares)",
)
_BRACKET_LINK = re.compile(r"\[[^\[\]]{1,40}\]")


def is_promo(text: str) -> bool:
    """A short sales line: 'Try X tights - 20% off with code RIVER20', 'Shop now'."""
    return len(text.split()) <= 25 and bool(_PROMO.search(text))


def is_meta_line(text: str) -> bool:
    """A page's byline-and-metadata strip: fields joined by '·' or '|', each a byline, date,
    reading time, category, series part or count ('Posted by X · 9 min read · Filed under: Y')."""
    fields = [f.strip() for f in re.split(r"\s+[·|•]\s+", text.strip()) if f.strip()]
    if len(fields) < 2 or len(text) > 300:
        return False
    return all(
        is_date_line(f) or is_byline(f) or _META_FIELD.fullmatch(f) or _READ_TIME_LINE.fullmatch(f)
        for f in fields
    )


def is_link_list(text: str) -> bool:
    """A pasted row of bracketed links: 'Quick links: [Club home] [Fixtures] [Join the club]'."""
    links = _BRACKET_LINK.findall(text)
    if len(links) < 3:
        return False
    rest = _BRACKET_LINK.sub(" ", text)
    return len(rest.split()) <= 3


LINE_RULES: dict[str, Callable[[str], bool]] = {
    "ad": is_ad,
    "share bar": is_share_bar,
    "navigation": is_chrome,
    "cookie banner": is_cookie_banner,
    "newsletter prompt": is_newsletter,
    "byline": is_byline,
    "date line": is_date_line,
    "related link": is_inline_related,
    "promotion": is_promo,
    "page metadata": is_meta_line,
    "link list": is_link_list,
}


def clutter_kind(text: str) -> str | None:
    """Which kind of single-line clutter a plain line is, or None for content."""
    if not text:
        return None
    for kind, rule in LINE_RULES.items():
        if rule(text):
            return kind
    return None


# ---------------------------------------------------------------------------------------------
# Blocks: related-articles lists and comment sections


_RELATED_HEADING = _fullmatch(
    r"related(?:\s+(?:articles?|posts?|stories|reading|content|links|guides))?",
    r"(?:read|up)\s+next",
    r"read\s+(?:more|also)",
    r"you\s+(?:may|might|will)\s+also\s+(?:like|enjoy|be\s+interested\s+in)",
    r"more\s+(?:stories|articles|posts|from\s+(?:the\s+)?blog|like\s+this)",
    r"recommended(?:\s+(?:for\s+you|reading|articles|posts))?",
    r"(?:popular|recent|latest|trending|similar)\s+(?:posts|articles|stories)",
    r"trending(?:\s+now)?",
    r"keep\s+reading",
    r"further\s+reading",
)

_COMMENT_SIGNATURE = _fullmatch(
    r".*\brecently\s+posted\b.*",
    r".*\bmy\s+profile",
    r"(?:log\s*in\s+to\s+)?reply(?:\s*[↓→])?",
    r"reply\s+to\s+(?:this\s+comment|\w+)",
    r"leave\s+a\s+(?:reply|comment)(?:\s+cancel\s+reply)?.*",
    r"(?:post|add|write|submit)\s+(?:a\s+)?comment",
    r"cancel\s+reply",
    r"join\s+the\s+(?:discussion|conversation)",
    r"(?:\d+|one|two|three)\s+(?:comments?|responses?|replies|thoughts\s+on\s+.+)",
    r"comments?(?:\s*\(\d+\))?",
    r"notify\s+me\s+of\s+(?:follow-?up\s+comments|new\s+posts).*",
    r"save\s+my\s+name,?\s+e-?mail.*",
    r"your\s+e-?mail\s+address\s+will\s+not\s+be\s+published.*",
    r"required\s+fields\s+are\s+marked.*",
    r"(?:name|e-?mail|website)\s*\*(?:\s+(?:name|e-?mail|website)\s*\*?)*",
    r"name\s*\*?\s+e-?mail\s*\*?(?:\s+website)?",
    r"(?:pingback|trackback)\s*:.*",
    r"\[(?:…|\.\.\.)\].*\[(?:…|\.\.\.)\]",
)


def is_related_heading(text: str) -> bool:
    return bool(_RELATED_HEADING.fullmatch(text.strip().rstrip(":")))


def is_comment_signature(text: str) -> bool:
    """Lines only blog comment sections have: 'X recently posted…My Profile', 'Leave a Reply'..."""
    return len(text) <= 400 and bool(_COMMENT_SIGNATURE.fullmatch(text.strip()))


def find_comment_start(
    lines: Sequence[str], min_body_chars: int = 200, plains: Sequence[str] | None = None
) -> int | None:
    """Index of the first line of the comment section, or None when there is none.

    A signature counts only after some article text, so a Q&A or a 'Reply' in the body's
    first lines is never taken for comments; the cut then moves back to the comment's start.
    `plains` may hold the lines' plain forms, already computed.
    """
    body_chars = 0
    for i, line in enumerate(lines):
        text = plains[i] if plains is not None else plain(line)
        if body_chars >= min_body_chars:
            if is_comment_signature(text):
                return _comment_block_start(lines, i, author_line=_is_author_line(text))
            if _SAYS.fullmatch(text) and _is_says_line(lines, i):
                return _comment_block_start(lines, i, author_line=False)
        elif clutter_kind(text) is None:
            body_chars += len(text)
    return None


_AUTHOR_LINE = re.compile(r".*(?:\brecently\s+posted\b|\bmy\s+profile)", re.IGNORECASE)
_SAYS = re.compile(r"[\w .@'’()-]{1,40}\s+says:?", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+\S")


def _is_author_line(text: str) -> bool:
    return bool(_AUTHOR_LINE.match(text))


def _is_says_line(lines: Sequence[str], i: int) -> bool:
    # WordPress: "Jane says:" then the comment's date; "The research says:" has no date after it.
    if not _SAYS.fullmatch(plain(lines[i])):
        return False
    following = _next_nonblank(lines, i + 1, 1)
    return bool(following) and is_date_line(plain(lines[following[0]]))


def _comment_block_start(lines: Sequence[str], signature: int, *, author_line: bool) -> int:
    start = signature
    if author_line:
        # The author line closes a comment: its text (and number) sit right above, no blank between.
        top = signature
        while top > 0 and lines[top - 1].strip() and signature - top < 10:
            top -= 1
        numbered = [j for j in range(top, signature + 1) if _NUMBERED.match(lines[j])]
        if numbered:
            start = _first_of_numbering(lines, numbered[0])
        elif signature - top <= 4 and all(len(lines[j]) <= 600 for j in range(top, signature)):
            start = top
        else:
            start = signature - 1
    # Take comment-count headers ("17 comments") just above along with it.
    j = start - 1
    while j >= 0:
        if is_comment_signature(plain(lines[j])):
            start = j
        elif lines[j].strip():
            break
        j -= 1
    return start


def _first_of_numbering(lines: Sequence[str], item: int) -> int:
    """Walk back from comment number k to comment 1 when the numbers run k-1, ..., 1 above it."""
    match = _NUMBERED.match(lines[item])
    expected = int(match.group(1)) - 1 if match else 0
    start = item
    for j in range(item - 1, max(-1, item - 400), -1):
        if expected < 1:
            break
        found = _NUMBERED.match(lines[j])
        if found and int(found.group(1)) == expected:
            start = j
            expected -= 1
    return start if expected < 1 else item


def related_block_end(lines: Sequence[str], start: int) -> int:
    """Index just past a 'Related Articles' list that starts at `start` (teasers, dates, links).

    In plain text a teaser title looks like a heading, so the list is taken to run while lines
    look like teasers: items followed within three lines by a date, list items, or short titles
    followed by more short titles. Prose without a date ends it, so real content survives.
    """
    own_level = heading_level(lines[start])
    i = start + 1
    n = len(lines)
    while i < n:
        raw = lines[i]
        text = plain(raw)
        if not text:
            i += 1
            continue
        level = heading_level(raw)
        if level is not None:
            if own_level is None or level <= own_level:
                break
            i += 1  # a teaser card's own heading, deeper than the list's heading
            continue
        if is_comment_signature(text):
            break
        if is_date_line(text) or is_list_item(raw) or clutter_kind(text):
            i += 1
            continue
        following = _next_nonblank(lines, i + 1, 3)
        dated = [k for k in following if _is_date_not_heading(lines[k])]
        if dated:
            i = dated[0] + 1
            continue
        nxt = following[0] if following else None
        if _is_short_title(text) and (
            nxt is None or is_list_item(lines[nxt]) or _is_short_title(plain(lines[nxt]))
        ):
            i += 1
            continue
        break
    return i


def _is_date_not_heading(line: str) -> bool:
    return heading_level(line) is None and is_date_line(plain(line))


def _next_nonblank(lines: Sequence[str], begin: int, count: int) -> list[int]:
    found: list[int] = []
    for k in range(begin, len(lines)):
        if lines[k].strip():
            found.append(k)
            if len(found) == count:
                break
    return found


def _is_short_title(text: str) -> bool:
    return len(text) <= 90 and len(text.split()) <= 14 and not text.endswith((".", ":", ";", ","))


# ---------------------------------------------------------------------------------------------
# Whole-page cleaning


def _title_variants(title: str) -> set[str]:
    key = _key(title)
    variants = {key} if key else set()
    for sep in (" | ", " - ", " – ", " — ", ": "):
        if sep in title:
            variants.update(_key(part) for part in title.split(sep) if len(_key(part)) > 8)
    return variants


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def clean_lines(
    lines: Sequence[str], title: str | None = None, *, markdown: bool = False
) -> list[str]:
    """Drop page clutter from a page's lines; keep article text (Q&A, lists, disclaimers).

    `title` helps spot a trailing repeat of it; `markdown` protects fenced code blocks.
    """
    lines = list(lines)
    plains = [plain(line) for line in lines]
    comments = find_comment_start(lines, plains=plains)
    if comments is not None:
        lines, plains = lines[:comments], plains[:comments]
    kept: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        raw = lines[i]
        if markdown and raw.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or raw.lstrip().startswith(("```", "~~~")):
            kept.append(raw)
            i += 1
            continue
        text = plains[i]
        if text and is_related_heading(text) and _related_heading_context(lines, i):
            i = related_block_end(lines, i)
            continue
        # A comment signature above the article ("Leave a comment" under the title) is chrome.
        if clutter_kind(text) is not None or is_comment_signature(text):
            i += 1
            continue
        kept.append(raw)
        i += 1
    return _squeeze_blank(_drop_title_repeats(_squeeze_blank(kept), title))


def _related_heading_context(lines: Sequence[str], i: int) -> bool:
    # "Read more" in running text is prose; as a heading it stands on its own line, short.
    return heading_level(lines[i]) is not None or len(plain(lines[i]).split()) <= 6


def _drop_title_repeats(lines: list[str], title: str | None) -> list[str]:
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return lines
    variants = _title_variants(title or plain(lines[content[0]]))
    if not variants:
        return lines
    drop: set[int] = set()
    # The page's own title repeated at the very end (footers, "back to" links).
    if len(content) > 1 and _key(plain(lines[content[-1]])) in variants:
        drop.add(content[-1])
    # Image alt text echoing the title in lower case, after the title itself.
    for i in content[1:]:
        text = plain(lines[i])
        if text[:1].islower() and _key(text) in variants and len(text.split()) <= 12:
            drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def _squeeze_blank(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out
