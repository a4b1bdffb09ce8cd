"""A range run's per-partition events are written in batches: same event log, far fewer commits.

The project's ``dagster.yaml`` stores events with ``instance/sqlite_storage.py`` (Dagster's SQLite
storage writing a batch of asset events in one transaction per database), and every process that
loads the code location or starts ``achievement-ui`` sets ``DAGSTER_EVENT_BATCH_SIZE`` so Dagster hands
those events over as batches (``core/settings.py``). bench/history_growth.py measures what it buys.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    asset,
    materialize,
)

from achievement_pipeline.core import settings
from achievement_pipeline.instance.sqlite_storage import BatchedSqliteEventLogStorage
from tests.local_processes import free_port

ROOT = Path(__file__).resolve().parents[1]
DAYS = DailyPartitionsDefinition(start_date="2025-01-01", end_date="2025-01-06")  # five partitions
RANGE = {"dagster/asset_partition_range_start": "2025-01-01", "dagster/asset_partition_range_end": "2025-01-05"}
KEY = AssetKey("stage")


@asset(name="stage", partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(), code_version="1")
def _stage(context) -> MaterializeResult:  # noqa: ANN001 - Dagster's context
    return MaterializeResult(metadata={"window_start": context.partition_time_window.start.date().isoformat()})


@asset(name="stage", partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run())
def _failing_stage() -> MaterializeResult:
    raise Failure("this range does not materialize")


@pytest.fixture
def instance_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """An instance made from a dagster.yaml ("project": the repository's; "dagster": Dagster's defaults)."""
    opened = []

    def make(config: str, batch_size: str) -> DagsterInstance:
        home = tmp_path / f"{config}-{batch_size}"
        home.mkdir()
        if config == "project":
            shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batch_size)
        instance = DagsterInstance.get()
        opened.append(instance)
        return instance

    yield make
    for instance in opened:
        instance.dispose()


def _event_log(instance: DagsterInstance) -> dict:
    """What a reader of the instance sees of the asset, without run ids and times."""
    materialized = instance.fetch_materializations(KEY, limit=100).records
    planned = instance.fetch_planned_materializations(KEY, limit=100).records
    (record,) = instance.get_asset_records([KEY])
    latest = record.asset_entry.last_materialization_record
    return {
        "partitions": sorted(instance.get_materialized_partitions(KEY)),
        "materialized": sorted(
            (r.partition_key, r.asset_materialization.metadata["window_start"].value) for r in materialized
        ),
        "planned": sorted(r.partition_key for r in planned),
        "latest": (latest.partition_key, latest.run_id == materialized[0].run_id),
        "tags": sorted(sorted(tags.items()) for tags in instance.get_event_tags_for_asset(KEY)),
    }


def test_a_batched_range_run_leaves_the_same_event_log_as_one_event_at_a_time(instance_from):
    one_at_a_time = instance_from("dagster", "0")
    batched = instance_from("project", "1000")
    for instance in (one_at_a_time, batched):
        assert materialize([_stage], instance=instance, tags=RANGE).success
    assert _event_log(batched) == _event_log(one_at_a_time)
    assert len(_event_log(batched)["planned"]) == 5


def test_a_range_runs_asset_events_reach_the_storage_as_batches(instance_from, monkeypatch):
    instance = instance_from("project", "1000")
    one_by_one: list[DagsterEventType] = []
    store_event = BatchedSqliteEventLogStorage.store_event

    def counted(self, event) -> None:  # noqa: ANN001 - Dagster's EventLogEntry
        one_by_one.append(event.dagster_event_type)
        store_event(self, event)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "store_event", counted)
    assert materialize([_stage], instance=instance, tags=RANGE).success
    assert DagsterEventType.RUN_SUCCESS in one_by_one  # everything else still goes through store_event
    batched_kinds = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED}
    assert batched_kinds.isdisjoint(one_by_one)


def test_a_failed_range_run_leaves_every_partitions_attempt_on_record(instance_from):
    """Planned events stay one per partition: the UI shows each day of a failed range as failed."""
    instance = instance_from("project", "1000")
    result = materialize([_failing_stage], instance=instance, tags=RANGE, raise_on_error=False)
    attempts = instance.event_log_storage.get_latest_asset_partition_materialization_attempts_without_materializations(
        KEY
    )
    assert not result.success
    assert sorted(attempts) == DAYS.get_partition_keys()
    assert {run_id for run_id, _ in attempts.values()} == {result.run_id}


def test_the_batch_size_is_set_where_it_is_unset(monkeypatch):
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    assert settings.dagster_switches() == {"DAGSTER_EVENT_BATCH_SIZE": "1000"}
    assert settings.text("DAGSTER_EVENT_BATCH_SIZE") == "1000"


def test_the_operators_batch_size_is_kept(monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")
    assert settings.dagster_switches() == {"DAGSTER_EVENT_BATCH_SIZE": "0"}


def test_a_blank_batch_size_gets_the_default_rather_than_failing_every_event(monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", " ")
    assert settings.dagster_switches() == {"DAGSTER_EVENT_BATCH_SIZE": "1000"}


def test_a_batch_size_that_is_not_a_whole_number_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "2.5")
    with pytest.raises(settings.SettingError, match="DAGSTER_EVENT_BATCH_SIZE='2.5' must be a whole number"):
        settings.dagster_switches()


def test_loading_the_code_location_turns_batches_on_for_the_runs_it_executes(tmp_path):
    from tests.local_processes import environment_without_settings

    env = {k: v for k, v in environment_without_settings().items() if not k.startswith("DAGSTER_")}
    env["ACHIEVEMENT_HOME"] = str(tmp_path)
    code = "import os, achievement_pipeline.definitions as d; d.defs(); print(os.environ['DAGSTER_EVENT_BATCH_SIZE'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "1000"


def test_achievement_ui_starts_dagster_dev_with_batched_event_writes(pipeline_home, monkeypatch):
    """The webserver and the daemon create runs, and so write their planned events, without loading the defs."""
    from achievement_pipeline.cli import ui

    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    started: dict = {}

    class DagsterDev:
        def __init__(self, command: list[str], env: dict[str, str]) -> None:
            started.update(command=command, env=env)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(ui.subprocess, "Popen", DagsterDev)
    monkeypatch.setattr(ui.signal, "signal", lambda *args: None)
    assert ui.main(["--port", str(free_port()), "--exports-port", str(free_port())]) == 0
    assert started["command"][1:3] == ["dev", "-w"]
    assert started["env"]["DAGSTER_EVENT_BATCH_SIZE"] == "1000"
