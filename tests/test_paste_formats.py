"""The formats people paste: the portfolio in Markdown, CV bullets, the per-quarter and skills views.

Every one comes from the same document the JSON holds; pasted Markdown must read as the same
plain text in a GitHub comment, Slack or a Google Doc (no backslashes, no injected links).
"""

from __future__ import annotations

import copy
import html
import re
from datetime import date
from typing import Any

import pytest

from achievement_pipeline.core.text import clean_text, md_paste
from achievement_pipeline.export import reports
from achievement_pipeline.export.breakdowns import quarters
from achievement_pipeline.export.reports.cv import month_span
from tests.markdown_reading import read_markdown
from tests.test_reports import make_sample_portfolio

HOSTILE = (
    "Fix *all* the [bugs](https://evil.example/x) in snake_case.py <img src=x onerror=alert(1)> & &amp; "
    "$x$ @team #12 ~~gone~~ www.evil.example | a | `tick` 1. done"
)


@pytest.fixture
def sample() -> dict[str, Any]:
    return make_sample_portfolio()


def _with_statement(sample: dict[str, Any], text: str) -> dict[str, Any]:
    """The sample with ``text`` as the statement of every achievement and every PR."""
    document = copy.deepcopy(sample)
    for item in [*document["achievement_groups"], *document["achievements"]]:
        item["statement"] = text
    return document


