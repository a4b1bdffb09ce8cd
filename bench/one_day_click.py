"""A one-day click: every stage of one day, as the UI's "Materialize" launches it, per executor.

The demo quarter is collected and trained once into a temporary home; then, for each executor,
`dagster asset materialize` runs every partitioned stage (ingest → export, with their checks) for
one busy day, in a fresh process as the UI's run launcher does, and the wall time is taken. The
baseline is Dagster's default, a process per step (``multiprocess``), measured in the same run.

    .venv/bin/python bench/one_day_click.py      # writes bench/results/one_day_click.{md,json}
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DAY = "2025-03-11"
STAGES = "pull_requests,enriched_prs,predictions,valuations,validated_achievements,portfolio"
EXECUTORS = ("multiprocess", "forkserver", "in_process")
REPEATS = 2


def _env(home: Path, executor: str = "in_process") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACHIEVEMENT_", "DAGSTER_"))}
    env.update(
        {
            "ACHIEVEMENT_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "ACHIEVEMENT_EXECUTOR": executor,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "GX_ANALYTICS_ENABLED": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def _prepare(home: Path) -> None:
    (home / "dagster").mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    subprocess.run([str(BIN / "achievement-demo")], env=_env(home), check=True, capture_output=True, cwd=home)


def _click(home: Path, executor: str) -> float:
    command = [
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "achievement_pipeline.definitions",
        "--select",
        STAGES,
        "--partition",
        DAY,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, env=_env(home, executor), capture_output=True, text=True, cwd=home)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "RUN_SUCCESS" not in done.stderr + done.stdout:
        raise SystemExit(f"{executor} run failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="one-day-click-") as tmp:
        home = Path(tmp)
        _prepare(home)
        seconds: dict[str, list[float]] = {executor: [] for executor in EXECUTORS}
        for _ in range(REPEATS):  # in turns, so a slower moment of the machine does not favour one executor
            for executor in EXECUTORS:
                seconds[executor].append(_click(home, executor))
    median = {executor: statistics.median(times) for executor, times in seconds.items()}
    result = {
        "day": DAY,
        "stages": STAGES.split(","),
        "repeats": REPEATS,
        "seconds": {k: [round(t, 1) for t in v] for k, v in seconds.items()},
        "median_seconds": {k: round(v, 1) for k, v in median.items()},
        "speedup_vs_multiprocess": {k: round(median["multiprocess"] / v, 2) for k, v in median.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "one_day_click.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# A one-day click: every stage of one day, per executor",
        "",
        f"`python bench/one_day_click.py`: the demo quarter collected and trained once, then `dagster asset "
        f"materialize` of every partitioned stage with its checks for {DAY}, in a fresh process per run (as the UI's "
        f"run launcher starts one), {REPEATS} runs per executor, in turns on one 2-core machine.",
        "",
        "| executor | runs (s) | median (s) | speed-up vs. a process per step |",
        "|---|---|---|---|",
    ]
    for executor in EXECUTORS:
        runs = ", ".join(f"{t:.1f}" for t in seconds[executor])
        lines.append(
            f"| {executor} | {runs} | {median[executor]:.1f} | {result['speedup_vs_multiprocess'][executor]:.2f}× |"
        )
    (RESULTS / "one_day_click.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
