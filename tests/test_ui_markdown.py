"""PR text in the Dagster UI's Markdown is inert: it reads exactly as written and links, fetches and injects nothing.

The UI renders metadata Markdown and check descriptions with react-markdown and remark-gfm; the
stand-in here is markdown-it with the same GFM extensions that matter (tables, strikethrough, bare
URLs and e-mail addresses turned into links) and raw HTML passed through, so any HTML left in the
text would show.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from achievement_pipeline.core.text import clean_text, first_of, md_escape
from achievement_pipeline.defs.metadata import preview
from tests.markdown_reading import read_markdown

ATTACKER = "attacker.example"
HOSTILE = (
    f"![pixel](http://{ATTACKER}/pixel.png)",
    f"![pixel][ref]\n\n[ref]: http://{ATTACKER}/ref.png",
    f"[click me](http://{ATTACKER}/phish)",
    "[run](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    f"<script>fetch('http://{ATTACKER}/s')</script>",
    f"<http://{ATTACKER}/autolink> and <evil@{ATTACKER}>",
    f"bare http://{ATTACKER}/bare and https://{ATTACKER} and www.{ATTACKER}/w",
    f"mail evil@{ATTACKER} or {ATTACKER}",
    "&lt;img src=x onerror=alert(1)&gt; &#60;b&#62;",
    '<a href="http://attacker.example">x</a> <iframe src=//attacker.example>',
    "**bold** _em_ ~~gone~~ `code` $x$ | pipe | table",
    "- list\n# heading\n> quote\n---\n```\nfence",
    "1. numbered",
    "\\![escaped](http://attacker.example/e.png)",
)
# Where PR text lands in the UI's Markdown: a paragraph, a table cell, a list item, bold text.
CONTEXTS = {
    "paragraph": "{}",
    "table cell": "| title |\n|---|\n| {} |",
    "list item": "- {}",
    "after bold": "**acme/web-app#1** {}",
}
GFM = MarkdownIt("gfm-like")


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_pr_text_renders_no_link_image_or_html(text, context):
    markdown = CONTEXTS[context].format(md_escape(text))

    html = GFM.render(markdown)
    reading = read_markdown(markdown)

    for tag in ("<img", "<a ", "<script", "<iframe"):
        assert tag not in html, (tag, html)
    ours = read_markdown(CONTEXTS[context].format("plain")).emphasis  # the context's own bold
    assert reading.links == [] and reading.html == [] and reading.images == 0 and reading.emphasis == ours


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_pr_text_reads_exactly_as_written(text):
    assert read_markdown(md_escape(text)).text == clean_text(text)


@pytest.mark.parametrize("text", ["- - nested", "1. ordered", "# heading", "> quote", "---", "+ plus", "=== setext"])
def test_pr_text_after_a_list_marker_stays_one_plain_list_item(text):
    tokens = GFM.parse(f"- {md_escape(text)}")

    assert [t.type for t in tokens if t.type.endswith("_open")] == [
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
    ]


def test_escaping_bounds_the_text_before_it_escapes():
    assert read_markdown(md_escape("a" * 500 + "!", limit=60)).text.endswith("…")


def test_a_preview_shows_hostile_titles_as_text_in_one_row_each():
    rows = [{"pr_id": f"acme/web-app#{n}", "title": title} for n, title in enumerate(HOSTILE, 1)]

    markdown = preview(rows, ["pr_id", "title"], limit=len(rows)).value
    reading = read_markdown(markdown)

    assert reading.links == [] and reading.html == [] and reading.images == 0
    assert "<img" not in GFM.render(markdown)
    body = [line for line in markdown.splitlines()[2:] if line.strip()]
    assert len(body) == len(rows)  # no title split a row or started a new block


def test_a_list_of_prs_names_the_first_ones_and_counts_the_rest():
    assert first_of([f"a/b#{n}" for n in range(1, 4)], limit=5) == "a/b#1, a/b#2, a/b#3"
    assert first_of([f"a/b#{n}" for n in range(1, 26)]) == ", ".join(f"a/b#{n}" for n in range(1, 21)) + " and 5 more"