def _two_quarters(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample read as a half year: its Q1 work and an empty Q2."""
    document = copy.deepcopy(sample)
    document["window"]["end"] = "2025-06-30"
    rows = [
        {
            "pr_id": a["pr_id"],
            "merge_date": a["merged_at"][:10],
            **{f"{k}_{p}": a[k][p] for k in ("value", "hours") for p in ("low", "expected", "high")},
        }
        for a in document["achievements"]
    ]
    document["quarters"] = quarters(rows, document["achievement_groups"], date(2025, 1, 1), date(2025, 6, 30))
    return document


# --------------------------------------------------------------------------- md_paste


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "Bump `vite` to 5.0 in README.md",
        "Use ``double`` ticks and a lone ` tick",
        "- not a list item",
        "# not a heading",
        "(account_id, posted_at) index",
        "Cut the bill from $1,200/month to $300/month",
    ],
)
def test_pasted_text_renders_as_the_same_plain_text(text: str) -> None:
    reading = read_markdown(md_paste(text))
    assert reading.text == clean_text(text)
    assert (reading.links, reading.html, reading.images, reading.emphasis) == ([], [], 0, 0)


def test_pasted_text_has_no_backslash_escapes() -> None:
    assert "\\" not in md_paste(HOSTILE)


def test_our_own_money_figures_are_left_as_written() -> None:
    assert md_paste("Expected $17k ($8.5k–34k) at $100/h") == "Expected $17k ($8.5k–34k) at $100/h"


# --------------------------------------------------------------------------- the portfolio in Markdown


def test_the_markdown_portfolio_reaches_every_pull_request(sample: dict[str, Any]) -> None:
    markdown = reports.render_markdown(sample)
    for item in sample["achievements"]:
        assert f"[{item['pr_id']}]({item['url']})" in markdown


def test_the_markdown_portfolio_tells_every_headline_achievement(sample: dict[str, Any]) -> None:
    text = read_markdown(reports.render_markdown(sample)).text
    for group in sample["achievement_groups"][: reports.HEADLINE_ACHIEVEMENTS]:
        assert group["title"] in text and group["statement"] in text


def test_the_markdown_portfolio_states_the_headline_figures_of_the_html(sample: dict[str, Any]) -> None:
    markdown, html = reports.render_markdown(sample), reports.render_html(sample)
    for figure in ("$14k", "$7,000–28k", "$9,000", "90 h"):
        assert figure in markdown and figure in html


def test_hostile_text_in_the_markdown_portfolio_reads_as_written_and_links_nothing(sample: dict[str, Any]) -> None:
    plain = read_markdown(reports.render_markdown(sample))
    hostile = read_markdown(reports.render_markdown(_with_statement(sample, HOSTILE)))
    assert clean_text(HOSTILE) in hostile.text
    assert hostile.html == [] and hostile.images == 0
    assert hostile.emphasis == plain.emphasis  # only the document's own bold labels
    assert all(link.startswith("https://github.com/acme/") for link in hostile.links)


def test_the_markdown_portfolio_has_no_backslash_escapes(sample: dict[str, Any]) -> None:
    assert "\\" not in reports.render_markdown(_with_statement(sample, HOSTILE))


def test_no_dollar_sign_in_the_markdown_portfolio_can_close_inline_math(sample: dict[str, Any]) -> None:
    outside_code = re.sub(r"`[^`]*`", "", reports.render_markdown(_with_statement(sample, HOSTILE)))
    assert outside_code.count("$") == len(re.findall(r"\$\d", outside_code)) > 0


def test_the_markdown_portfolio_lists_every_quarter_of_a_longer_window(sample: dict[str, Any]) -> None:
    text = read_markdown(reports.render_markdown(_two_quarters(sample))).text
    assert "Q1 2025 (1 Jan – 31 Mar 2025): 15 pull requests" in text
    assert "Q2 2025 (1 Apr – 30 Jun 2025): 0 pull requests" in text


def test_the_markdown_portfolio_lists_each_skill_with_the_prs_behind_it(sample: dict[str, Any]) -> None:
    markdown = reports.render_markdown(sample)
    line = next(x for x in markdown.splitlines() if x.startswith("- **technical writing**"))
    assert "[acme/web-app#27](https://github.com/acme/web-app/pull/27)" in line


# --------------------------------------------------------------------------- CV bullets


def _with_outcome(sample: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sample with a measured outcome on the second PR of the 'Batch balance queries' achievement."""
    document = copy.deepcopy(sample)
    group = next(g for g in document["achievement_groups"] if len(g["pr_ids"]) == 2 and "412" in str(g))
    member = next(a for a in document["achievements"] if a["pr_id"] == group["pr_ids"][0])
    member["outcomes"] = [{"kind": "latency", "claim": "p95 of the balance endpoint from 420 ms to 180 ms", "value": 1}]
    return document, member


def test_a_cv_line_leads_with_the_measured_outcome_attributed_to_its_pr(sample: dict[str, Any]) -> None:
    document, member = _with_outcome(sample)
    markdown, text = reports.render_cv(document)
    line = next(x for x in text.splitlines() if "420 ms" in x)
    assert line.startswith(f"- P95 of the balance endpoint from 420 ms to 180 ms, as {member['pr_id']} reports. ")
    assert f"as [{member['pr_id']}]({member['url']}) reports" in markdown


def test_a_cv_line_moves_the_statements_reported_outcome_to_the_front(sample: dict[str, Any]) -> None:
    document, member = _with_outcome(sample)
    group = next(g for g in document["achievement_groups"] if member["pr_id"] in g["pr_ids"])
    group["statement"] = (
        "Batched ledger queries in acme/payments-api (#88); the PR reports that p95 of the balance endpoint goes "
        "from 420 ms to 180 ms."
    )
    _, text = reports.render_cv(document)
    line = next(x for x in text.splitlines() if "420 ms" in x)
    assert line == (
        f"- The PR reports that p95 of the balance endpoint goes from 420 ms to 180 ms ({member['pr_id']}). "
        "Batched ledger queries in acme/payments-api (+1 related pull request; Feb–Mar 2025)."
    )


def test_the_cv_has_one_line_per_headline_achievement(sample: dict[str, Any]) -> None:
    markdown, text = reports.render_cv(sample)
    headline = sample["achievement_groups"][: reports.HEADLINE_ACHIEVEMENTS]
    assert sum(x.startswith("- ") for x in text.splitlines()) == len(headline)
    assert sum(x.startswith("- ") for x in markdown.splitlines()) == len(headline)


def test_the_cv_carries_no_estimated_dollars_or_hours(sample: dict[str, Any]) -> None:
    for rendered in reports.render_cv(sample):
        assert not re.search(r"\$\d|\d h\b", rendered)


def test_the_plain_text_cv_holds_no_markup(sample: dict[str, Any]) -> None:
    _, text = reports.render_cv(_with_statement(sample, HOSTILE))
    assert "](" not in text.replace(HOSTILE, "") and "`" not in text.replace(HOSTILE, "")
    assert HOSTILE in text


def test_hostile_text_in_the_markdown_cv_reads_as_written(sample: dict[str, Any]) -> None:
    markdown, _ = reports.render_cv(_with_statement(sample, HOSTILE))
    reading = read_markdown(markdown)
    assert clean_text(HOSTILE) in reading.text and "\\" not in markdown
    assert reading.html == [] and all(link.startswith("https://github.com/acme/") for link in reading.links)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2025-02-03T10:00:00Z", "2025-02-20T10:00:00Z", "Feb 2025"),
        ("2025-01-03T10:00:00Z", "2025-03-20T10:00:00Z", "Jan–Mar 2025"),
        ("2024-12-03T10:00:00Z", "2025-01-20T10:00:00Z", "Dec 2024 – Jan 2025"),
    ],
)
def test_a_cv_line_says_when_to_the_month(first: str, last: str, expected: str) -> None:
    assert month_span(first, last) == expected


