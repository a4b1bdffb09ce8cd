"""Hours per PR from its own evidence, never more than the working days between its first commit and its merge."""

import pytest

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.value.calendar import capacity_hours, working_days
from achievement_pipeline.value.effort import estimate_effort, review_rounds
from tests.factories import valuation_input

LEDGER = load_ledger()
WEEK_BEFORE = "2024-12-27T09:00:00Z"  # five working days before the merge on 2025-01-03


def hours(**overrides):
    return estimate_effort(valuation_input(first_commit_at=WEEK_BEFORE, **overrides), LEDGER).hours


def test_the_size_class_gives_the_base_hours():
    assert hours(size_class="m").expected == LEDGER.range("effort_hours_by_size", "m").expected
    assert hours(size_class="xs").expected < hours(size_class="m").expected < hours(size_class="xl").expected


def test_files_beyond_the_first_three_add_hours_up_to_the_counted_maximum():
    per_file = LEDGER.range("effort_hours_per_extra_file").expected
    assert hours(changed_files=5).expected == pytest.approx(hours(changed_files=3).expected + 2 * per_file)
    assert hours(changed_files=400) == hours(changed_files=int(LEDGER.number("effort_counted_files")))


def test_commits_beyond_the_first_add_hours():
    per_commit = LEDGER.range("effort_hours_per_extra_commit").expected
    assert hours(commits=4).expected == pytest.approx(hours(commits=1).expected + 3 * per_commit)


def test_each_review_asking_for_changes_or_commenting_is_a_round_of_rework():
    reviews = [
        {"author": "rev1", "state": "CHANGES_REQUESTED", "body": "Split this"},
        {"author": "rev1", "state": "COMMENTED", "body": ""},
        {"author": "rev2", "state": "APPROVED", "body": "LGTM"},
        {"author": "octo-demo", "state": "COMMENTED", "body": "answered"},  # the author's own reply
    ]
    assert review_rounds(valuation_input(reviews=reviews)) == 2
    per_round = LEDGER.range("effort_hours_per_review_round").expected
    assert hours(reviews=reviews).expected == pytest.approx(hours(reviews=[]).expected + 2 * per_round)


def test_a_pr_started_and_merged_the_same_day_takes_at_most_one_working_day():
    effort = estimate_effort(valuation_input(size_class="xl", changed_files=40), LEDGER)
    assert effort.span_days == 1 and effort.hours.high == 8.0
    assert "at most 8 h" in effort.evidence[-1]["detail"]


def test_without_a_first_commit_the_span_starts_at_the_prs_creation():
    effort = estimate_effort(valuation_input(first_commit_at="", created_at="2024-12-30T09:00:00Z"), LEDGER)
    assert effort.span_days == 5  # Mon 30 Dec .. Fri 3 Jan


def test_the_range_is_the_sum_of_the_inputs_uncertainty():
    effort = hours(size_class="m", changed_files=5)
    base, per_file = LEDGER.range("effort_hours_by_size", "m"), LEDGER.range("effort_hours_per_extra_file")
    assert (effort.low, effort.high) == pytest.approx((base.low + 2 * per_file.low, base.high + 2 * per_file.high))


def test_weekends_and_non_working_days_are_not_working_days():
    assert working_days(LEDGER_DAY("2025-01-03"), LEDGER_DAY("2025-01-06"), LEDGER) == 2  # Fri, (Sat, Sun), Mon


def test_a_quarters_capacity_is_its_working_days_at_the_pr_work_share():
    # 2025 Q1 has 64 weekdays: 64 × 8 h × 0.6.
    assert capacity_hours(LEDGER_DAY("2025-01-01"), LEDGER_DAY("2025-04-01"), LEDGER) == pytest.approx(307.2)


def LEDGER_DAY(text):  # noqa: N802 - reads like a literal in the tests above
    from datetime import date

    return date.fromisoformat(text)


def test_a_four_day_week_spreads_the_hours_over_four_days(tmp_path):
    from achievement_pipeline.core.ledger import DEFAULT_LEDGER
    from achievement_pipeline.value.calendar import hours_per_day

    custom = tmp_path / "ledger.yaml"
    custom.write_text(DEFAULT_LEDGER.read_text().replace("[mon, tue, wed, thu, fri]", "[mon, tue, wed, thu]"))
    four_days = load_ledger(custom)
    assert hours_per_day(four_days) == 10.0
    assert working_days(LEDGER_DAY("2025-01-03"), LEDGER_DAY("2025-01-03"), four_days) == 0  # a Friday
