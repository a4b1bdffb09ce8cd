"""No two runs write one partition at once: the run queue of the repository's dagster.yaml, run by Dagster's daemon.

Six runs are queued before the daemon starts, in a known order, on an instance configured by the
project's own dagster.yaml: two of one day, one of another day, and three ranges starting on the
same day, as automation's follow-up runs and backfills are (one run per range under single_run).
The daemon dequeues them under the instance's limits; the runs' own start and end events say
which overlapped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef

from tests.local_processes import environment_without_settings

# The tags Dagster gives a run of one day, and a run of a range of days.
PARTITION_TAGS = ("dagster/partition", "dagster/asset_partition_range_start", "dagster/asset_partition_range_end")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
# Queued in this order. Without the limits the daemon (two runs at a time) would start the first two
# range runs together, then the two runs of day 2 together; with them it starts a range run beside day 2.
RUNS = {
    "follow-up of day 4": {RANGE_START: "2025-01-04", RANGE_END: "2025-01-04"},
    "backfill of days 4 to 6": {RANGE_START: "2025-01-04", RANGE_END: "2025-01-06"},
    "day 2 first": {"dagster/partition": "2025-01-02"},
    "day 2 again": {"dagster/partition": "2025-01-02"},
    "follow-up of day 4 again": {RANGE_START: "2025-01-04", RANGE_END: "2025-01-04"},
    "day 3": {"dagster/partition": "2025-01-03"},
}
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def _launch(workspace: Path, env: dict[str, str], tags: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", str(workspace), "-j", "day_job", "--tags", json.dumps(tags)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def queue_limits(section: dict) -> dict[str, dict]:
    """The run queue of a ``run_coordinator`` section as Dagster reads it: each tag limit by its key."""
    from dagster._config import process_config
    from dagster._core.run_coordinator import QueuedRunCoordinator

    assert section["class"] == "QueuedRunCoordinator"
    processed = process_config(QueuedRunCoordinator.config_type(), section["config"])
    assert processed.success, processed.errors
    queue = QueuedRunCoordinator.from_config_value(None, processed.value).get_run_queue_config()
    return {limit["key"]: limit for limit in queue.tag_concurrency_limits}


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_every_instance_queues_runs_of_one_day_one_at_a_time(config):
    limits = queue_limits(yaml.safe_load((ROOT / config).read_text())["run_coordinator"])
    for tag in PARTITION_TAGS:
        assert limits[tag] == {"key": tag, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}, tag


@pytest.fixture(scope="module")
def spans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[float, float]]]:
    """Each run's (start, end) under the repository's dagster.yaml."""
    home = tmp_path_factory.mktemp("queue")
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    yield from run_all(home)


def run_all(home: Path) -> Iterator[dict[str, tuple[float, float]]]:
    """Each run's (start, end) from its RUN_START and RUN_SUCCESS events, after the daemon ran them all.

    ``home`` is the DAGSTER_HOME, its dagster.yaml the instance under test.
    """
    workspace = home / "workspace.yaml"
    location = {"python_module": {"module_name": "tests.queue_location", "working_directory": str(ROOT)}}
    workspace.write_text(yaml.safe_dump({"load_from": [location]}))
    env = {**environment_without_settings(), "DAGSTER_HOME": str(home)}

    names = list(RUNS)
    for number, tags in enumerate(RUNS.values()):  # queued in this order; none dequeues before the daemon
        _launch(workspace, env, {**tags, "test/run": str(number)})
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # The instance's default storage is found through DAGSTER_HOME: read the runs where the daemon wrote them.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DAGSTER_HOME", str(home))
            with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
                found = _spans(instance, names)
        yield found
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)  # the daemon and what it started, in the session it leads
        daemon.wait(timeout=60)


def _spans(instance: DagsterInstance, names: list[str]) -> dict[str, tuple[float, float]]:
    """Each run's (start, end) once every queued run has finished (or 240 s have passed)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        if len(runs) == len(RUNS) and all(run.status in FINISHED for run in runs):
            break
        time.sleep(1)
    runs = instance.get_runs()
    assert [run.status for run in runs] == [DagsterRunStatus.SUCCESS] * len(RUNS), [r.status for r in runs]
    found = {}
    for run in runs:
        events = instance.all_logs(run.run_id, of_type={DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS})
        stamps = {event.dagster_event_type: event.timestamp for event in events}
        name = names[int(run.tags["test/run"])]
        found[name] = (stamps[DagsterEventType.RUN_START], stamps[DagsterEventType.RUN_SUCCESS])
    return found


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.slow  # a daemon and six runs of a few seconds: about a minute
def test_two_runs_of_one_day_never_overlap(spans):
    assert not _overlap(spans["day 2 first"], spans["day 2 again"])


@pytest.mark.slow
def test_runs_of_one_day_started_by_automation_or_a_backfill_never_overlap(spans):
    ranges = ["follow-up of day 4", "follow-up of day 4 again", "backfill of days 4 to 6"]
    for i, first in enumerate(ranges):
        for second in ranges[i + 1 :]:
            assert not _overlap(spans[first], spans[second]), (first, second)


@pytest.mark.slow
def test_runs_of_different_days_run_side_by_side(spans):
    assert _overlap(spans["follow-up of day 4"], spans["day 2 first"])
