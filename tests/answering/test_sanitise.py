"""Output hygiene: answers never ping and never carry HTML."""

from __future__ import annotations

import pytest

from answering.sanitise import clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hi @everyone, roll after runs [1].", "Hi everyone, roll after runs [1]."),
        ("@here stretch [2]", "here stretch [2]"),
        ("ask <@123456789> or <@!42> or <@&777> in <#555>", "ask or or in"),
        ("thanks @Coach", "thanks Coach"),
        ("mail coach@club.org", "mail coach@club.org"),
        ("<b>Roll</b> after <i>runs</i> [1].", "Roll after runs [1]."),
        ("<script>alert(1)</script>Roll [1].", "Roll [1]."),
        ("&lt;img src=x onerror=alert(1)&gt;Roll [1].", "Roll [1]."),
        ("Roll <!-- hidden --> after.", "Roll after."),
        ("6 < 8 reps and 10 > 8", "6 < 8 reps and 10 > 8"),
        ("line one\n\n\n\nline two", "line one\n\nline two"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected
