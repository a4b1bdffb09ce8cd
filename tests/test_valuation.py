"""Cost and value of one PR: two figures, each traceable to the ledger, with the arithmetic to redo them."""

import math

import pytest

from achievement_pipeline.core.ledger import LedgerError, load_ledger
from achievement_pipeline.validate.plausibility import HistoryBaseline, plausibility_reasons
from achievement_pipeline.value.arithmetic import arithmetic_line
from achievement_pipeline.value.estimate import estimate
from tests.factories import valuation_input


@pytest.fixture
def ledger():
    return load_ledger()


def judged(**overrides):
    """A PR that states no outcome: its value is a judgement on its cost."""
    return valuation_input(claims=[], **overrides)


def product(terms):
    return math.prod(float(term["value"]) for term in terms)


def test_cost_is_the_hours_at_the_hourly_rate(ledger):
    value = estimate(valuation_input(), ledger)
    rate = ledger.number("hourly_rate")
    for bound in ("low", "expected", "high"):
        assert value[f"cost_{bound}"] == pytest.approx(value[f"hours_{bound}"] * rate, abs=0.01)


def test_every_range_is_ordered_and_not_one_fixed_factor(ledger):
    small = estimate(judged(size_class="xs"), ledger)
    large = estimate(judged(size_class="xl", first_commit_at="2024-12-16T09:00:00Z"), ledger)  # three weeks of work
    for value in (small, large):
        for figure in ("hours", "cost", "value"):
            assert 0 < value[f"{figure}_low"] < value[f"{figure}_expected"] < value[f"{figure}_high"]
    assert small["hours_high"] / small["hours_expected"] != large["hours_high"] / large["hours_expected"]


def test_a_stated_measured_outcome_is_the_basis_of_the_value(ledger):
    value = estimate(valuation_input(claims=["This cuts the monthly AWS bill for this service by 72%"]), ledger)
    assert value["value_basis"] == "outcome"
    monthly, horizon = ledger.range("assumed_monthly_cost").expected, ledger.number("outcome_horizon_months")
    assert value["value_expected"] == pytest.approx(0.72 * monthly * horizon, abs=0.01)
    assert value["outcomes"][0]["kind"] == "cost"


def test_without_an_outcome_the_value_is_a_labelled_judgement_on_cost(ledger):
    value = estimate(judged(), ledger)
    e = ledger.entries
    bonus = 1 * e["review_depth_bonus"]["value"] + 1 * e["linked_issue_bonus"]["value"]
    multiplier = (
        e["category_multipliers"]["value"]["performance"] * e["impact_multipliers"]["value"]["high"] * (1 + bonus)
    )
    assert value["value_basis"] == "judgement"
    assert value["value_expected"] == pytest.approx(value["cost_expected"] * multiplier, abs=0.01)


def test_the_value_terms_multiply_to_the_expected_value(ledger):
    for row in (valuation_input(), judged(), valuation_input(claims=["CI time goes from 21 min to 8 min"])):
        value = estimate(row, ledger)
        assert product(value["value_terms"]) == pytest.approx(value["value_expected"], rel=1e-3), value["value_terms"]


def test_the_arithmetic_line_reads_as_a_sum_a_manager_can_redo(ledger):
    value = estimate(judged(), ledger)
    line = arithmetic_line(value["value_terms"], value["value_expected"], "USD")
    # 4 h for a medium change; review comment and linked issue 1 + 0.05 + 0.1; a reach of exactly 1 left out.
    assert line == "4\u00a0h × $95/h × 1.6 (performance) × 1.6 (high impact) × 1.15 (review, issues) = $1,100"


def test_the_largest_outcome_carries_the_value_and_the_others_are_evidence(ledger):
    claims = ["p95 latency from 420 ms to 180 ms", "This cuts the monthly AWS bill for this service by 72%"]
    value = estimate(valuation_input(claims=claims), ledger)
    assert value["outcomes"][0]["kind"] == "latency" and len(value["outcomes"]) == 2
    assert value["value_expected"] == pytest.approx(max(o["value"]["expected"] for o in value["outcomes"]))
    assert [e["detail"] for e in value["evidence"] if e["kind"] == "outcome"][0] == claims[1]


def test_an_impossible_claim_is_refused_with_its_reason_and_counts_for_nothing(ledger):
    value = estimate(valuation_input(claims=["We see 150% fewer checkout errors"]), ledger)
    assert value["value_basis"] == "judgement" and value["outcomes"] == []
    assert value["refused_claims"] == [
        {"claim": "We see 150% fewer checkout errors", "reason": "a reduction of 150% is impossible (above 100%)"}
    ]


def test_every_estimate_lists_its_evidence_and_assumptions(ledger):
    value = estimate(judged(), ledger)
    kinds = {e["kind"] for e in value["evidence"]}
    assert {"size", "calendar", "category", "impact", "review", "linked_issue", "reach"} <= kinds
    names = {a["name"] for a in value["assumptions"]}
    assert {
        "hourly_rate",
        "effort_hours_by_size.m",
        "category_multipliers.performance",
        "reach_factors.organization",
    } <= (names)


def test_the_category_and_impact_evidence_say_who_decided_and_what_scored(ledger):
    scorecard = [{"evidence": "closes 1 issue", "points": 1}, {"evidence": "performance work", "points": 2}]
    value = estimate(judged(impact="medium", impact_points=3, impact_evidence=scorecard), ledger)
    details = {e["kind"]: e["detail"] for e in value["evidence"]}
    assert details["category"] == "performance, as the PR title's conventional prefix states"
    assert details["impact"] == "medium impact, 3 scorecard points: closes 1 issue +1; performance work +2"


