import pytest

from achievement_pipeline.core.ledger import LedgerError, load_ledger
from achievement_pipeline.validate.plausibility import HistoryBaseline, plausibility_reasons
from achievement_pipeline.value.estimate import estimate
from tests.factories import valuation_input


@pytest.fixture
def ledger():
    return load_ledger()


def test_estimate_is_ordered_low_expected_high(ledger):
    value = estimate(valuation_input(), ledger)
    assert 0 < value["value_low"] < value["value_expected"] < value["value_high"]
    assert value["hours_low"] < value["hours_expected"] < value["hours_high"]


def test_expected_value_is_the_documented_product_of_ledger_entries(ledger):
    value = estimate(valuation_input(), ledger)
    e = ledger.entries
    bonus = 1 * e["review_depth_bonus"]["value"] + 1 * e["linked_issue_bonus"]["value"] + e["claim_bonus"]["value"]
    expected = (
        e["effort_hours_by_size"]["value"]["m"]
        * e["hourly_rate"]["value"]
        * e["category_multipliers"]["value"]["performance"]
        * e["impact_multipliers"]["value"]["high"]
        * (1 + bonus)
    )
    assert value["value_expected"] == pytest.approx(expected, abs=0.01)


def test_every_estimate_lists_its_evidence_and_assumptions(ledger):
    value = estimate(valuation_input(), ledger)
    kinds = {e["kind"] for e in value["evidence"]}
    assert {"size", "category", "impact", "review", "linked_issue", "claim"} <= kinds
    names = {a["name"] for a in value["assumptions"]}
    assert {"hourly_rate", "effort_hours_by_size.m", "category_multipliers.performance"} <= names


def test_no_evidence_means_no_value(ledger):
    value = estimate(valuation_input(lines_changed=0, size_class="xs", claims=[]), ledger)
    assert value["value_expected"] == 0 and value["evidence"] == []
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
    doubled = estimate(valuation_input(), load_ledger())
    assert doubled["value_expected"] == pytest.approx(2 * estimate(valuation_input(), ledger)["value_expected"], 0.001)


def test_a_ledger_missing_an_entry_names_it(tmp_path):
    broken = tmp_path / "ledger.yaml"
    broken.write_text("currency: EUR\nhourly_rate: {value: 80}\n")
    with pytest.raises(LedgerError, match="effort_hours_by_size"):
        load_ledger(broken)


def ledger_path():
    from achievement_pipeline.core.ledger import DEFAULT_LEDGER

    return DEFAULT_LEDGER


def test_a_value_far_above_the_persons_own_history_is_rejected_as_an_outlier(ledger):
    value = estimate(valuation_input(), ledger)
    baseline = HistoryBaseline.from_values([100.0 + i for i in range(40)])
    reasons = plausibility_reasons(value, ledger, baseline)
    assert len(reasons) == 1 and "outlier against your own history of 40 PRs" in reasons[0]


def test_a_value_within_the_persons_history_is_accepted(ledger):
    value = estimate(valuation_input(), ledger)
    baseline = HistoryBaseline.from_values([value["value_expected"] * f for f in (0.5, 0.8, 1.0, 1.2) * 10])
    assert plausibility_reasons(value, ledger, baseline) == []


def test_too_little_history_judges_no_outliers(ledger):
    value = estimate(valuation_input(), ledger)
    assert plausibility_reasons(value, ledger, HistoryBaseline.from_values([1.0, 2.0, 3.0, 4.0, 5.0])) == []
