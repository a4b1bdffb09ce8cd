"""A one-day click: every stage of one day, as the UI's "Materialize" launches it, per executor.

The demo quarter is collected and trained once into a temporary home; then, for each executor,
`dagster asset materialize` runs every partitioned stage (ingest → export, with their checks) for
one busy day, in a fresh process as the UI's run launcher does, and the wall time is taken. Before
each click the day's window records and rendered exports are forgotten, so every click computes
every stage as it would after new PRs arrived (a click on an unchanged day skips most of the work).
The baselines, measured in the same run: the code before this work (a worktree of that commit, a
process per step, its default), and Dagster's default executor (``multiprocess``) on this code.

    git worktree add --detach /tmp/baseline <commit>   # the code before (once)
    .venv/bin/python bench/one_day_click.py [--baseline /tmp/baseline]   # bench/results/one_day_click.{md,json}
"""

from __future__ import annotations

import argparse
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
BEFORE = "before (multiprocess)"
REPEATS = 2


def _env(home: Path, executor: str = "in_process", code: Path = ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACHIEVEMENT_", "DAGSTER_"))}
    env.update(
        {
            "PYTHONPATH": str(code),
            "ACHIEVEMENT_HOME": str(home),
            # The code before this work reads its own instance file (it has no storage class of ours).
            "DAGSTER_HOME": str(home / ("dagster" if code == ROOT else "dagster-before")),
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


def _forget_the_day(home: Path) -> None:
    """As if the day's PRs had changed: no stage finds its window's inputs recorded, no export its stamp."""
    import sqlite3

    with sqlite3.connect(home / "warehouse.db") as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'window_writes'").fetchone():
            db.execute("DELETE FROM window_writes")
    for stamp in (home / "exports").rglob(".rendered-from"):
        stamp.unlink()


def _click(home: Path, executor: str, code: Path = ROOT) -> float:
    _forget_the_day(home)
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
    done = subprocess.run(command, env=_env(home, executor, code), capture_output=True, text=True, cwd=home)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "RUN_SUCCESS" not in done.stderr + done.stdout:
        raise SystemExit(f"{executor} run failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="/tmp/baseline", help="work tree of the commit before this work")
    baseline = Path(parser.parse_args().baseline)
    choices = {BEFORE: (baseline, "multiprocess"), **{executor: (ROOT, executor) for executor in EXECUTORS}}
    with tempfile.TemporaryDirectory(prefix="one-day-click-") as tmp:
        home = Path(tmp)
        _prepare(home)
        (home / "dagster-before").mkdir()
        shutil.copy(baseline / "dagster.yaml", home / "dagster-before" / "dagster.yaml")
        seconds: dict[str, list[float]] = {name: [] for name in choices}
        for _ in range(REPEATS):  # in turns, so a slower moment of the machine does not favour one executor
            for name, (code, executor) in choices.items():
                seconds[name].append(_click(home, executor, code))
    median = {name: statistics.median(times) for name, times in seconds.items()}
    result = {
        "day": DAY,
        "baseline_commit": subprocess.run(
            ["git", "-C", str(baseline), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "stages": STAGES.split(","),
        "repeats": REPEATS,
        "seconds": {k: [round(t, 1) for t in v] for k, v in seconds.items()},
        "median_seconds": {k: round(v, 1) for k, v in median.items()},
        "speedup_vs_before": {k: round(median[BEFORE] / v, 2) for k, v in median.items()},
        "speedup_vs_multiprocess": {k: round(median["multiprocess"] / v, 2) for k, v in median.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "one_day_click.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# A one-day click: every stage of one day, per executor",
        "",
        f"`python bench/one_day_click.py`: the demo quarter collected and trained once, then `dagster asset "
        f"materialize` of every partitioned stage with its checks for {DAY}, in a fresh process per run (as the UI's "
        f"run launcher starts one), {REPEATS} runs per executor, in turns on one 2-core machine. Each "
        "click computes every stage (the day's window records are forgotten first). Before: commit "
        f"`{result['baseline_commit'][:12]}`, the code before this work, with its default (a process per step).",
        "",
        "| code, executor | runs (s) | median (s) | speed-up vs. before | vs. a process per step now |",
        "|---|---|---|---|---|",
    ]
    for name in choices:
        runs = ", ".join(f"{t:.1f}" for t in seconds[name])
        lines.append(
            f"| {name if name == BEFORE else 'now, ' + name} | {runs} | {median[name]:.1f} | "
            f"{result['speedup_vs_before'][name]:.2f}× | {result['speedup_vs_multiprocess'][name]:.2f}× |"
        )
    (RESULTS / "one_day_click.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
