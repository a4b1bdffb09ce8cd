"""A configuration mistake ends a console script in one line naming the setting and what to do: no traceback.

Each mistake is tried on ``achievement-demo`` and ``achievement-ui`` (both check every setting and
every configured service before they start anything) and the malformed ones on
``achievement-metrics`` (which outlives a source that is down: see ``cli/metrics.py``). The full
matrix calls each command's ``main``; one case per command runs the installed console script, so
what a person sees on stderr is checked as they see it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.local_processes import environment_without_settings, free_port

CLOSED = free_port()  # nothing listens there
SECRET = "pw-S3cr3t-4d"

# (what is wrong, the environment that says it, the setting the one line must name)
MISTAKES: list[tuple[str, dict[str, str], str]] = [
    (
        "warehouse unreachable",
        {"ACHIEVEMENT_WAREHOUSE_URL": f"postgresql+psycopg2://reader:{SECRET}@127.0.0.1:{CLOSED}/achievement"},
        "ACHIEVEMENT_WAREHOUSE_URL",
    ),
    (
        "warehouse URL malformed",
        {"ACHIEVEMENT_WAREHOUSE_URL": f"postgres//reader:{SECRET}@db"},
        "ACHIEVEMENT_WAREHOUSE_URL",
    ),
    (
        "Redis unreachable",
        {"ACHIEVEMENT_REDIS_URL": f"redis://:{SECRET}@127.0.0.1:{CLOSED}/0"},
        "ACHIEVEMENT_REDIS_URL",
    ),
    ("Redis URL malformed", {"ACHIEVEMENT_REDIS_URL": f"127.0.0.1:6379/{SECRET}"}, "ACHIEVEMENT_REDIS_URL"),
    ("MLflow unreachable", {"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{CLOSED}"}, "MLFLOW_TRACKING_URI"),
    (
        "S3 unreachable",
        {
            "ACHIEVEMENT_S3_BUCKET": "portfolios",
            "ACHIEVEMENT_S3_ENDPOINT_URL": f"http://127.0.0.1:{CLOSED}",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": SECRET,
        },
        "ACHIEVEMENT_S3_ENDPOINT_URL",
    ),
    ("start date malformed", {"ACHIEVEMENT_START_DATE": "01/02/2025"}, "ACHIEVEMENT_START_DATE"),
    ("number malformed", {"ACHIEVEMENT_LLM_BUDGET_USD": "lots"}, "ACHIEVEMENT_LLM_BUDGET_USD"),
]
# What the exporter refuses at start (it outlives a service that is down, and reads no Redis or S3).
MALFORMED = [mistake for mistake in MISTAKES if mistake[0].endswith("malformed") and "Redis" not in mistake[0]]


def _demo(argv: list[str]) -> int:
    from achievement_pipeline.cli.demo import main

    return main(["--start", "2025-01-01", "--end", "2025-01-02", *argv])


def _ui(argv: list[str]) -> int:
    from achievement_pipeline.cli.ui import main

    return main(["--port", str(free_port()), "--exports-port", str(free_port()), *argv])


def _metrics(argv: list[str]) -> int:
    from achievement_pipeline.cli.metrics import main

    return main(["--port", "0", "--sources", "warehouse", *argv])


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "achievement-demo": _demo,
    "achievement-ui": _ui,
    "achievement-metrics": _metrics,
}


def _one_line_naming(stderr: str, command: str, setting: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{command}: ") and setting in lines[0]
    assert SECRET not in stderr
    return lines[0]


@pytest.mark.parametrize(("what", "env", "setting"), MISTAKES, ids=[m[0] for m in MISTAKES])
@pytest.mark.parametrize("command", ["achievement-demo", "achievement-ui"])
def test_a_configuration_mistake_stops_the_command_in_one_line(
    pipeline_home, monkeypatch, capsys, command, what, env, setting
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert COMMANDS[command]([]) == 2
    captured = capsys.readouterr()
    _one_line_naming(captured.err, command, setting)
    assert captured.out == ""  # nothing started: the UI's servers print their address when they start


@pytest.mark.parametrize(
    ("what", "env", "setting"),
    [*MALFORMED, ("port malformed", {"ACHIEVEMENT_METRICS_PORT": "metrics"}, "ACHIEVEMENT_METRICS_PORT")],
    ids=[*(m[0] for m in MALFORMED), "port malformed"],
)
def test_a_malformed_setting_stops_the_metrics_exporter_in_one_line(
    pipeline_home, monkeypatch, capsys, what, env, setting
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _metrics([]) == 2
    _one_line_naming(capsys.readouterr().err, "achievement-metrics", setting)


def test_each_message_says_what_to_do(pipeline_home, monkeypatch, capsys):
    monkeypatch.setenv("ACHIEVEMENT_WAREHOUSE_URL", MISTAKES[0][1]["ACHIEVEMENT_WAREHOUSE_URL"])
    _demo([])
    line = _one_line_naming(capsys.readouterr().err, "achievement-demo", "ACHIEVEMENT_WAREHOUSE_URL")
    assert "Start the database or point ACHIEVEMENT_WAREHOUSE_URL at a reachable one" in line
    assert "reader:***@127.0.0.1" in line


@pytest.mark.parametrize(
    ("command", "mistake"),
    [("achievement-demo", 0), ("achievement-ui", 6), ("achievement-metrics", 7)],
    ids=["demo, warehouse unreachable", "ui, start date malformed", "metrics, number malformed"],
)
def test_the_installed_console_script_prints_one_line_and_no_traceback(tmp_path, command, mistake):
    _, env, setting = MISTAKES[mistake]
    args = {
        "achievement-demo": ["--start", "2025-01-01", "--end", "2025-01-02"],
        "achievement-metrics": ["--port", "0"],
    }
    environment = {
        **environment_without_settings(),
        "ACHIEVEMENT_HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        **env,
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name(command)), *args.get(command, [])],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    _one_line_naming(done.stderr, command, setting)
