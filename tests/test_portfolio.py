from datetime import UTC, date, datetime

import jsonschema
import pytest

from achievement_pipeline.core.warehouse import join_rows
from achievement_pipeline.core.windows import WindowError, parse_window, period_window
from achievement_pipeline.export import reports
from achievement_pipeline.export.schema import SCHEMA_VERSION
from tests.factories import portfolio_document, prediction_part


def _row(pr_id: str, merge_date: str, category: str, value: float, status: str = "accepted") -> dict:
    number = int(pr_id.split("#")[1])
    return {
        "pr_id": pr_id,
        "merge_date": merge_date,
        "repo": pr_id.split("#")[0],
        "number": number,
        "title": f"PR {number}",
        "url": f"https://github.com/{pr_id.replace('#', '/pull/')}",
        "merged_at": f"{merge_date}T12:00:00Z",
        **prediction_part(
            pr_id=pr_id,
            merge_date=merge_date,
            category=category,
            predicted_category=category,
            category_confidence=0.9,
            impact="medium",
            impact_points=2,
            impact_evidence=[
                {"evidence": "1 measurable claim in the PR text", "points": 1},
                {"evidence": "closes 1 issue", "points": 1},
            ],
        ),
        "summary": "s",
        "achievement": "a",
        "areas": ["src"],
        "size_class": "m",
        "additions": 10,
        "deletions": 5,
        "author": "octo-demo",
        "hours_low": 1,
        "hours_expected": 2,
        "hours_high": 4,
        "cost_low": 95,
        "cost_expected": 190,
        "cost_high": 380,
        "value_low": value / 2,
        "value_expected": value,
        "value_high": value * 2,
        "currency": "USD",
        "value_basis": "judgement",
        "value_terms": [
            {"name": "hours", "value": 2, "unit": "h"},
            {"name": "hourly_rate", "value": 95, "unit": "money/hour"},
            {"name": "judgement", "value": value / 190, "unit": "×"},
        ],
        "reach": 1.0,
        "reach_note": "an organisation's repository",
        "outcomes": [],
        "refused_claims": [],
        "evidence": [{"kind": "size", "detail": "15 lines"}],
        "assumptions": [],
        "status": status,
        "reasons": [] if status == "accepted" else ["no evidence"],
    }


ROWS = [
    {**_row("acme/a#1", "2025-01-05", "feature", 100), "linked_issues": [7], "head_ref": "feat/retry-payments"},
    {**_row("acme/a#2", "2025-02-05", "fix", 300), "linked_issues": [7], "head_ref": "fix/retry-timeouts"},
    _row("acme/b#3", "2025-02-06", "feature", 50),
    _row("acme/b#4", "2025-02-07", "docs", 0, status="rejected"),
]


def _doc():
    return portfolio_document(ROWS, date(2025, 1, 1), date(2025, 4, 1), generated_at=datetime(2025, 4, 1, tzinfo=UTC))


def test_join_keeps_only_prs_of_the_first_table():
    joined = join_rows([{"pr_id": "x#1", "merge_date": "d", "a": 1}], [{"pr_id": "x#1", "b": 2}, {"pr_id": "y#2"}])
    assert joined == [{"pr_id": "x#1", "merge_date": "d", "a": 1, "b": 2}]


def test_totals_count_only_accepted_achievements():
    totals = _doc()["totals"]
    assert totals["prs"] == 3 and totals["rejected"] == 1
    assert totals["value"] == {"low": 225.0, "expected": 450.0, "high": 900.0}


def test_achievements_are_ordered_by_expected_value():
    assert [a["pr_id"] for a in _doc()["achievements"]] == ["acme/a#2", "acme/a#1", "acme/b#3"]


def test_document_validates_and_carries_the_schema_version():
    doc = _doc()
    reports.validate_portfolio(doc)
    assert doc["schema_version"] == SCHEMA_VERSION == reports.SCHEMA_VERSION


def test_achievement_groups_join_related_prs_and_sum_their_values():
    doc = _doc()
    groups = doc["achievement_groups"]
    assert [g["pr_ids"] for g in groups] == [["acme/a#1", "acme/a#2"], ["acme/b#3"]]
    assert groups[0]["grouped_by"] == ["closes the same issue"] and groups[1]["grouped_by"] == []
    assert set(groups[0]["star"]) == {"situation", "task", "action", "result"}
    per_pr = {a["pr_id"]: a for a in doc["achievements"]}
    for group in groups:
        for field in ("value", "hours"):
            for part in ("low", "expected", "high"):
                assert group[field][part] == pytest.approx(sum(per_pr[p][field][part] for p in group["pr_ids"]))
    # every accepted PR is in exactly one group, rejected PRs in none; the per-PR evidence is unchanged
    assert sorted(p for g in groups for p in g["pr_ids"]) == sorted(per_pr)
    assert [a["pr_id"] for a in doc["achievements"]] == ["acme/a#2", "acme/a#1", "acme/b#3"]


