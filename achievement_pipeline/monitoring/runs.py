"""Dagster runs as metrics: how many finished how, what is queued, how long runs take.

Counting every run on every scrape grows with the run history. :class:`RunLedger` instead
keeps what it has seen and each scrape asks the run storage only for runs updated since the
last one (an index on ``update_timestamp`` serves that query), so a steady-state scrape costs
the same with ten runs or a hundred thousand. Totals are still absolute (they come from the
whole history on the first scrape), so an exporter restart is not a counter reset.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

if TYPE_CHECKING:  # pragma: no cover - typing only
    from dagster import DagsterInstance

TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})
# Runs of this pipeline take seconds (a day) to an hour (a year's backfill).
DURATION_BUCKETS: tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))
# Re-read runs updated this long before the newest update already seen: covers SQLite's
# one-second CURRENT_TIMESTAMP, clock skew between writers and late-committing transactions.
UPDATE_OVERLAP = timedelta(seconds=60)


@dataclass(frozen=True)
class RunView:
    """The few fields of a run record the metrics need (plain values, no Dagster types)."""

    run_id: str
    job: str
    status: str
    created: float
    started: float | None
    ended: float | None
    updated: datetime


@dataclass
class _LastRun:
    run_id: str
    status: str
    ended: float
    duration: float | None


class RunLedger:
    """Folds run views, seen any number of times, into counters and gauges; plain Python."""

    def __init__(self, buckets: tuple[float, ...] = DURATION_BUCKETS) -> None:
        self.buckets = buckets
        self.watermark: datetime | None = None
        self._active: dict[str, RunView] = {}
        self._finished_ids: set[str] = set()
        self._finished: Counter[tuple[str, str]] = Counter()
        self._durations: dict[str, list[int]] = {}
        self._duration_sums: Counter[str] = Counter()
        self._last: dict[str, _LastRun] = {}
        self._last_success: dict[str, float] = {}

    def update(self, runs: Iterable[RunView]) -> None:
        for run in runs:
            if self.watermark is None or run.updated > self.watermark:
                self.watermark = run.updated
            if run.run_id in self._finished_ids:
                continue  # a finished run never changes status again
            if run.status in TERMINAL_STATUSES:
                self._active.pop(run.run_id, None)
                self._finish(run)
            else:
                self._active[run.run_id] = run

    def _finish(self, run: RunView) -> None:
        self._finished_ids.add(run.run_id)
        self._finished[(run.job, run.status)] += 1
        ended = run.ended if run.ended is not None else run.updated.timestamp()
        duration = ended - run.started if run.started is not None else None
        if duration is not None:
            counts = self._durations.setdefault(run.job, [0] * len(self.buckets))
            for i, bound in enumerate(self.buckets):
                if duration <= bound:
                    counts[i] += 1
            self._duration_sums[run.job] += duration
        last = self._last.get(run.job)
        if last is None or ended >= last.ended:
            self._last[run.job] = _LastRun(run.run_id, run.status, ended, duration)
        if run.status == "SUCCESS":
            self._last_success[run.job] = max(ended, self._last_success.get(run.job, 0.0))

    def since(self) -> datetime | None:
        """Ask the storage for runs updated after this (None: the whole history)."""
        return None if self.watermark is None else self.watermark - UPDATE_OVERLAP

    def families(self) -> Iterator[Metric]:
        # "dagster_job", not "job": Prometheus sets "job" to the scrape job and would rename ours.
        finished = CounterMetricFamily(
            "achievement_dagster_runs_finished", "Runs that reached a final status.", labels=["dagster_job", "status"]
        )
        # Every final status of every job seen, zeros included: a FAILURE series that only appeared
        # with the first failure would hide that failure from increase() (it has no earlier sample).
        for job in sorted({job for job, _ in self._finished}):
            for status in sorted(TERMINAL_STATUSES):
                finished.add_metric([job, status], self._finished.get((job, status), 0))
        yield finished

        active = GaugeMetricFamily(
            "achievement_dagster_runs_active", "Runs not finished yet, by status.", labels=["dagster_job", "status"]
        )
        for (job, status), n in sorted(Counter((r.job, r.status) for r in self._active.values()).items()):
            active.add_metric([job, status], n)
        yield active

        queued = [r.created for r in self._active.values() if r.status == "QUEUED"]
        oldest = GaugeMetricFamily(
            "achievement_dagster_oldest_queued_run_timestamp_seconds",
            "Creation time of the oldest queued run (absent when nothing is queued).",
        )
        if queued:
            oldest.add_metric([], min(queued))
        yield oldest

        failed = GaugeMetricFamily(
            "achievement_dagster_job_last_run_failed",
            "1 when the job's most recent finished run failed, else 0; run_id names that run.",
            labels=["dagster_job", "run_id"],
        )
        last_duration = GaugeMetricFamily(
            "achievement_dagster_job_last_run_duration_seconds",
            "Duration of the job's most recent finished run.",
            labels=["dagster_job"],
        )
        for job, last in sorted(self._last.items()):
            failed.add_metric([job, last.run_id], 1.0 if last.status == "FAILURE" else 0.0)
            if last.duration is not None:
                last_duration.add_metric([job], last.duration)
        yield failed
        yield last_duration

        success = GaugeMetricFamily(
            "achievement_dagster_job_last_success_timestamp_seconds",
            "End time of the job's most recent successful run.",
            labels=["dagster_job"],
        )
        for job, ended in sorted(self._last_success.items()):
            success.add_metric([job], ended)
        yield success

        duration = HistogramMetricFamily(
            "achievement_dagster_run_duration_seconds",
            "Durations of finished runs (start to end).",
            labels=["dagster_job"],
        )
        for job, counts in sorted(self._durations.items()):
            buckets = [(_bound(b), float(n)) for b, n in zip(self.buckets, counts, strict=True)]
            duration.add_metric([job], buckets, self._duration_sums[job])
        yield duration


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else f"{value:g}"


def run_views(instance: DagsterInstance, updated_after: datetime | None) -> list[RunView]:
    """Run records updated after ``updated_after`` (all when None), as plain views."""
    from dagster import RunsFilter

    filters = RunsFilter(updated_after=updated_after) if updated_after is not None else None
    return [
        RunView(
            run_id=record.dagster_run.run_id,
            job=record.dagster_run.job_name,
            status=record.dagster_run.status.value,
            created=record.create_timestamp.timestamp(),
            started=record.start_time,
            ended=record.end_time,
            updated=record.update_timestamp,
        )
        for record in instance.get_run_records(filters=filters)
    ]


class RunsSource:
    """The ``runs`` source: folds the runs changed since the last scrape into the ledger."""

    name = "runs"

    def __init__(self, instance: DagsterInstance) -> None:
        self.instance = instance
        self.ledger = RunLedger()
        self._lock = threading.Lock()

    def collect(self) -> list[Metric]:
        with self._lock:
            self.ledger.update(run_views(self.instance, self.ledger.since()))
            return list(self.ledger.families())
