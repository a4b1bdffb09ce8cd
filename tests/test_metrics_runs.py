"""The run ledger: counts, durations and last-run facts from run records seen any number of times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from achievement_pipeline.monitoring.runs import UPDATE_OVERLAP, RunLedger, RunView
from tests.metrics_support import samples

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def run(run_id: str, status: str, *, job: str = "daily_pipeline", start: float = 0.0, took: float = 30.0, at: int = 0):
    updated = T0 + timedelta(minutes=at)
    base = updated.timestamp()
    finished = status in ("SUCCESS", "FAILURE", "CANCELED")
    return RunView(
        run_id=run_id,
        job=job,
        status=status,
        created=base - 60,
        started=base + start if status != "QUEUED" else None,
        ended=base + start + took if finished else None,
        updated=updated,
    )


def test_finished_runs_are_counted_by_job_and_final_status():
    ledger = RunLedger()
    ledger.update([run("a", "SUCCESS"), run("b", "FAILURE"), run("c", "SUCCESS", job="train_models")])
    got = samples(ledger)
    assert (
        got[("achievement_dagster_runs_finished_total", (("dagster_job", "daily_pipeline"), ("status", "SUCCESS")))]
        == 1
    )
    assert (
        got[("achievement_dagster_runs_finished_total", (("dagster_job", "daily_pipeline"), ("status", "FAILURE")))]
        == 1
    )
    assert (
        got[("achievement_dagster_runs_finished_total", (("dagster_job", "train_models"), ("status", "SUCCESS")))] == 1
    )


def test_every_final_status_of_a_known_job_is_exported_even_at_zero():
    ledger = RunLedger()
    ledger.update([run("a", "SUCCESS")])
    got = samples(ledger)
    for status in ("FAILURE", "CANCELED"):
        key = ("achievement_dagster_runs_finished_total", (("dagster_job", "daily_pipeline"), ("status", status)))
        assert got[key] == 0


def test_a_run_seen_again_is_not_counted_twice():
    ledger = RunLedger()
    ledger.update([run("a", "FAILURE")])
    ledger.update([run("a", "FAILURE"), run("a", "FAILURE")])
    assert (
        samples(ledger)[
            ("achievement_dagster_runs_finished_total", (("dagster_job", "daily_pipeline"), ("status", "FAILURE")))
        ]
        == 1
    )


def test_a_run_moves_from_active_to_finished():
    ledger = RunLedger()
    ledger.update([run("a", "STARTED")])
    active_key = ("achievement_dagster_runs_active", (("dagster_job", "daily_pipeline"), ("status", "STARTED")))
    assert samples(ledger)[active_key] == 1
    ledger.update([run("a", "SUCCESS", at=5)])
    got = samples(ledger)
    assert active_key not in got
    assert (
        got[("achievement_dagster_runs_finished_total", (("dagster_job", "daily_pipeline"), ("status", "SUCCESS")))]
        == 1
    )


def test_the_latest_finished_run_decides_whether_the_job_is_failing():
    ledger = RunLedger()
    ledger.update([run("old", "SUCCESS", at=0), run("new", "FAILURE", at=10)])
    got = samples(ledger)
    assert got[("achievement_dagster_job_last_run_failed", (("dagster_job", "daily_pipeline"), ("run_id", "new")))] == 1
    ledger.update([run("fix", "SUCCESS", at=20)])
    got = samples(ledger)
    assert got[("achievement_dagster_job_last_run_failed", (("dagster_job", "daily_pipeline"), ("run_id", "fix")))] == 0
    assert not any(
        name == "achievement_dagster_job_last_run_failed" and ("run_id", "new") in labels for name, labels in got
    )


def test_an_older_run_reported_late_does_not_replace_the_latest():
    ledger = RunLedger()
    ledger.update([run("new", "SUCCESS", at=10)])
    ledger.update([run("old", "FAILURE", at=0)])
    got = samples(ledger)
    assert got[("achievement_dagster_job_last_run_failed", (("dagster_job", "daily_pipeline"), ("run_id", "new")))] == 0


def test_the_last_success_time_is_the_end_of_the_newest_successful_run():
    ledger = RunLedger()
    ledger.update([run("a", "SUCCESS", at=0, took=30), run("b", "FAILURE", at=10)])
    expected = T0.timestamp() + 30
    assert (
        samples(ledger)[
            ("achievement_dagster_job_last_success_timestamp_seconds", (("dagster_job", "daily_pipeline"),))
        ]
        == expected
    )


def test_durations_fill_a_cumulative_histogram():
    ledger = RunLedger(buckets=(10.0, 60.0, float("inf")))
    ledger.update([run("a", "SUCCESS", took=5), run("b", "SUCCESS", took=45), run("c", "FAILURE", took=600)])
    got = samples(ledger)
    bucket = "achievement_dagster_run_duration_seconds_bucket"
    assert got[(bucket, (("dagster_job", "daily_pipeline"), ("le", "10")))] == 1
    assert got[(bucket, (("dagster_job", "daily_pipeline"), ("le", "60")))] == 2
    assert got[(bucket, (("dagster_job", "daily_pipeline"), ("le", "+Inf")))] == 3
    assert got[("achievement_dagster_run_duration_seconds_sum", (("dagster_job", "daily_pipeline"),))] == 650


def test_the_oldest_queued_run_is_exposed_only_while_something_is_queued():
    ledger = RunLedger()
    ledger.update([run("q1", "QUEUED", at=5), run("q2", "QUEUED", at=0)])
    assert samples(ledger)[("achievement_dagster_oldest_queued_run_timestamp_seconds", ())] == T0.timestamp() - 60
    ledger.update([run("q1", "STARTED", at=6), run("q2", "CANCELED", at=7)])
    assert ("achievement_dagster_oldest_queued_run_timestamp_seconds", ()) not in samples(ledger)


def test_the_next_query_overlaps_the_newest_update_seen():
    ledger = RunLedger()
    assert ledger.since() is None
    ledger.update([run("a", "SUCCESS", at=3), run("b", "STARTED", at=1)])
    assert ledger.since() == T0 + timedelta(minutes=3) - UPDATE_OVERLAP
