"""A messy copy of the knowledge base: each article as a scraped web page would arrive.

`write_messy_corpus(knowledge_dir, out_dir)` turns every clean article into a cluttered .txt
(bare heading lines, ads, share bar, byline, related articles, blog comments) or .html page
(nav, cookie banner, footer, comment form), keeping the file stem so evaluations can map
sources back. Deterministic: the same articles always give the same bytes.

    python -m evaluation.messy_corpus OUT_DIR [--knowledge knowledge] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import random
import re
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from retrieval.ingest.cleaning import normalize_text
from retrieval.ingest.loaders import split_front_matter
from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge
from retrieval.ingest.sections import Block, markdown_blocks
from retrieval.models import ParsedDocument

SITES = [
    "Riverside Running Club",
    "Trail & Track Coaching",
    "Strong Stride Blog",
    "Club Coach Notes",
]
AUTHORS = ["Coach Lindsay Reyes", "Jamie Tran", "Coach Priya Nair", "Sam Okafor", "Dana Whitfield"]
DATES = ["July 29, 2025", "Jun 1, 2023", "March 3, 2024", "October 12, 2022", "August 7, 2025"]
TEASERS = [
    "Why your easy days should feel almost too easy, and how to keep them that way in a busy week.",
    "A practical guide to choosing trail shoes, from grip and drop to heel fit.",
    "What to eat the night before a half marathon, and what to leave for after the race.",
    "Five mobility drills you can do while the kettle boils.",
    "How to pace your first 10K without blowing up in the second half.",
    "Cold-weather layering for runners who hate being cold at the start line.",
    "The simplest way to plan a week of running around a full-time job.",
    "Hydration myths that keep runners drinking too much on long runs.",
]
COMMENTS = [
    "Great post, sharing this with my running group!",
    "I never thought about it this way. Trying it next week.",
    "Does this apply to ultra runners too?",
    "Bookmarked for my next training block, thanks coach.",
    "My physio said almost exactly the same thing last month.",
    "Love the practical tips. More posts like this please!",
    "I started doing this in the winter and my knees have never felt better.",
    "How would you fit this around three runs a week?",
    "This is the clearest explanation I have read so far.",
    "Printed it out and stuck it on the fridge.",
    "Would love a video version of this one.",
    "Finally an article that does not make it sound complicated.",
]
COMMENTERS = ["Miz", "Heather", "Kim", "Laura", "Jody", "Calee", "Elle", "Brandi", "Lisa", "GiGi"]
BLOG_POSTS = [
    "Weekend Wrap-up",
    "Where We Would Run",
    "Sleep Is Optional",
    "Foggy Miles",
    "Protein Pancakes",
    "Race Report: Harbour 10K",
    "My New Shoes",
    "Rest Day Thoughts",
]


def write_messy_corpus(knowledge_dir: Path, out_dir: Path) -> list[Path]:
    """Write a messy scraped copy of every Markdown article; returns the files written."""
    knowledge_dir, out_dir = Path(knowledge_dir), Path(out_dir)
    articles = sorted(p for p in knowledge_dir.rglob("*") if p.suffix in (".md", ".markdown"))
    written: list[Path] = []
    for index, path in enumerate(articles):
        rel = path.relative_to(knowledge_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        text = normalize_text(path.read_text(encoding="utf-8"))
        front_matter, body = split_front_matter(text)
        blocks = markdown_blocks(body)
        title = str(front_matter.get("title") or _first_heading(blocks) or path.stem)
        blocks = [b for b in blocks if not (b.kind == "heading" and b.text == title)]
        rng = random.Random(int(hashlib.sha256(rel.as_posix().encode()).hexdigest()[:12], 16))
        # Every third article becomes a web page; the rest are text pasted from a browser.
        if index % 3 == 2:
            suffix, page = ".html", render_html(title, blocks, rng)
        else:
            suffix, page = ".txt", render_text(title, blocks, rng, compact=index % 4 == 1)
        target = out_dir / rel.with_suffix(suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        written.append(target)
    return written


def _first_heading(blocks: Sequence[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind == "heading"), None)


# ---------------------------------------------------------------------------------------------
# Plain text: what "select all, copy, paste" gives from a blog


def render_text(title: str, blocks: Sequence[Block], rng: random.Random, *, compact: bool) -> str:
    """A scraped page as text; `compact` pages have no blank lines at all (one line per block)."""
    wix = rng.random() < 0.4
    lines: list[str] = []
    if wix:
        lines += ["top of page", "Skip to content", "Menu", "Home > Blog > Training"]
    lines.append(title)
    if rng.random() < 0.5:
        lines.append(f"~ By {rng.choice(AUTHORS)}")
    lines.append(rng.choice([f"Updated: {rng.choice(DATES)}", rng.choice(DATES)]))
    lines.append(rng.choice(["Facebook X Reddit", "Share Tweet Email", "Facebook Pinterest Email"]))
    previous_kind = None
    for block in blocks:
        if block.kind == "heading":
            lines.append(block.text)
        elif block.kind == "item" and previous_kind == "item" and lines:
            lines[-1] += "\n" + _bullet(block.text)
        elif block.kind == "item":
            lines.append(_bullet(block.text))
        else:
            lines.append(block.text)
            if rng.random() < 0.3:
                lines += ["ADVERTISEMENT"] * rng.choice([1, 2])
        previous_kind = block.kind
    lines += related_teasers(rng)
    if rng.random() < 0.5:
        lines += [title, "Scroll to top", "Accessibility Toolbar"]
    if rng.random() < 0.8:
        lines += blog_comments(rng)
    if wix:
        lines.append("bottom of page")
    return ("\n" if compact else "\n\n").join(lines) + "\n"


def _bullet(item: str) -> str:
    # Browsers paste list items with a bullet character or the number, indented.
    if item.lstrip().startswith("- "):
        return "  • " + item.lstrip()[2:]
    return "  " + item.lstrip()


def related_teasers(rng: random.Random) -> list[str]:
    lines = [rng.choice(["Related Articles", "Related posts", "You may also like"])]
    for teaser in rng.sample(TEASERS, rng.randint(3, 6)):
        lines.append(f"{teaser}\n{rng.choice(DATES)}")
    return lines


def blog_comments(rng: random.Random) -> list[str]:
    count = rng.randint(10, 14)
    lines = [f"{count + 1} Comments"]
    for n in range(1, count + 1):
        name = rng.choice(COMMENTERS)
        comment = f"  {n}. {rng.choice(COMMENTS)}"
        if rng.random() < 0.8:
            comment += f"\n    {name} recently posted…{rng.choice(BLOG_POSTS)}My Profile"
        if rng.random() < 0.3:
            comment += f"\n\n    • Thanks {name}! {rng.choice(COMMENTS)}"
        lines.append(comment)
    lines.append("  1. […] one of my favourite coaching blogs posted this last month […]")
    lines += ["Leave a Reply", "Name* Email* Website", "Notify me of follow-up comments by email."]
    return lines


# ---------------------------------------------------------------------------------------------
# HTML: a whole web page, as saved from the browser


def render_html(title: str, blocks: Sequence[Block], rng: random.Random) -> str:
    site = rng.choice(SITES)
    esc = html.escape
    body: list[str] = []
    open_list: str | None = None
    for block in blocks:
        tag = _list_tag(block)
        if open_list and tag != open_list:
            body.append(f"</{open_list}>")
            open_list = None
        if block.kind == "heading":
            body.append(f"<h{block.level}>{esc(block.text)}</h{block.level}>")
        elif tag:
            if not open_list:
                body.append(f"<{tag}>")
                open_list = tag
            item = re.sub(r"^\s*(?:- |\d+\. )", "", block.text)
            body.append(f"<li>{esc(item)}</li>")
        else:
            body.append(f"<p>{esc(block.text)}</p>")
            if rng.random() < 0.3:
                body.append('<div class="ad"><span>Advertisement</span></div>')
    if open_list:
        body.append(f"</{open_list}>")
    related = "".join(
        f'<li><a href="/blog/{i}">{esc(t.split(",")[0])}</a></li>'
        for i, t in enumerate(rng.sample(TEASERS, 3))
    )
    comments = "".join(
        f"<li><p>{esc(rng.choice(COMMENTERS))} says:</p><p>{rng.choice(DATES)} at 9:14 am</p>"
        f"<p>{esc(rng.choice(COMMENTS))}</p><a href='#'>Reply</a></li>"
        for _ in range(rng.randint(2, 5))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {esc(site)}</title>
<script>window.dataLayer = window.dataLayer || [];</script></head>
<body>
<a href="#main">Skip to content</a>
<header><div class="logo">{esc(site)}</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li>
<li><a href="/coaching">Coaching</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience. By continuing you accept
our cookie policy.</p><button>Accept all</button><button>Manage preferences</button></div>
<main id="main"><article>
<h1>{esc(title)}</h1>
<p class="byline">By {esc(rng.choice(AUTHORS))} · <time>{rng.choice(DATES)}</time></p>
<div class="share"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
{chr(10).join(body)}
<div class="share"><span>Share this article:</span> <a href="#">Facebook</a> <a href="#">X</a></div>
</article>
<aside class="related"><h3>Related posts</h3><ul>{related}</ul></aside>
<section id="comments"><h3>{rng.randint(2, 9)} thoughts on “{esc(title)}”</h3><ol>{comments}</ol>
<div id="respond"><h3>Leave a Reply</h3><form>
<p>Your email address will not be published. Required fields are marked *</p>
<label>Name*</label><input name="author"><label>Email*</label><input name="email">
<label>Website</label><input name="url"><textarea name="comment"></textarea>
<p><input type="checkbox"> Notify me of follow-up comments by email.</p>
<button>Post Comment</button></form></div></section></main>
<footer><p>© 2025 {esc(site)}. All rights reserved.</p>
<p><a href="/privacy">Privacy Policy</a> | <a href="/terms">Terms of Use</a></p>
<p>Sign up for our newsletter and never miss a post.</p></footer>
</body></html>
"""


