"""Dagster's SQLite storage for the embedded instance, writing a batch of asset events in one transaction.

A range run of a daily-partitioned asset records one event per partition and asset twice over: a
"materialization planned" event when the run is created and a materialization when the step ends,
731 of each per asset for two years. Dagster hands such events to the storage as one batch when
``DAGSTER_EVENT_BATCH_SIZE`` is set (``instance/methods/event_methods.py``), and its PostgreSQL
storage writes a batch of materializations with one statement; its SQLite storage writes the events
one by one, each with a new engine, a connection and a commit on the run's database and again on the
index database: about 5 ms an event, most of a year's backfill on two cores. This storage writes the
same rows with the same statements, one transaction per database for each batch of asset events
(materializations, planned materializations, observations) of one run. Everything else (run status,
checks, logs, lone events) is Dagster's own ``store_event``.

It is the ``storage`` of the project's ``dagster.yaml`` (``custom``), with the same files as Dagster's
default SQLite storage under DAGSTER_HOME, so an existing instance folder keeps working. ``base_dir``
may be given; unset, it is DAGSTER_HOME, or the embedded default (``.achievement/dagster``) when a ``dg``
command in the project folder runs without one (Dagster then makes a temporary instance from the
folder's ``dagster.yaml``, and its runs land in the project's instance instead).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import Field
from dagster._config import StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from dagster._utils import mkdir_p

from achievement_pipeline.core import settings


def _batchable(event: EventLogEntry) -> bool:
    """An asset event Dagster's SQLite storage mirrors into the index (materialized, planned, observed)."""
    dagster_event = event.dagster_event
    return (
        dagster_event is not None
        and dagster_event.event_type in ASSET_EVENTS
        and dagster_event.asset_key is not None
        and not dagster_event.is_asset_failed_to_materialize
    )


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose ``store_event_batch`` writes consecutive asset events together.

    For each stretch of asset events of one run in a batch, in order: one insert of every row into the
    run's database, then one transaction on the index database that inserts the same rows (each event
    serialized once), their tags, and the asset table's entry, updated once per asset and event kind
    with the last such event (the entry keeps only the latest one of each kind). The rows, tags and
    entries are what ``store_event`` would leave; only the commits are fewer.
    """

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        stretch: list[EventLogEntry] = []
        for event in events:
            if _batchable(event) and (not stretch or stretch[0].run_id == event.run_id):
                stretch.append(event)
                continue
            self._store_stretch(stretch)
            stretch = []
            if _batchable(event):
                stretch.append(event)
            else:
                self.store_event(event)
        self._store_stretch(stretch)

    def _store_stretch(self, events: list[EventLogEntry]) -> None:
        if len(events) < 2:
            for event in events:
                self.store_event(event)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            # Ids in the order of the rows (SQLAlchemy's insertmanyvalues), for the tags and the asset entries.
            table = SqlEventLogStorageTable
            inserted = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            ids = [row_id for (row_id,) in conn.execute(inserted, rows)]
            self._store_asset_event_tags(conn, events, ids)
            latest: dict[tuple[str, Any], tuple[int, EventLogEntry, int]] = {}
            for position, (event, event_id) in enumerate(zip(events, ids, strict=True)):
                dagster_event = event.get_dagster_event()
                latest[(dagster_event.asset_key.to_string(), dagster_event.event_type)] = (position, event, event_id)
            for _, event, event_id in sorted(latest.values(), key=lambda item: item[0]):
                self._store_asset_event(conn, event, event_id)


class BatchedSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, event logs, schedules under ``base_dir``), event batches in one go."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_folder(base_dir, "history"))
        self._event_log_storage = BatchedSqliteEventLogStorage(_folder(base_dir, "history", "runs"))
        self._schedule_storage = SqliteScheduleStorage.from_local(_folder(base_dir, "schedules"))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Any) -> BatchedSqliteStorage:
        base_dir = config_value.get("base_dir") or str(Path(settings.text("DAGSTER_HOME")).expanduser().resolve())
        mkdir_p(base_dir)
        return cls(base_dir, inst_data=inst_data)


def _folder(base_dir: str, *parts: str) -> str:
    """Where Dagster's default SQLite storage keeps each part (``dagster._core.storage.sqlite_storage``)."""
    return os.path.join(base_dir, *parts, "")
