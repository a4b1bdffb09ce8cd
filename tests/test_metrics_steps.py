"""The step ledger: durations of successful steps as a histogram, failures counted by error class."""

from __future__ import annotations

from dagster._utils.error import SerializableErrorInfo

from achievement_pipeline.monitoring.steps import StepEnded, StepLedger, error_class
from tests.metrics_support import samples

JOB = "daily_pipeline"


def ok(step: str, seconds: float) -> StepEnded:
    return StepEnded(0, JOB, step, succeeded=True, duration_seconds=seconds)


def failed(step: str, error: str) -> StepEnded:
    return StepEnded(0, JOB, step, succeeded=False, error=error)


def test_successful_step_durations_fill_a_histogram_per_step():
    ledger = StepLedger(buckets=(10.0, 60.0, float("inf")))
    ledger.update([ok("enriched_prs", 4), ok("enriched_prs", 40), ok("pull_requests", 100)])
    got = samples(ledger)
    bucket = "achievement_dagster_step_duration_seconds_bucket"
    assert got[(bucket, (("dagster_job", JOB), ("le", "10"), ("step", "enriched_prs")))] == 1
    assert got[(bucket, (("dagster_job", JOB), ("le", "60"), ("step", "enriched_prs")))] == 2
    assert got[(bucket, (("dagster_job", JOB), ("le", "60"), ("step", "pull_requests")))] == 0
    assert (
        got[("achievement_dagster_step_duration_seconds_sum", (("dagster_job", JOB), ("step", "enriched_prs")))] == 44
    )


def test_failures_are_counted_by_step_and_error_class_and_add_no_duration():
    ledger = StepLedger()
    ledger.update([failed("pull_requests", "GitHubRateLimited"), failed("pull_requests", "GitHubRateLimited")])
    got = samples(ledger)
    key = (("dagster_job", JOB), ("error", "GitHubRateLimited"), ("step", "pull_requests"))
    assert got[("achievement_dagster_step_failures_total", key)] == 2
    assert not [name for name, _ in got if name.startswith("achievement_dagster_step_duration_seconds")]


def _error(cls_name: str, cause: SerializableErrorInfo | None = None) -> SerializableErrorInfo:
    return SerializableErrorInfo(message=f"{cls_name}: ...", stack=[], cls_name=cls_name, cause=cause)


def test_the_error_class_is_the_users_exception_inside_dagsters_wrapper():
    wrapped = _error("DagsterExecutionStepExecutionError", _error("GitHubRateLimited", _error("RateLimitExceeded")))
    assert error_class(wrapped) == "GitHubRateLimited"


def test_the_error_class_is_the_stages_own_inside_a_failure_and_a_spent_retry_policy():
    # A stage reports its error as a Failure caused by it; a retry policy that gave up wraps that once more.
    stage_error = _error("WarehouseUnavailable", _error("OperationalError"))
    spent = _error("RetryRequestedFromPolicy", _error("Failure", stage_error))
    assert error_class(spent) == "WarehouseUnavailable"
    assert error_class(_error("Failure", _error("GitHubInputError"))) == "GitHubInputError"


def test_a_failure_raised_with_no_cause_is_counted_as_a_failure():
    assert error_class(_error("Failure")) == "Failure"


def test_a_dagster_error_without_a_user_cause_keeps_its_own_class():
    assert error_class(_error("DagsterTypeCheckDidNotPass")) == "DagsterTypeCheckDidNotPass"
    assert error_class(None) == "unknown"


def test_the_latest_failure_time_is_kept_per_error():
    ledger = StepLedger()
    ledger.update(
        [
            StepEnded(1, JOB, "pull_requests", succeeded=False, error="GitHubRateLimited", timestamp=200.0),
            StepEnded(2, JOB, "pull_requests", succeeded=False, error="GitHubRateLimited", timestamp=100.0),
            StepEnded(3, JOB, "pull_requests", succeeded=False, error="GitHubUnavailable", timestamp=50.0),
        ]
    )
    got = samples(ledger)
    name = "achievement_dagster_step_last_failure_timestamp_seconds"
    assert got[(name, (("dagster_job", JOB), ("error", "GitHubRateLimited"), ("step", "pull_requests")))] == 200.0
    assert got[(name, (("dagster_job", JOB), ("error", "GitHubUnavailable"), ("step", "pull_requests")))] == 50.0
