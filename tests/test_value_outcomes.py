"""Measured outcomes a PR states, valued through the ledger; claims that cannot be true refused with a reason."""

import pytest

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.value.outcomes import read_claims

LEDGER = load_ledger()
HORIZON = LEDGER.number("outcome_horizon_months")


def one(claim):
    reading = read_claims([claim], LEDGER)
    assert len(reading.outcomes) == 1, (reading.refused, reading.unvalued)
    return reading.outcomes[0]


def test_a_percentage_cut_of_a_bill_applies_to_the_assumed_monthly_cost():
    outcome = one("This cuts the monthly AWS bill for this service by 72%")
    bill = LEDGER.range("assumed_monthly_cost")
    assert outcome.kind == "cost"
    assert (outcome.value.low, outcome.value.expected, outcome.value.high) == pytest.approx(
        (0.72 * bill.low * HORIZON, 0.72 * bill.expected * HORIZON, 0.72 * bill.high * HORIZON)
    )


def test_a_stated_saving_per_month_is_counted_as_stated():
    outcome = one("Moving the logs to cold storage saves $1,200 a month")
    assert outcome.kind == "cost" and outcome.value.expected == pytest.approx(1200 * HORIZON)


def test_a_faster_ci_run_saves_the_waiting_part_of_every_run():
    outcome = one("CI time goes from 21 min to 8 min")
    runs, waiting, rate = LEDGER.range("runs_per_month"), LEDGER.range("waiting_share"), LEDGER.number("hourly_rate")
    assert outcome.kind == "time"
    assert outcome.value.expected == pytest.approx(13 / 60 * runs.expected * waiting.expected * HORIZON * rate)


def test_people_time_saved_per_week_is_valued_at_the_hourly_rate():
    outcome = one("saves 3 hours a week of manual release work")
    assert outcome.value.expected == pytest.approx(3 * 52 / 12 * HORIZON * LEDGER.number("hourly_rate"))


def test_a_latency_cut_is_valued_per_percentage_point():
    outcome = one("This brings p95 latency for /api/cart from 420 ms to 180 ms")
    assert outcome.kind == "latency"
    assert outcome.value.expected == pytest.approx(57.1 * LEDGER.range("latency_value_per_point").expected)


def test_fewer_errors_are_valued_per_percentage_point():
    outcome = one("Since the canary rollout we see 35% fewer failed deploys")
    assert outcome.kind == "errors"
    assert outcome.value.expected == pytest.approx(35 * LEDGER.range("error_value_per_point").expected)


def test_a_reduction_above_one_hundred_percent_is_refused():
    reading = read_claims(["We see 150% fewer errors"], LEDGER)
    assert reading.outcomes == [] and reading.refused[0].reason == "a reduction of 150% is impossible (above 100%)"


def test_figures_that_go_up_are_not_a_reduction():
    reading = read_claims(["p95 latency goes from 180 ms to 420 ms"], LEDGER)
    assert reading.refused[0].reason == "from 180 to 420 is not a reduction"


def test_more_hours_saved_per_week_than_a_week_has_are_refused():
    reading = read_claims(["This saves 200 hours a week"], LEDGER)
    assert reading.refused[0].reason == "200 hours saved per week is more than a week has"


def test_outcomes_the_ledger_does_not_price_are_kept_as_plain_claims():
    claims = [
        "Throughput is 2.5x higher in the load test",
        "Peak memory on the nightly job drops from 1280 MB to 640 MB",
    ]
    reading = read_claims(claims, LEDGER)
    assert reading.outcomes == [] and reading.refused == [] and reading.unvalued == claims


def test_each_outcome_carries_the_factors_of_its_arithmetic():
    outcome = one("This cuts the monthly AWS bill for this service by 72%")
    assert [(t.name, t.value, t.unit) for t in outcome.terms] == [
        ("cut stated in the PR", 0.72, "share"),
        ("assumed_monthly_cost", 2000.0, "money/month"),
        ("outcome_horizon_months", 12.0, "months"),
    ]
