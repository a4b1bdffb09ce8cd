"""The ``events`` source: the Dagster event log read once per scrape, from where the last one stopped.

Materializations (stage metadata: rows, GitHub budget, LLM spend, values) and step ends
(durations, failures by error) both live in the event log. One indexed query per page, by storage
id, reads both kinds; the ledgers of :mod:`.assets` and :mod:`.steps` fold them in. A steady
scrape therefore reads only the events written since the previous one, whatever the history.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.core import Metric

from achievement_pipeline.monitoring.materializations import Materialization, MaterializationLedger, plain_values
from achievement_pipeline.monitoring.runs import UPDATE_OVERLAP
from achievement_pipeline.monitoring.steps import StepEnded, StepLedger, error_class

if TYPE_CHECKING:  # pragma: no cover - typing only
    from dagster import DagsterInstance
    from dagster._core.events.log import EventLogEntry


def read_events(
    instance: DagsterInstance, after_storage_id: int, page: int = 1000
) -> Iterator[Materialization | StepEnded]:
    """Materializations and step ends after a storage id, oldest first.

    The event log's own "all runs by id" read (the one Dagster's daemons use) rather than one
    query per asset key: on PostgreSQL, where dagster-postgres opens a connection per query,
    that is the difference between one round trip per scrape and one per asset.
    """
    from dagster import DagsterEventType

    kinds = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    cursor = after_storage_id
    while True:
        batch = instance.event_log_storage.get_logs_for_all_runs_by_log_id(
            after_cursor=cursor, dagster_event_type=kinds, limit=page
        )
        for storage_id, entry in sorted(batch.items()):
            cursor = storage_id
            event = entry.dagster_event
            if event is None:
                continue
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                materialization = entry.asset_materialization
                if materialization is None:
                    continue
                numbers, texts = plain_values(materialization.metadata)
                yield Materialization(
                    storage_id=storage_id,
                    asset=materialization.asset_key.to_user_string(),
                    run_id=entry.run_id,
                    timestamp=entry.timestamp,
                    numbers=numbers,
                    texts=texts,
                )
            else:
                yield step_ended(storage_id, entry)
        if len(batch) < page:
            return


def step_ended(storage_id: int, entry: EventLogEntry) -> StepEnded:
    """A STEP_SUCCESS or STEP_FAILURE entry as plain values."""
    from dagster import DagsterEventType

    event = entry.dagster_event
    assert event is not None
    succeeded = event.event_type == DagsterEventType.STEP_SUCCESS
    data = event.event_specific_data
    duration_ms = getattr(data, "duration_ms", None) if succeeded else None
    return StepEnded(
        storage_id=storage_id,
        job=entry.job_name or event.job_name,
        step=event.step_key or "",
        succeeded=succeeded,
        duration_seconds=None if duration_ms is None else duration_ms / 1000,
        error="" if succeeded else error_class(getattr(data, "error", None)),
        timestamp=entry.timestamp,
    )


def keeps_steps_per_run(instance: DagsterInstance) -> bool:
    """SQLite's default event log keeps each run's events in its own file; only asset events are indexed."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    return isinstance(instance.event_log_storage, SqliteEventLogStorage)


class FinishedRunSteps:
    """Step ends of the runs finished since the last read, one query per run.

    Only for SQLite's per-run event logs (the embedded instance of ``make demo`` and the tests):
    PostgreSQL keeps every event in one table and :func:`read_events` gets steps with the rest.
    """

    def __init__(self) -> None:
        self.watermark: datetime | None = None
        self.seen: set[str] = set()

    def read(self, instance: DagsterInstance) -> list[StepEnded]:
        from dagster import DagsterEventType, DagsterRunStatus, RunsFilter

        finished = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
        since = None if self.watermark is None else self.watermark - UPDATE_OVERLAP
        records = instance.get_run_records(filters=RunsFilter(statuses=finished, updated_after=since))
        kinds = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
        steps: list[StepEnded] = []
        read: set[str] = set()
        for record in records:
            run_id = record.dagster_run.run_id
            if run_id not in self.seen:
                steps.extend(step_ended(0, entry) for entry in instance.all_logs(run_id, of_type=kinds))
                read.add(run_id)
        # Remembered only once every run was read: a read that fails half-way is retried whole.
        self.seen |= read
        if records:
            newest = max(record.update_timestamp for record in records)
            self.watermark = newest if self.watermark is None else max(self.watermark, newest)
        return steps


class EventsSource:
    """The ``events`` source: materializations and step ends newer than the last scrape's."""

    name = "events"

    def __init__(self, instance: DagsterInstance) -> None:
        self.instance = instance
        self.cursor = -1  # storage id of the newest event folded in
        self.assets = MaterializationLedger()
        self.steps = StepLedger()
        self._per_run = FinishedRunSteps() if keeps_steps_per_run(instance) else None
        self._lock = threading.Lock()

    def collect(self) -> list[Metric]:
        with self._lock:
            materializations: list[Materialization] = []
            steps: list[StepEnded] = []
            cursor = self.cursor
            for event in read_events(self.instance, self.cursor):
                cursor = event.storage_id
                (materializations if isinstance(event, Materialization) else steps).append(event)
            if self._per_run is not None:
                steps.extend(self._per_run.read(self.instance))
            # Folded only once the whole read succeeded: a read that fails half-way is retried whole.
            self.assets.update(materializations)
            self.steps.update(steps)
            self.cursor = cursor
            return [*self.assets.families(), *self.steps.families()]
