"""A run killed with ``kill -9`` stops writing and is marked failed by run monitoring (production instance).

The production instance (``deploy/dagster.yaml``: PostgreSQL storage, the queued coordinator, run
monitoring and ``instance/run_launcher.py``) runs against a database of its own, with its code location
served by a code server and the daemon running, as on a single production host. The code server and the
run's worker are both killed with SIGKILL, so only run monitoring is left to notice.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef

from achievement_pipeline.instance.run_launcher import HOST_TAG, MonitoredRunLauncher, worker_status
from tests.local_processes import environment_without_settings, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MONITORING_POLL_SECONDS = 1  # the production file polls every 60 s; the test does not wait that long


def _wait_for(condition, seconds: float, what: str):  # noqa: ANN001, ANN202 - a small polling helper
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} within {seconds:.0f} s")


@pytest.fixture(scope="module")
def killed_run(postgres_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Start the writing run under the production instance, kill its code server and worker; report what followed."""
    url = f"postgresql://{postgres_database}"
    home = tmp_path_factory.mktemp("killed-run")
    instance_config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    instance_config["run_monitoring"]["poll_interval_seconds"] = MONITORING_POLL_SECONDS
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config))
    port = free_port()
    workspace = home / "workspace.yaml"
    server = {"host": "127.0.0.1", "port": port, "location_name": "kill"}
    workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": server}]}))
    env = {
        **environment_without_settings(),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_URL": url,
        "KILL_TEST_WAREHOUSE_URL": url,
    }
    engine = sa.create_engine(url)
    with contextlib.ExitStack() as stack:
        code_server_log = stack.enter_context((home / "code-server.log").open("wb"))
        daemon_log = stack.enter_context((home / "daemon.log").open("wb"))
        code_server = subprocess.Popen(
            [str(BIN / "dagster"), "api", "grpc", "-m", "tests.kill_location", "-d", str(ROOT), "-h", "127.0.0.1"]
            + ["-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=code_server_log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_kill_if_running, code_server)
        # The daemon loads its workspace at start and again only a minute later: started before the code server
        # answers, it would fail the first run it dequeues for an unreachable location.
        _wait_for(lambda: _serving(port, env), 120, "the code server did not answer its health check")
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
            cwd=ROOT,
            env=env,
            stdout=daemon_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(daemon.wait, timeout=60)
        stack.callback(os.killpg, daemon.pid, signal.SIGTERM)
        stack.callback(engine.dispose)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DAGSTER_PG_URL", url)
            with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
                yield _kill_and_watch(instance, engine, code_server, workspace, env)


def _rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("heartbeats"):
            return 0
        return int(conn.execute(sa.text("SELECT count(*) FROM heartbeats")).scalar_one())


def _kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()


def _serving(port: int, env: dict) -> bool:
    health = [str(BIN / "dagster"), "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.run(health, env=env, capture_output=True, timeout=60).returncode == 0


def _writing(instance: DagsterInstance, run_id: str, engine: sa.Engine) -> bool:
    """Whether the run has written; a run that ended before writing fails the wait at once, saying why."""
    if _rows(engine) > 10:
        return True
    run = instance.get_run_by_id(run_id)
    if run is not None and run.is_finished:
        said = [str(record.message) for record in instance.all_logs(run_id)]
        raise AssertionError(f"run {run_id} ended {run.status.value} before writing: {said}")
    return False


def _worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        if str(record.message).startswith("Started process for run"):
            return int(str(record.dagster_event.engine_event_data.metadata["pid"].value))
    return None


def _kill_and_watch(
    instance: DagsterInstance, engine: sa.Engine, code_server: subprocess.Popen, workspace: Path, env: dict
) -> dict:
    _wait_for(lambda: _launch(workspace, env), 120, "the code server did not take the launch")
    run = _wait_for(lambda: instance.get_runs(limit=1), 30, "no run was created")[0]
    _wait_for(lambda: _writing(instance, run.run_id, engine), 180, f"run {run.run_id} did not start writing")
    pid = _wait_for(lambda: _worker_pid(instance, run.run_id), 30, "the run worker did not report its pid")
    code_server.send_signal(signal.SIGKILL)  # first, so that the code server cannot report the worker's death
    code_server.wait(timeout=30)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.time()
    _wait_for(
        lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.FAILURE,
        90,
        "run monitoring did not mark the killed run failed",
    )
    rows_then = _rows(engine)
    time.sleep(3)
    with engine.connect() as conn:
        late = conn.execute(sa.text("SELECT count(*) FROM heartbeats WHERE written_at > :t"), {"t": killed_at + 1})
        written_after_kill = int(late.scalar_one())
    failure = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
    return {
        "run": instance.get_run_by_id(run.run_id),
        "pid": pid,
        "rows_then": rows_then,
        "rows_later": _rows(engine),
        "written_after_kill": written_after_kill,
        "failure_messages": [str(event.message) for event in failure],
    }


def _launch(workspace: Path, env: dict) -> bool:
    done = subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", str(workspace), "-j", "writing_job"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    return done.returncode == 0


@pytest.mark.slow
def test_a_killed_run_is_marked_failed_by_run_monitoring(killed_run: dict) -> None:
    assert killed_run["run"].status == DagsterRunStatus.FAILURE
    assert any("Detected run worker status FAILED" in message for message in killed_run["failure_messages"])


@pytest.mark.slow
def test_nothing_writes_to_the_warehouse_after_the_run_is_killed(killed_run: dict) -> None:
    assert killed_run["written_after_kill"] == 0
    assert killed_run["rows_later"] == killed_run["rows_then"]
    assert not psutil.pid_exists(killed_run["pid"]) or psutil.Process(killed_run["pid"]).status() == "zombie"


@pytest.mark.slow
def test_the_run_records_the_host_that_launched_it(killed_run: dict) -> None:
    assert killed_run["run"].tags[HOST_TAG]


def test_a_living_worker_is_reported_running() -> None:
    me = psutil.Process()
    assert worker_status(me.pid, me.create_time() + 1).status.value == "RUNNING"


def test_a_worker_that_exited_is_reported_failed() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    child.wait()
    assert worker_status(child.pid, started).status.value == "FAILED"


def test_an_exited_worker_not_yet_reaped_is_reported_failed() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    _wait_for(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, 30, "the child did not exit")
    try:
        assert worker_status(child.pid, started).status.value == "FAILED"
    finally:
        child.wait()


def test_a_pid_taken_by_a_newer_process_is_reported_failed() -> None:
    me = psutil.Process()
    reported_long_before_this_process_existed = me.create_time() - 3600
    result = worker_status(me.pid, reported_long_before_this_process_existed)
    assert result.status.value == "FAILED"
    assert "reused" in str(result.msg)


def test_a_run_launched_on_another_host_is_not_judged_here() -> None:
    from dagster._core.storage.dagster_run import DagsterRun

    run = DagsterRun(job_name="writing_job", run_id="r1", tags={HOST_TAG: "another-host.invalid"})
    assert MonitoredRunLauncher().check_run_worker_health(run).status.value == "RUNNING"


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_every_instance_monitors_runs_with_the_watching_launcher(config: str) -> None:
    instance_config = yaml.safe_load((ROOT / config).read_text())
    assert instance_config["run_launcher"]["class"] == MonitoredRunLauncher.__name__
    assert instance_config["run_monitoring"]["enabled"] is True