def test_an_uncertain_category_names_the_model_s_guess_and_claims_no_premium(ledger):
    base = "pr-category-base:vite-2026-08-22"
    guessed = judged(
        category="uncertain",
        category_basis="uncertain",
        predicted_category="refactor",
        category_confidence=0.45,
        category_model_version=base,
        model_version=f"{base},impact-scorecard-v1",
    )
    value = estimate(guessed, ledger)
    detail = next(e["detail"] for e in value["evidence"] if e["kind"] == "category")
    assert detail == (
        f"uncertain: {base}'s best guess, refactor, has a 45% measured chance of being right, too low to show as fact"
    )
    assert {"name": "category_multipliers.uncertain", "value": 1.0, "unit": "×"} in value["value_terms"]


def test_personal_work_is_valued_below_the_same_work_for_an_organisation(ledger):
    production = estimate(judged(), ledger)
    personal = estimate(judged(repo="octo-demo/dotfiles", pr_id="octo-demo/dotfiles#1", repo_owner_type="User"), ledger)
    assert personal["cost_expected"] == production["cost_expected"]
    assert personal["value_expected"] < production["value_expected"] / 5
    assert "author's own repository" in personal["reach_note"]


def test_no_evidence_means_no_value(ledger):
    value = estimate(valuation_input(lines_changed=0, size_class="xs", claims=[]), ledger)
    assert value["value_expected"] == 0 and value["cost_expected"] == 0 and value["evidence"] == []
    assert value["value_basis"] == "none"
    assert plausibility_reasons(value, ledger) == [
        "no evidence of work (no lines changed, no measurable claims): not valued"
    ]


def test_effort_above_the_ledger_maximum_is_rejected(ledger):
    value = estimate(valuation_input(), ledger)
    value["hours_expected"] = 10_000
    assert any("max_hours_per_pr" in reason for reason in plausibility_reasons(value, ledger))


def test_a_ledger_from_the_environment_changes_the_rate(tmp_path, monkeypatch, ledger):
    custom = tmp_path / "ledger.yaml"
    text = ledger_path().read_text(encoding="utf-8").replace("value: 95", "value: 190")
    custom.write_text(text)
    monkeypatch.setenv("ACHIEVEMENT_ASSUMPTIONS", str(custom))
    doubled = estimate(judged(), load_ledger())
    assert doubled["value_expected"] == pytest.approx(2 * estimate(judged(), ledger)["value_expected"], 0.001)
    assert doubled["cost_expected"] == pytest.approx(2 * estimate(judged(), ledger)["cost_expected"], 0.001)


def test_a_ledger_missing_an_entry_names_it(tmp_path):
    broken = tmp_path / "ledger.yaml"
    broken.write_text("currency: EUR\nhourly_rate: {value: 80}\n")
    with pytest.raises(LedgerError, match="effort_hours_by_size"):
        load_ledger(broken)


def test_a_ledger_range_out_of_order_is_refused_naming_it(tmp_path):
    broken = tmp_path / "ledger.yaml"
    text = ledger_path().read_text(encoding="utf-8")
    broken.write_text(
        text.replace("value: {low: 500, expected: 2000, high: 8000}", "value: {low: 5, expected: 2, high: 8}")
    )
    with pytest.raises(LedgerError, match="assumed_monthly_cost needs low <= expected <= high"):
        load_ledger(broken)


def test_a_share_of_time_above_one_is_refused(tmp_path):
    broken = tmp_path / "ledger.yaml"
    broken.write_text(ledger_path().read_text(encoding="utf-8").replace("value: 0.6\n", "value: 1.5\n", 1))
    with pytest.raises(LedgerError, match="pr_work_share"):
        load_ledger(broken)


def ledger_path():
    from achievement_pipeline.core.ledger import DEFAULT_LEDGER

    return DEFAULT_LEDGER


def test_a_judged_value_far_above_the_persons_own_history_is_rejected_as_an_outlier(ledger):
    value = estimate(judged(), ledger)
    baseline = HistoryBaseline.from_values([100.0 + i for i in range(40)])
    reasons = plausibility_reasons(value, ledger, baseline)
    assert len(reasons) == 1 and "outlier against your own history of 40 judged PRs" in reasons[0]


def test_a_value_resting_on_a_stated_outcome_is_not_held_back_as_an_outlier(ledger):
    value = estimate(valuation_input(claims=["This cuts the monthly AWS bill for this service by 72%"]), ledger)
    baseline = HistoryBaseline.from_values([100.0 + i for i in range(40)])
    assert plausibility_reasons(value, ledger, baseline) == []


def test_a_value_within_the_persons_history_is_accepted(ledger):
    value = estimate(judged(), ledger)
    baseline = HistoryBaseline.from_values([value["value_expected"] * f for f in (0.5, 0.8, 1.0, 1.2) * 10])
    assert plausibility_reasons(value, ledger, baseline) == []


def test_too_little_history_judges_no_outliers(ledger):
    value = estimate(judged(), ledger)
    assert plausibility_reasons(value, ledger, HistoryBaseline.from_values([1.0, 2.0, 3.0, 4.0, 5.0])) == []