def test_each_achievement_says_where_its_category_came_from_and_which_model_and_rules_spoke():
    rows = [
        {**ROWS[0], "category_basis": "label", "review_states": {"APPROVED": 1, "CHANGES_REQUESTED": 1}},
        {
            **ROWS[1],
            "category": "uncertain",
            "category_basis": "uncertain",
            "predicted_category": "fix",
            "category_confidence": 0.4321,
            "category_model_version": "pr-category-base:vite-2026-08-22",
            "sentiment_model_version": "",
            "model_version": "pr-category-base:vite-2026-08-22,impact-scorecard-v1",
            "review_sentiment": "unknown",
        },
    ]
    doc = portfolio_document(rows, date(2025, 1, 1), date(2025, 4, 1))
    reports.validate_portfolio(doc)
    stated, guessed = (next(a for a in doc["achievements"] if a["pr_id"] == row["pr_id"]) for row in rows)
    shown = ("category", "category_basis", "predicted_category")
    assert [stated[key] for key in shown] == ["feature", "label", "feature"]
    assert stated["impact_points"] == 2 and stated["impact_evidence"] == ROWS[0]["impact_evidence"]
    assert stated["review_states"] == {"APPROVED": 1, "CHANGES_REQUESTED": 1}
    assert stated["model"] == {
        "name": "pr-category",
        "version": "pr-category:1,impact-scorecard-v1,pr-review-sentiment:1",
        "category": "pr-category:1",
        "impact": "impact-scorecard-v1",
        "sentiment": "pr-review-sentiment:1",
    }
    assert [guessed[key] for key in shown] == ["uncertain", "uncertain", "fix"]
    assert guessed["category_confidence"] == 0.432
    assert guessed["model"]["category"] == "pr-category-base:vite-2026-08-22" and guessed["model"]["sentiment"] == ""


def test_a_group_citing_an_unknown_pr_fails_validation():
    doc = _doc()
    doc["achievement_groups"][0]["pr_ids"].append("acme/b#4")  # the rejected PR
    with pytest.raises(jsonschema.ValidationError, match="not in achievements"):
        reports.validate_portfolio(doc)


def test_rejections_keep_their_reasons():
    assert _doc()["rejected"] == [
        {
            "pr_id": "acme/b#4",
            "title": "PR 4",
            "url": "https://github.com/acme/b/pull/4",
            "reasons": ["no evidence"],
        }
    ]


def test_value_over_time_is_monthly():
    assert [(p["period"], p["prs"]) for p in _doc()["value_over_time"]] == [("2025-01", 1), ("2025-02", 2)]


def test_window_end_is_reported_inclusive():
    assert _doc()["window"] == {"start": "2025-01-01", "end": "2025-03-31"}


def test_empty_window_fields_fall_back_to_the_runs_partitions():
    default = (date(2025, 1, 1), date(2025, 1, 8))
    assert parse_window("", "", default) == default


def test_a_configured_window_is_inclusive_of_its_end_day():
    assert parse_window("2025-02-01", "2025-02-28", (date(2025, 1, 1), date(2025, 1, 2))) == (
        date(2025, 2, 1),
        date(2025, 3, 1),
    )


def test_a_malformed_window_names_the_fields():
    with pytest.raises(WindowError, match="window_start and window_end"):
        parse_window("2025-13-01", "2025-02-01", (date(2025, 1, 1), date(2025, 1, 2)))


def test_a_reversed_window_is_refused():
    with pytest.raises(WindowError, match="ends before it starts"):
        parse_window("2025-03-01", "2025-02-01", (date(2025, 1, 1), date(2025, 1, 2)))


@pytest.mark.parametrize(
    ("period", "window"),
    [
        ("2025", (date(2025, 1, 1), date(2026, 1, 1))),
        ("2025-Q4", (date(2025, 10, 1), date(2026, 1, 1))),
        ("2025-q2", (date(2025, 4, 1), date(2025, 7, 1))),
        ("2025-12", (date(2025, 12, 1), date(2026, 1, 1))),
    ],
)
def test_named_periods_cover_whole_years_quarters_and_months(period, window):
    assert period_window(period) == window


def test_an_unknown_period_says_which_forms_are_accepted():
    with pytest.raises(WindowError, match="2025-Q1"):
        period_window("Q1 2025")
