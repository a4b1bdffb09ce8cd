"""`achievement-ui` runs dagster dev and the export server together, and stops them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.local_processes import environment_without_settings, free_port

ROOT = Path(__file__).resolve().parents[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


@pytest.mark.parametrize(
    "how",
    [
        "SIGTERM to the launcher only",
        "Ctrl-C to the process group",
        # `make ui &` from a script: the shell starts background jobs with SIGINT ignored.
        "SIGTERM to a launcher started in the background",
    ],
)
def test_stopping_achievement_ui_stops_dagster_dev_and_the_export_server(tmp_path, how):
    (tmp_path / "dagster").mkdir()
    (tmp_path / "exports" / "portfolio").mkdir(parents=True)
    (tmp_path / "exports" / "portfolio" / "index.html").write_text("<html>exports</html>")
    env = environment_without_settings()
    env.update(DAGSTER_HOME=str(tmp_path / "dagster"), ACHIEVEMENT_HOME=str(tmp_path))
    port, exports_port = free_port(), free_port()
    launcher = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("achievement-ui")),
            "--port",
            str(port),
            "--exports-port",
            str(exports_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(
            signal.SIGINT, signal.SIG_IGN if how.endswith("background") else signal.SIG_DFL
        ),
    )
    ui, exports = f"http://127.0.0.1:{port}/server_info", f"http://127.0.0.1:{exports_port}/portfolio/index.html"
    try:
        deadline = time.monotonic() + 120
        while not (_answers(ui) and _answers(exports)):
            assert time.monotonic() < deadline and launcher.poll() is None, "achievement-ui did not come up"
            time.sleep(1)
        if how.startswith("SIGTERM"):
            launcher.send_signal(signal.SIGTERM)
        else:
            os.killpg(launcher.pid, signal.SIGINT)
        launcher.wait(timeout=90)
        time.sleep(2)
        assert not _answers(ui), "dagster dev outlived achievement-ui"
        assert not _answers(exports), "the export server outlived achievement-ui"
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
