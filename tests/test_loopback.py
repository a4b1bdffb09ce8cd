"""Every server the project starts listens on loopback unless it is configured to listen elsewhere.

Checked by behaviour, not by reading defaults: on Linux every 127.x.y.z address reaches this
machine, so a server bound to all interfaces answers on 127.0.0.2 too, while one bound to
127.0.0.1 refuses it. (Deployments that must be reachable say so: the Kubernetes exporter sets
ACHIEVEMENT_METRICS_ADDRESS=0.0.0.0, checked in test_deploy_manifests.py.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.local_processes import environment_without_settings, free_port

ELSEWHERE = "127.0.0.2"  # this machine, but not the loopback address a server bound to 127.0.0.1 listens on


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def _exporter(tmp_path: Path, **settings: str) -> Iterator[int]:
    """achievement-metrics (its warehouse source only) on a free port, started and stopped by this test."""
    port = free_port()
    env = {**environment_without_settings(), "ACHIEVEMENT_HOME": str(tmp_path), **settings}
    command = [
        str(Path(sys.executable).with_name("achievement-metrics")),
        "--port",
        str(port),
        "--sources",
        "warehouse",
    ]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (_answers("127.0.0.1", port) or _answers(ELSEWHERE, port)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"achievement-metrics did not start: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield port
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def test_the_metrics_exporter_listens_on_loopback_by_default(tmp_path):
    with _exporter(tmp_path) as port:
        assert _answers("127.0.0.1", port) and not _answers(ELSEWHERE, port)


def test_the_metrics_exporter_listens_where_its_address_setting_says(tmp_path):
    with _exporter(tmp_path, ACHIEVEMENT_METRICS_ADDRESS="0.0.0.0") as port:
        assert _answers(ELSEWHERE, port)


def test_the_fake_github_listens_on_loopback_by_default():
    from achievement_pipeline.fakes.github import FakeGitHub
    from achievement_pipeline.fakes.github.history import generate_history

    with FakeGitHub(generate_history(seed=42), port=free_port()) as server:
        assert _answers("127.0.0.1", server.port) and not _answers(ELSEWHERE, server.port)


def test_the_export_server_listens_on_loopback_by_default(tmp_path):
    from achievement_pipeline.cli.export_server import serve_exports

    port = free_port()
    server = serve_exports(tmp_path, port=port)
    try:
        assert _answers("127.0.0.1", port) and not _answers(ELSEWHERE, port)
    finally:
        server.shutdown()
        server.server_close()
