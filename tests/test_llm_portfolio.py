"""The STAR story, skills and flagged numbers written by enrich travel into the portfolio JSON."""

from datetime import date

from achievement_pipeline.export import reports
from tests.factories import portfolio_document
from tests.fake_llm import NARRATIVE
from tests.test_portfolio import _row


def _portfolio(row: dict) -> dict:
    return portfolio_document([row], date(2025, 1, 1), date(2025, 2, 1))


def test_the_star_story_skills_and_flagged_numbers_are_in_the_portfolio_and_valid():
    row = {**_row("acme/a#1", "2025-01-05", "feature", 100), "star": NARRATIVE["star"], "skills": ["Python"]}
    document = _portfolio({**row, "flagged_numbers": ["57"]})
    reports.validate_portfolio(document)
    [achievement] = document["achievements"]
    assert (achievement["star"], achievement["skills"], achievement["flagged_numbers"]) == (
        NARRATIVE["star"],
        ["Python"],
        ["57"],
    )


def test_rows_from_before_the_star_story_still_make_a_valid_portfolio():
    document = _portfolio(_row("acme/a#1", "2025-01-05", "feature", 100))
    reports.validate_portfolio(document)
    assert "star" not in document["achievements"][0]
