"""The limits every knowledge file is parsed under, in one place (issue 21).

A file a coach drops in, or one sent with `/kb add`, is untrusted input. Each limit below bounds
one way a small file could make parsing huge or slow; a file over a limit is skipped with a
one-line reason (`LimitError`) and never reaches the manifest, and the previous index keeps
serving. Reasons say what to change, in a club member's words.
"""

from __future__ import annotations

from retrieval.errors import KnowledgeError

# Whole file, as read from disk or received by /kb add (the indexer's long-standing limit).
MAX_FILE_BYTES = 5_000_000

# Front matter is a few lines (title, tags, date, sources): 32 kB is far beyond any real one.
MAX_FRONT_MATTER_BYTES = 32_000
# title: ..., source: [{title: ..., author: ...}] is depth 3; allow one more.
MAX_FRONT_MATTER_DEPTH = 4

# Web pages: libxml2 silently stops nesting at 256 levels; real pages stay well under 100, so
# a deeper page is refused with a reason rather than read truncated.
MAX_HTML_DEPTH = 200
MAX_HTML_ELEMENTS = 200_000

# Markdown lists and block quotes nested deeper than this are read as text by the parser
# (markdown-it's maxNesting, 20 in its CommonMark preset too); no article nests a list 20 deep.
MAX_MARKDOWN_NESTING = 20

# Line length has no limit of its own: a paragraph pasted as one line is fine, every per-line
# rule is linear in the line (tests/retrieval/ingest/test_regex_audit.py), and a 1 MB line is read
# well within the budget below (the fuzz suite); the file size cap bounds the rest.

# The budget of parsing one file (decode, front matter, HTML, clean, sections) in the worker
# process: a parse still running after this long, or needing more memory, is cut.
PARSE_SECONDS = 2.0
PARSE_MEMORY_BYTES = 200_000_000


class LimitError(KnowledgeError):
    """A file over one of the limits above; the message is the one-line reason shown."""


def kb(n_bytes: int) -> str:
    return f"{n_bytes / 1000:.0f} kB"
