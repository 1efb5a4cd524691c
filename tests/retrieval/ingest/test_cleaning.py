"""Page clutter rules: each one table-driven with lines it must drop and lines it must keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.cleaning import (
    clean_lines,
    clutter_kind,
    find_comment_start,
    is_ad,
    is_byline,
    is_chrome,
    is_comment_signature,
    is_cookie_banner,
    is_date_line,
    is_link_list,
    is_meta_line,
    is_newsletter,
    is_promo,
    is_related_heading,
    is_share_bar,
    normalize_text,
    plain,
    related_block_end,
)

MESSY = Path(__file__).parent / "fixtures" / "messy"

# (rule, line, expected): each rule is tested on clutter it must catch and on look-alike content.
CASES = [
    (is_ad, "ADVERTISEMENT", True),
    (is_ad, "Advertisement", True),
    (is_ad, "Sponsored", True),
    (is_ad, "Story continues below advertisement", True),
    (is_ad, "Ads can't tell you how fast to run.", False),
    (is_ad, "Sponsored runs are a great way to raise money.", False),
    (is_share_bar, "Facebook X Reddit", True),
    (is_share_bar, "Facebook X Reddit Pinterest Email", True),
    (is_share_bar, "Share | Tweet | WhatsApp", True),
    (is_share_bar, "Share this article: Facebook Twitter LinkedIn", True),
    (is_share_bar, "Share", True),
    (is_share_bar, "12 shares", True),
    (is_share_bar, "This post", False),
    (is_share_bar, "Share the lane with slower runners.", False),
    (is_share_bar, "Email your coach after the session", False),
    (is_chrome, "Scroll to top", True),
    (is_chrome, "top of page", True),
    (is_chrome, "bottom of page", True),
    (is_chrome, "Accessibility Toolbar", True),
    (is_chrome, "Skip to content", True),
    (is_chrome, "Skip to main content", True),
    (is_chrome, "Menu", True),
    (is_chrome, "Home > Blog > Strength", True),
    (is_chrome, "Home / Training / Hills", True),
    (is_chrome, "Page 3 of 10", True),
    (is_chrome, "12", True),
    (is_chrome, "© 2024 Riverside Running Club", True),
    (is_chrome, "Privacy Policy | Terms of Use", True),
    (is_chrome, "Photo by Jane Smith on Unsplash", True),
    (is_chrome, "Tags: hills, strength, beginners", True),
    (is_chrome, "Home workouts need little equipment.", False),
    (is_chrome, "Menu planning for race week", False),
    (is_chrome, "Categories of exercise include pushes and pulls.", False),
    (is_byline, "~ By Coach Lindsay Leigh", True),
    (is_byline, "By Jane Doe", True),
    (is_byline, "by Jane Doe | June 3, 2024", True),
    (is_byline, "Written by Dr. Sam Okafor", True),
    (is_byline, "Author: J. Smith", True),
    (is_byline, "By the end of the block you should run faster.", False),
    (is_byline, "By adding hills, you build power", False),
    (is_byline, "By Monday your legs should feel fresh again.", False),
    (is_date_line, "July 29, 2025", True),
    (is_date_line, "Updated: Jun 1, 2023", True),
    (is_date_line, "Posted on March 3, 2024 by Coach Lee", True),
    (is_date_line, "Published 29 July 2025", True),
    (is_date_line, "2025-07-29", True),
    (is_date_line, "May 3, 2024 at 9:14 am", True),
    (is_date_line, "5 min read", True),
    (is_date_line, "Reading time: 4 minutes", True),
    (is_date_line, "March is a good month to start hill work.", False),
    (is_date_line, "Run 5 min easy, then read your watch.", False),
    (is_cookie_banner, "We use cookies to improve your experience.", True),
    (is_cookie_banner, "This website uses cookies. By continuing you accept our policy.", True),
    (is_cookie_banner, "Accept all", True),
    (is_cookie_banner, "Manage preferences", True),
    (is_cookie_banner, "A cookie after a long run is fine.", False),
    (is_newsletter, "Subscribe to our newsletter for weekly training tips.", True),
    (is_newsletter, "Enter your email to get the free plan", True),
    (is_newsletter, "Sign up for our weekly emails", True),
    (is_newsletter, "Email*", True),
    (is_newsletter, "Sign up for a 10K in the spring to give your training a goal.", False),
    (is_comment_signature, "Rosa recently posted…My First Trail Half RecapMy Profile", True),
    (is_comment_signature, "Leave a Reply", True),
    (is_comment_signature, "Leave a comment", True),
    (is_comment_signature, "Reply", True),
    (is_comment_signature, "Name* Email* Website", True),
    (is_comment_signature, "Notify me of follow-up comments by email.", True),
    (is_comment_signature, "14 Comments", True),
    (is_comment_signature, "2 thoughts on “Core Strength for Runners”", True),
    (
        is_comment_signature,
        "[…] a great piece on hill sprints that I keep coming back to […]",
        True,
    ),
    (is_comment_signature, "Reply to your coach's questions after each block.", False),
    (is_comment_signature, "A1: Yes, twice a week is enough.", False),
    (is_related_heading, "Related Articles", True),
    (is_related_heading, "Related posts", True),
    (is_related_heading, "Read more", True),
    (is_related_heading, "You may also like", True),
    (is_related_heading, "You might also enjoy:", True),
    (is_related_heading, "Related muscles", False),
    (is_related_heading, "Read more slowly when tired", False),
    (is_promo, "Try FastFeet insoles - 15% off with code STRIDE15", True),
    (is_promo, "Use code RUN20 at checkout", True),
    (is_promo, "SHOP NOW", True),
    (is_promo, "Lift 20% more than you did last month.", False),
    (is_promo, "Use the code of conduct at the track", False),
    (is_promo, "Cue it with the code word 'quiet feet'.", False),
    (
        is_meta_line,
        "Posted by Coach Ana Ruiz · 7 min read · Filed under: Strength · Hills series part 2 of 4",
        True,
    ),
    (is_meta_line, "By Jane Doe | June 3, 2024 | 12 comments", True),
    (is_meta_line, "Hold for 3 seconds · rest 60 seconds", False),
    (is_meta_line, "Strength | Speed", False),
    (is_link_list, "Quick links: [Home] [Results] [Juniors] [Join us]", True),
    (is_link_list, "[Home] [Results] [Join us]", True),
    (is_link_list, "Do 3 sets [10 reps] then rest [90 s] before the [next] exercise", False),
]


@pytest.mark.parametrize(("rule", "line", "expected"), CASES)
def test_line_rule(rule, line: str, expected: bool) -> None:
    assert rule(line) is expected, f"{rule.__name__}({line!r})"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("ADVERTISEMENT", "ad"),
        ("Facebook X Reddit", "share bar"),
        ("Scroll to top", "navigation"),
        ("~ By Coach Lindsay Leigh", "byline"),
        ("July 29, 2025", "date line"),
        ("Related: Why easy runs matter", "related link"),
        ("Strength work makes you a more robust runner.", None),
        ("Q1: How many sets should I do?", None),
        ("A1: Two or three sets of ten.", None),
        ("Disclaimer: see a physiotherapist if pain persists.", None),
        ("", None),
    ],
)
def test_clutter_kind(line: str, kind: str | None) -> None:
    assert clutter_kind(line) == kind


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("## Push and **pull** movements", "Push and pull movements"),
        ("- [Facebook](https://example.com) | [X](https://x.com)", "Facebook | X"),
        ("![runner on a hill](hill.jpg)", "runner on a hill"),
        ("  1.  Squats   and `lunges`", "Squats and lunges"),
        ("> a quoted line", "a quoted line"),
        ("_Posted by Coach Ana · 5 min read_", "Posted by Coach Ana · 5 min read"),
        ("keep snake_case_words as they are", "keep snake_case_words as they are"),
    ],
)
def test_plain_strips_markdown_syntax(line: str, expected: str) -> None:
    assert plain(line) == expected


def test_normalize_text_unifies_line_endings_and_spaces() -> None:
    text = "\ufeffTitle\r\nline\u00a0one \r\rzero\u200bwidth ﬁt\x07"
    assert normalize_text(text) == "Title\nline one\n\nzerowidth fit"


BODY = [
    "Strength work twice a week keeps runners healthy through a long marathon block.",
    "",
    "Q1: Should I lift on run days?",
    "",
    "A1: Yes, after an easy run, and at least six hours apart if you can.",
    "",
]


@pytest.mark.parametrize(
    ("tail", "expected_start"),
    [
        # Numbered comments with author lines: the cut goes back to comment 1.
        (
            ["  1. Loved this, thanks!", "    Ana recently posted…Marathon DiaryMy Profile", ""],
            len(BODY),
        ),
        # The signature is comment 2's; comment 1 had none, the numbering still finds it.
        (
            ["  1. First!", "", "  2. Great tips.", "    Bo recently posted…Week 3My Profile"],
            len(BODY),
        ),
        # A comment form right after the article.
        (["Leave a Reply", "Name* Email* Website"], len(BODY)),
        # A comment count header is part of the comment section.
        (["14 Comments", "", "  1. Nice.", "    Cy recently posted…Hills!My Profile"], len(BODY)),
        # WordPress style: author "says:" followed by the comment date.
        (["Pete says:", "May 3, 2024 at 9:14 am", "Helpful, thanks."], len(BODY)),
        # "The research says:" in the article is followed by content, not a date.
        (["The research says:", "- lifting improves economy"], None),
    ],
)
def test_find_comment_start(tail: list[str], expected_start: int | None) -> None:
    # A long first paragraph: signatures only count after some article text.
    lines = [BODY[0] * 3, *BODY[1:], *tail]
    assert find_comment_start(lines) == expected_start


def test_comment_signature_near_the_top_is_not_a_comment_section() -> None:
    lines = ["Reply", "", "Hill sprints build power without much impact on the legs."]
    assert find_comment_start(lines) is None


@pytest.mark.parametrize(
    ("lines", "expected_end"),
    [
        # Teasers with dates, up to the end of the page.
        (["Related Articles", "A teaser about easy runs that goes on.", "July 22, 2025"], 3),
        # Link titles, then a real section (a heading followed by prose) survives.
        (
            [
                "Related posts",
                "Why easy runs matter",
                "Choosing trail shoes",
                "",
                "Cooling Down",
                "Walk for five minutes and stretch your calves while your heart rate settles.",
            ],
            4,
        ),
        # Markdown: the list ends at the next heading of the same level.
        (["## Related posts", "- [Tempo](t.html)", "- [Hills](h.html)", "", "## Recovery"], 4),
        # Deeper teaser-card headings belong to the list.
        (["## Read more", "### Tempo runs", "Jan 3, 2024", "## Recovery", "Rest."], 3),
    ],
)
def test_related_block_end(lines: list[str], expected_end: int) -> None:
    assert related_block_end(lines, 0) == expected_end


def test_clean_lines_drops_comment_links_above_the_article() -> None:
    lines = [
        "Hill Sprints",
        "Posted on June 3, 2024 by admin — Leave a comment",
        "Leave a comment",
        "",
        "Sprint up a steep hill for ten seconds and walk back down.",
    ]
    assert clean_lines(lines) == [
        "Hill Sprints",
        "",
        "Sprint up a steep hill for ten seconds and walk back down.",
    ]


def test_clean_lines_keeps_fenced_code_untouched() -> None:
    lines = ["Intro text that is long enough to count.", "```", "Share", "Menu", "```"]
    assert clean_lines(lines, markdown=True) == lines


def test_clean_lines_drops_trailing_title_repeat_and_lowercase_echo() -> None:
    lines = [
        "Hill Sprints for Runners",
        "",
        "hill sprints for runners",
        "",
        "Sprint up a steep hill for ten seconds and walk back down.",
        "",
        "Hill Sprints for Runners",
        "Scroll to top",
    ]
    assert clean_lines(lines) == [
        "Hill Sprints for Runners",
        "",
        "Sprint up a steep hill for ten seconds and walk back down.",
    ]


def test_clean_lines_on_a_scraped_blog() -> None:
    lines = normalize_text((MESSY / "hill-sprints-blog.txt").read_text("utf-8")).split("\n")
    text = "\n".join(clean_lines(lines))
    for gone in (
        "ADVERTISEMENT",
        "Advertisement",
        "Sponsored",
        "Facebook X",
        "By Coach Marta",
        "Updated:",
        "Tweet",
        "Related Articles",
        "kettle",
        "February 12, 2024",
        "Comments",
        "recently posted",
        "My Profile",
        "Rosa",
        "bridge ramp",
        "favourite session",
        "[…]",
        "Leave a Reply",
        "Name*",
        "Notify me",
        "Scroll to top",
        "hill sprints for distance runners",
    ):
        assert gone not in text, gone
    for kept in (
        "Hill Sprints for Distance Runners | short, steep",
        "Why hill sprints work",
        "Find a hill with a gradient of roughly 6 to 10 percent.",
        "Q2: My calves ache for days afterwards. Should I stop?",
        "A3: No. They build power",
        "Disclaimer: this post is general advice",
    ):
        assert kept in text, kept
    assert text.count("Hill Sprints for Distance Runners") == 1
