"""A reporting window's rules: hours within each person's capacity, reverted work without value."""

from datetime import date

import pytest

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.value.estimate import estimate
from achievement_pipeline.value.window import apply_window
from tests.factories import valuation_input

LEDGER = load_ledger()
JANUARY = (date(2025, 1, 1), date(2025, 2, 1))  # 23 working days: 23 × 8 h × 0.6 = 110.4 h per person


def row(number, author="octo-demo", **overrides):
    """A valued, accepted PR row as the export joins it."""
    defaults = {"claims": [], "size_class": "xl", "changed_files": 40, "first_commit_at": "2024-12-02T09:00:00Z"}
    base = valuation_input(**{"pr_id": f"acme/web-app#{number}", "author": author, **defaults, **overrides})
    return {**base, **estimate(base, LEDGER), "status": "accepted", "title": f"PR {number}", "body": ""}


def test_one_persons_hours_are_scaled_down_to_their_capacity():
    window = apply_window([row(n) for n in range(1, 11)], [], *JANUARY, LEDGER)
    capacity = window.capacity
    assert capacity["estimated_hours"] > 110.4 and capacity["available_hours"] == pytest.approx(110.4)
    assert sum(r["hours_expected"] for r in window.rows) == pytest.approx(110.4, abs=0.05)
    assert capacity["hours"]["high"] <= 110.4 and capacity["scaled"]
    assert (
        capacity["statement"].startswith("estimated ")
        and "rescaled to the 110\u00a0h available" in capacity["statement"]
    )


def test_cost_and_judged_value_scale_with_the_hours():
    before = row(1)
    window = apply_window([row(n) for n in range(1, 11)], [], *JANUARY, LEDGER)
    after = window.rows[0]
    factor = window.capacity["authors"][0]["scale"]
    assert after["cost_expected"] == pytest.approx(before["cost_expected"] * factor, abs=0.05)
    assert after["value_expected"] == pytest.approx(before["value_expected"] * factor, abs=0.05)


def test_a_value_resting_on_an_outcome_does_not_shrink_with_the_hours():
    claim = ["This cuts the monthly AWS bill for this service by 72%"]
    rows = [row(1, claims=claim), *(row(n) for n in range(2, 11))]
    window = apply_window(rows, [], *JANUARY, LEDGER)
    assert window.rows[0]["value_expected"] == rows[0]["value_expected"]
    assert window.rows[0]["hours_expected"] < rows[0]["hours_expected"]


def test_a_team_adds_its_members_capacities_and_each_is_bounded_alone():
    rows = [row(n) for n in range(1, 11)] + [row(20, author="ada-dev")]
    window = apply_window(rows, [], *JANUARY, LEDGER)
    assert window.capacity["people"] == 2 and window.capacity["available_hours"] == pytest.approx(220.8)
    scales = {a["author"]: a["scale"] for a in window.capacity["authors"]}
    assert scales["ada-dev"] == 1.0 and scales["octo-demo"] < 1.0


def test_non_working_days_are_taken_out_of_the_capacity(tmp_path):
    ledger_file = tmp_path / "ledger.yaml"
    from achievement_pipeline.core.ledger import DEFAULT_LEDGER

    ledger_file.write_text(DEFAULT_LEDGER.read_text().replace("  value: []\n", "  value: [2025-01-01, 2025-01-02]\n"))
    window = apply_window([row(1)], [], *JANUARY, load_ledger(ledger_file))
    assert window.capacity["working_days"] == 21 and window.capacity["non_working_days"] == 2


def test_within_capacity_nothing_is_scaled():
    window = apply_window([row(1)], [], *JANUARY, LEDGER)
    assert not window.capacity["scaled"] and window.rows[0]["hours_expected"] == row(1)["hours_expected"]
    assert window.capacity["statement"].startswith(f"{round(row(1)['hours_expected'])}\u00a0h of the 110\u00a0h")


def test_the_arithmetic_after_scaling_still_adds_up_to_the_value():
    window = apply_window([row(n) for n in range(1, 11)], [], *JANUARY, LEDGER)
    scaled = window.rows[0]
    hours = next(t for t in scaled["value_terms"] if t["name"] == "hours")["value"]
    assert hours == pytest.approx(scaled["hours_expected"], abs=0.01)
    assert (
        scaled["arithmetic"].endswith(f"= ${round(scaled['value_expected'], -1):,.0f}")
        or " = $" in scaled["arithmetic"]
    )


def test_a_reverted_pr_keeps_its_hours_but_loses_its_value_and_claims():
    reverted = row(1, claims=["This cuts the monthly AWS bill for this service by 72%"])
    revert = row(2, title='Revert "PR 1"')
    revert["body"] = "Reverts acme/web-app#1"
    history = [
        {**reverted, "merged_at": "2025-01-03T10:00:00Z", "merge_commit_sha": ""},
        {**revert, "merged_at": "2025-01-04T10:00:00Z", "merge_commit_sha": ""},
    ]
    window = apply_window([reverted, revert], history, *JANUARY, LEDGER)
    first, second = window.rows
    assert first["value_expected"] == 0 and first["outcomes"] == [] and first["claims"] == []
    assert (
        first["hours_expected"] > 0 and first["value_basis"] == "reverted" and first["reverted_by"] == "acme/web-app#2"
    )
    assert second["value_expected"] == 0 and second["reverts"] == "acme/web-app#1"
    assert first["evidence"][0] == {"kind": "reverted", "detail": "reverted by acme/web-app#2 (Reverts acme/web-app#1)"}


def test_rejected_rows_are_not_counted_against_the_capacity():
    rejected = {**row(1), "status": "rejected"}
    window = apply_window([rejected, row(2)], [], *JANUARY, LEDGER)
    assert window.capacity["estimated_hours"] == row(2)["hours_expected"]
