"""Dagster's default run launcher, with run workers that the daemon's run monitoring can check.

The default launcher starts each run's worker from the code server, on this host, and cannot tell
run monitoring whether that worker is alive. The code server marks a run failed when its worker dies,
but only while the code server itself lives: a machine whose code server and run worker are killed
together (``kill -9``, the OOM killer, a container restart) leaves the run STARTED for ever, and the
daily partitions it held queued behind it (``run_coordinator`` allows one run per day). This launcher
records the launching host on the run and answers monitoring from the worker's process: its pid comes
from the "Started process for run" event the worker writes itself, and a pid that is gone, a zombie,
or a newer process that took the number, is a dead worker. Runs launched on another host are not
judged (they say "running"): each host's daemon checks its own.

The production instance (``deploy/dagster.yaml``) uses it with ``run_monitoring``; on Kubernetes the
chart's K8sRunLauncher does the same from the pod's status.
"""

from __future__ import annotations

import socket

import psutil
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, LaunchRunContext, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

HOST_TAG = "achievement/run-host"
# How much earlier than its own "started" event a worker process may have been created and still be it.
_CLOCK_SLACK_SECONDS = 2.0


class MonitoredRunLauncher(DefaultRunLauncher):
    """:class:`DefaultRunLauncher` that records the host it launched on and reports whether the worker lives."""

    def launch_run(self, context: LaunchRunContext) -> None:
        self._instance.add_run_tags(context.dagster_run.run_id, {HOST_TAG: socket.gethostname()})
        super().launch_run(context)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        host = run.tags.get(HOST_TAG)
        if host != socket.gethostname():
            elsewhere = f"launched on {host or 'an unknown host'}: not checked here"
            return CheckRunHealthResult(WorkerStatus.RUNNING, elsewhere)
        started = self._worker_start(run.run_id)
        if started is None:  # the worker has not written its start yet: the start timeout covers it
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run worker has not reported its process yet")
        pid, at = started
        return worker_status(pid, at)

    def _worker_start(self, run_id: str) -> tuple[int, float] | None:
        """The pid of the run's (latest) worker process and when it reported itself, from the run's events."""
        found = None
        for record in self._instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
            event = record.dagster_event
            pid = event.engine_event_data.metadata.get("pid") if event and event.engine_event_data else None
            if pid is not None and str(record.message).startswith("Started process for run"):
                found = (int(str(pid.value)), record.timestamp)
        return found


def worker_status(pid: int, reported_at: float) -> CheckRunHealthResult:
    """Whether process ``pid``, which reported itself as a run's worker at ``reported_at``, still runs."""
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE
        created = process.create_time()
    except psutil.NoSuchProcess:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} is gone")
    if not alive:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} has exited")
    if created > reported_at + _CLOCK_SLACK_SECONDS:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} is gone (its pid was reused)")
    return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker process {pid} is running")