# --------------------------------------------------------------------------- HTML and PDF of the same views


def test_the_html_shows_a_row_per_quarter_of_a_longer_window(sample: dict[str, Any]) -> None:
    html = reports.render_html(_two_quarters(sample))
    assert "By quarter" in html and "Q1 2025" in html and "Q2 2025" in html


def test_the_html_has_no_quarter_table_within_one_quarter(sample: dict[str, Any]) -> None:
    assert "By quarter" not in reports.render_html(sample)


def test_the_html_links_the_issues_an_achievement_closes(sample: dict[str, Any]) -> None:
    assert 'href="https://github.com/acme/payments-api/issues/412"' in reports.render_html(sample)


def test_hostile_skill_names_are_escaped_in_the_html(sample: dict[str, Any]) -> None:
    document = copy.deepcopy(sample)
    document["skills"][0]["skill"] = "<script>alert('skill')</script>"
    html = reports.render_html(document)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_appendix_a_names_no_reason_a_row_does_not_give(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample)
    intro = html[html.index("Appendix A · Not included") :].split("</p>")[0]
    assert "for the reason given beside it" in intro
    assert not re.search(r"no evidence|implausible|outlier|history", intro)


def test_the_portfolio_says_which_texts_were_written_offline_instead_of_the_models(sample: dict[str, Any]) -> None:
    document = copy.deepcopy(sample)
    document["achievements"][0]["written_by"] = "offline (fallback: unverified figures)"
    reports.validate_portfolio(document)
    note = "The text of 1 pull request was written offline because the model's version held figures"
    assert note in html.unescape(reports.render_html(document))
    assert note in reports.render_markdown(document)
    assert note in reports.render_executive_summary(document)[0]


def test_the_notes_under_the_headline_figures_are_separate_sentences(sample: dict[str, Any]) -> None:
    document = copy.deepcopy(sample)
    document["curation"]["excluded_prs"] = 2
    document["achievements"][0]["written_by"] = "offline (fallback: implausible claim)"
    page = html.unescape(reports.render_html(document))
    note = page[page.index("Figures are estimates") :].split("</p>")[0]
    assert "Engineering time:" in note and "By their own choice" in note and "written offline" in note
    assert not re.search(r"[a-z)]\.[A-Z0-9]", " ".join(note.split()))
