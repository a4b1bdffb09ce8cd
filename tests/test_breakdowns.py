"""The portfolio by quarter, by skill, and the issues behind each PR."""

from __future__ import annotations

from datetime import date

from achievement_pipeline.export.breakdowns import issue_links, quarters, skills


def _row(pr_id: str, merged: str, value: float = 100.0, skill_names: tuple[str, ...] = ()) -> dict:
    return {
        "pr_id": pr_id,
        "merge_date": merged,
        "merged_at": f"{merged}T10:00:00Z",
        "skills": list(skill_names),
        **{f"hours_{k}": 1.0 for k in ("low", "expected", "high")},
        **{f"value_{k}": value for k in ("low", "expected", "high")},
    }


def _group(group_id: str, merged: str, value: float) -> dict:
    return {"id": group_id, "first_merged_at": f"{merged}T10:00:00Z", "value": {"expected": value}}


def test_a_year_reads_as_four_quarters_even_when_one_is_empty():
    found = quarters(
        [_row("a/b#1", "2025-02-01"), _row("a/b#2", "2025-11-30")], [], date(2025, 1, 1), date(2025, 12, 31)
    )
    assert [(q["quarter"], q["prs"]) for q in found] == [("2025-Q1", 1), ("2025-Q2", 0), ("2025-Q3", 0), ("2025-Q4", 1)]


def test_quarters_are_clipped_to_the_window_and_may_cross_a_year():
    found = quarters([], [], date(2024, 12, 15), date(2025, 1, 20))
    assert [(q["quarter"], q["start"], q["end"]) for q in found] == [
        ("2024-Q4", "2024-12-15", "2024-12-31"),
        ("2025-Q1", "2025-01-01", "2025-01-20"),
    ]


def test_a_quarter_sums_its_prs_figures():
    (q1,) = quarters(
        [_row("a/b#1", "2025-01-03", 100.0), _row("a/b#2", "2025-03-31", 50.0)], [], date(2025, 1, 1), date(2025, 3, 31)
    )
    assert q1["value"]["expected"] == 150.0 and q1["hours"]["expected"] == 2.0


def test_a_quarter_headlines_its_most_valuable_achievements_that_began_in_it():
    groups = [_group("small", "2025-01-05", 10), _group("big", "2025-02-05", 900), _group("later", "2025-04-02", 5)]
    q1, q2 = quarters([], groups, date(2025, 1, 1), date(2025, 6, 30))
    assert q1["achievement_ids"] == ["big", "small"] and q2["achievement_ids"] == ["later"]


def test_skills_are_ranked_by_how_many_prs_show_them_and_named_once_whatever_the_case():
    rows = [
        _row("a/b#1", "2025-01-01", skill_names=("SQL", "CI/CD")),
        _row("a/b#2", "2025-01-02", skill_names=("sql",)),
    ]
    assert [(s["skill"], s["prs"]) for s in skills(rows)] == [("SQL", ["a/b#1", "a/b#2"]), ("CI/CD", ["a/b#1"])]


def test_issue_links_stay_on_the_prs_own_host_and_repository():
    links = issue_links("https://github.example.com/acme/web/pull/12", [7, 7, 9])
    assert links == [
        {"number": 7, "url": "https://github.example.com/acme/web/issues/7"},
        {"number": 9, "url": "https://github.example.com/acme/web/issues/9"},
    ]


def test_a_pr_without_a_pull_url_links_no_issues():
    assert issue_links("", [7]) == []