def _list_tag(block: Block) -> str | None:
    if block.kind != "item":
        return None
    text = block.text.lstrip()
    if text.startswith("- "):
        return "ul"
    return "ol" if re.match(r"\d+\. ", text) else None


# ---------------------------------------------------------------------------------------------
# Check: does ingestion recover the clean articles from the messy copies?

CLUTTER_MARKERS = [
    "ADVERTISEMENT",
    "Advertisement",
    "recently posted",
    "My Profile",
    "Related Articles",
    "Related posts",
    "Leave a Reply",
    "Facebook",
    "Scroll to top",
    "top of page",
    "cookies",
    "Accept all",
    "Notify me",
    "says:",
    "Comments",
]


def compare_corpora(knowledge_dir: Path, messy_dir: Path) -> dict[str, float]:
    """Per-corpus figures: headings recovered, clean sentences kept, clutter left, chunk sizes."""
    clean = _load_all(knowledge_dir)
    messy = _load_all(messy_dir)
    headings_found = headings_total = sentences_found = sentences_total = leaks = 0
    paths_found = paths_total = 0
    sizes: list[int] = []
    for stem, doc in clean.items():
        other = messy.get(stem)
        clean_headings = {h for s in doc.sections for h in s.heading_path}
        clean_paths = {s.heading_path for s in doc.sections}
        headings_total += len(clean_headings)
        paths_total += len(clean_paths)
        sentences = [s for sec in doc.sections for s in re.split(r"(?<=[.!?])\s+", sec.text)]
        sentences_total += len(sentences)
        if other is None:
            continue
        messy_headings = {h for s in other.sections for h in s.heading_path}
        headings_found += len(clean_headings & messy_headings)
        # Plain text cannot say that a heading is nested under another: paths may flatten.
        paths_found += len(clean_paths & {s.heading_path for s in other.sections})
        messy_text = " ".join(" ".join(s.text.split()) for s in other.sections)
        sentences_found += sum(" ".join(s.split()) in messy_text for s in sentences)
        leaks += sum(marker in messy_text for marker in CLUTTER_MARKERS)
        chunks, _ = chunk_document(other)
        sizes += [len(c.text) for c in chunks]
    return {
        "documents": len(messy),
        "headings_recovered": headings_found / max(1, headings_total),
        "heading_paths_exact": paths_found / max(1, paths_total),
        "sentences_kept": sentences_found / max(1, sentences_total),
        "clutter_markers_left": leaks,
        "chunks": len(sizes),
        "chunk_chars_median": statistics.median(sizes) if sizes else 0,
        "chunk_chars_max": max(sizes, default=0),
    }


def _load_all(folder: Path) -> dict[str, ParsedDocument]:
    paths, _ = scan_knowledge(folder)
    return {p.stem: load_document(p, folder) for p in paths}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    parser.add_argument("--check", action="store_true", help="ingest both and compare")
    args = parser.parse_args(argv)
    written = write_messy_corpus(args.knowledge, args.out_dir)
    kinds = {s: sum(p.suffix == s for p in written) for s in (".txt", ".html")}
    print(f"wrote {len(written)} messy files to {args.out_dir} ({kinds})")
    if args.check:
        for name, value in compare_corpora(args.knowledge, args.out_dir).items():
            print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
