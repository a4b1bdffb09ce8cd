"""Dagster steps as metrics: how long each stage takes, and which ones fail with what error.

A run's duration says the pipeline got slower; the step durations say which stage did (enrich
waiting on the LLM, ingest on GitHub). Failures are counted by the error's class, because the
class is what an operator acts on (``GitHubRateLimited``: wait or add a token;
``GitHubCredentialsRejected``: rotate the token) and, unlike the message, it has few values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

# A day's partition runs in seconds per stage; a year's backfill of enrich, in tens of minutes.
STEP_BUCKETS: tuple[float, ...] = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, float("inf"))


@dataclass(frozen=True)
class StepEnded:
    """A STEP_SUCCESS or STEP_FAILURE event reduced to plain values."""

    storage_id: int
    job: str
    step: str
    succeeded: bool
    duration_seconds: float | None = None  # known for successes (Dagster records it)
    error: str = ""  # the failure's exception class, for failures
    timestamp: float = 0.0  # when the step ended (Unix time)


class StepLedger:
    """Folds step ends (in storage order, each once) into a duration histogram and failure counters."""

    def __init__(self, buckets: tuple[float, ...] = STEP_BUCKETS) -> None:
        self.buckets = buckets
        self._counts: dict[tuple[str, str], list[int]] = {}
        self._sums: Counter[tuple[str, str]] = Counter()
        self._failures: Counter[tuple[str, str, str]] = Counter()
        self._last_failure: dict[tuple[str, str, str], float] = {}

    def update(self, steps: Iterable[StepEnded]) -> None:
        for step in steps:
            key = (step.job, step.step)
            if not step.succeeded:
                failure = (*key, step.error or "unknown")
                self._failures[failure] += 1
                self._last_failure[failure] = max(step.timestamp, self._last_failure.get(failure, 0.0))
            elif step.duration_seconds is not None:
                counts = self._counts.setdefault(key, [0] * len(self.buckets))
                for i, bound in enumerate(self.buckets):
                    if step.duration_seconds <= bound:
                        counts[i] += 1
                self._sums[key] += step.duration_seconds

    def families(self) -> Iterator[Metric]:
        duration = HistogramMetricFamily(
            "achievement_dagster_step_duration_seconds",
            "Durations of successful steps (one step per asset stage), as Dagster measured them.",
            labels=["dagster_job", "step"],
        )
        for (job, step), counts in sorted(self._counts.items()):
            buckets = [(_bound(b), float(n)) for b, n in zip(self.buckets, counts, strict=True)]
            duration.add_metric([job, step], buckets, self._sums[(job, step)])
        yield duration

        failures = CounterMetricFamily(
            "achievement_dagster_step_failures",
            "Failed steps, by the class of the exception that failed them (GitHubRateLimited, ...).",
            labels=["dagster_job", "step", "error"],
        )
        # The time of the latest failure per error: alert rules ask "did this happen in the last
        # hour?" without increase(), which misses the first failure of a series that did not exist.
        last = GaugeMetricFamily(
            "achievement_dagster_step_last_failure_timestamp_seconds",
            "When a step last failed with this error class.",
            labels=["dagster_job", "step", "error"],
        )
        for (job, step, error), n in sorted(self._failures.items()):
            failures.add_metric([job, step, error], n)
            last.add_metric([job, step, error], self._last_failure[(job, step, error)])
        yield failures
        yield last


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else f"{value:g}"


# What Dagster wraps a step's own exception in: after a retry policy gave up (``RetryRequestedFromPolicy``),
# or when the stage reported it as a ``Failure`` with the project's message (``defs/retries.py``).
_WRAPPERS = ("Failure", "RetryRequested", "RetryRequestedFromPolicy")


def error_class(error: object | None) -> str:
    """The class of the user's exception inside Dagster's wrappers (``DagsterExecutionStepExecutionError`` …)."""
    chain = []
    while error is not None:
        chain.append(str(getattr(error, "cls_name", "") or ""))
        error = getattr(error, "cause", None)
    for name in chain:
        if name and not name.startswith("Dagster") and name not in _WRAPPERS:
            return name
    return chain[0] if chain and chain[0] else "unknown"
