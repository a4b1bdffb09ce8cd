"""How the whole pipeline grows with history: 1k, 3k and 10k PRs over two years, per stage, against a baseline.

    git worktree add --detach /tmp/baseline <commit>     # the code to compare with (once)
    git worktree add --detach /tmp/current HEAD          # the code measured, frozen while the benchmark runs
    .venv/bin/python bench/history_growth.py [--sizes 1000,3000,10000] [--baseline /tmp/baseline]
        [--current /tmp/current]   # (one command)

**The histories.** Each size is a history of vite's merged PRs (``../shared/data/vite-prs.jsonl``,
6,383 PRs, MIT) served by the project's fake GitHub (``github_corpus.vite_history``: 20 repositories
of the organisation ``vite-bench``, reviews and comments drawn at the demo's rates). The N newest PRs
are taken; beyond 6,383 the corpus is replicated, each copy shifted back in time by the corpus's own
span (6.3 years) and given its own merge commit, so copy 1 is a second vite history before the first.
The chosen PRs are then moved in time, each by one shift (its durations kept: creation, first commit,
merge, reviews), so that their merge times spread linearly over the two years ending at vite's newest
merge (731 daily partitions at every size): the curve grows in PRs, not in days.

**What runs.** For each size and each code tree (this one, and the baseline: a worktree of the commit
the work started from, imported through PYTHONPATH, with its own ``dagster.yaml``), a fresh home runs
what ``achievement-demo`` runs over the two years, with SQLite, the offline summariser and the
organisation as the one source: ``pull_requests`` + ``enriched_prs`` for the range (one run),
``pr_models``, then ``predictions``, ``valuations``, ``validated_achievements`` and ``portfolio`` for
the range (one run), the portfolio being the busiest author's busiest calendar year, its PDF included.
That is one process (``fresh``); a second process runs the same three runs again with nothing changed
(``unchanged``), as running the demo twice does. Seconds per stage come from the runs' step events (a
stage is its asset's step and its checks' steps); "run overhead" is the runs' wall time outside steps
(creating the run and its planned events, starting and ending it). Process seconds add Python's start
and imports. Peak memory is each process's maximum RSS (the fake GitHub runs in this process, apart).

**Event writes** (``--events``): one daily-partitioned asset with a stage's metadata, a 731-day range
run twice, on Dagster's SQLite storage, the project's (``instance/sqlite_storage.py``) and PostgreSQL
(127.0.0.1:5432, a database of its own), for each ``DAGSTER_EVENT_BATCH_SIZE``: what the batch size
buys on each storage. Results: bench/results/history_growth.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench"
SPAN = timedelta(days=730)
# Each stage and the steps that are its own: the asset's step and its checks'.
STAGES = {
    "pull_requests": ("pull_requests", "pull_requests_pull_requests_expectations", "pull_requests_yesterday_arrived"),
    "enriched_prs": ("enriched_prs", "enriched_prs_enriched_prs_expectations"),
    "pr_models": ("pr_models",),
    "predictions": ("predictions", "predictions_predictions_expectations"),
    "valuations": ("valuations", "valuations_valuations_expectations"),
    "validated_achievements": (
        "validated_achievements",
        "validated_achievements_validated_achievements_expectations",
    ),
    "portfolio": ("portfolio", "portfolio_yesterday_arrived"),
}
EVENT_STORAGES = ("sqlite", "sqlite-batched", "postgresql")
EVENT_BATCH_SIZES = (0, 10, 100, 1000, 10000)
EVENT_DAYS = 731


# ---------------------------------------------------------------------------------------------- the corpus


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def history_rows(prs: int, source: Path) -> list[dict[str, Any]]:
    """The corpus rows of a history of ``prs`` PRs over two years (see the module docstring for how)."""
    import hashlib

    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    newest = max(_utc(r["merged_at"]) for r in rows)
    corpus_span = newest - min(_utc(r["merged_at"]) for r in rows) + timedelta(days=1)
    chosen = []
    for index in range(prs):
        row, copy = dict(rows[index % len(rows)]), index // len(rows)
        if copy:
            row["sha"] = hashlib.sha1(f"{row['sha']}:{copy}".encode()).hexdigest()
        row["_merged"] = _utc(row["merged_at"]) - copy * corpus_span
        chosen.append(row)
    oldest = min(row["_merged"] for row in chosen)
    scale = SPAN / max(newest - oldest, timedelta(seconds=1))
    for row in chosen:
        merged = row.pop("_merged")
        shift = (newest - (newest - merged) * scale) - _utc(row["merged_at"])
        row["merged_at"] = (_utc(row["merged_at"]) + shift).isoformat()
        row["author_date"] = (_utc(row["author_date"]) + shift).isoformat()
    return chosen


def build_history(prs: int, folder: Path) -> Any:
    """The fake GitHub's history of ``prs`` PRs (github_corpus.vite_history over the retimed rows)."""
    from github_corpus import VITE, vite_history

    path = folder / f"vite-{prs}.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in history_rows(prs, VITE)))
    return vite_history(path, prs=prs, repos=20)


def busiest(history: Any) -> tuple[str, str, int]:
    """The most prolific human author, their busiest calendar year and its PR count."""
    authors = Counter(p.author for p in history.pulls if "bot" not in p.author.lower())
    author = authors.most_common(1)[0][0]
    years = Counter(p.merged_at.year for p in history.pulls if p.author == author)
    year, count = years.most_common(1)[0]
    return author, str(year), count


# ---------------------------------------------------------------------------------------------- child side


class RssSampler:
    """The process's resident memory every 0.1 s, to tell which step reached the peak."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.samples.append((time.time(), _rss_mib()))

    def peak(self, start: float, end: float) -> float:
        return max((rss for at, rss in self.samples if start <= at <= end), default=0.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _steps(instance: Any, run_id: str, sampler: RssSampler) -> dict[str, dict[str, float]]:
    """Seconds and peak RSS of each step of a run, from its step events."""
    from dagster import DagsterEventType

    started: dict[str, float] = {}
    steps: dict[str, dict[str, float]] = {}
    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    for record in instance.get_records_for_run(run_id, of_type=kinds).records:
        entry = record.event_log_entry
        if entry.dagster_event.event_type == DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        else:
            begun = started[entry.step_key]
            steps[entry.step_key] = {
                "seconds": entry.timestamp - begun,
                "peak_rss_mib": sampler.peak(begun, entry.timestamp),
            }
    return steps


def child(first: str, last: str, person: str, period: str) -> dict[str, Any]:
    """Run what achievement-demo runs over [first, last], the portfolio ``person``'s ``period``; times per step."""
    from datetime import date

    from dagster import AssetKey, DagsterInstance

    from achievement_pipeline.cli.demo import partition_range_tags, succeeded
    from achievement_pipeline.core import settings
    from achievement_pipeline.definitions import defs as code_location

    sampler = RssSampler()
    settings.offline_default("LITELLM_LOCAL_MODEL_COST_MAP")
    loaded = time.perf_counter()
    job = code_location().resolve_implicit_global_asset_job_def()
    load_seconds = time.perf_counter() - loaded
    tags = partition_range_tags(date.fromisoformat(first), date.fromisoformat(last))
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    export = {**quiet, "ops": {"portfolio": {"config": {"person": person, "period": period}}}}
    later = ("predictions", "valuations", "validated_achievements", "portfolio")
    runs = [
        ("collect", [AssetKey("pull_requests"), AssetKey("enriched_prs")], tags, quiet),
        ("train", [AssetKey("pr_models")], {}, quiet),
        ("stages", [AssetKey(k) for k in later], tags, export),
    ]
    timings: dict[str, Any] = {"runs": {}, "steps": {}}
    began = time.perf_counter()
    with DagsterInstance.get() as instance:
        for name, selection, run_tags, config in runs:
            started = time.perf_counter()
            result = succeeded(
                job.execute_in_process(
                    run_config=config, instance=instance, tags=run_tags, asset_selection=selection, raise_on_error=False
                )
            )
            timings["runs"][name] = time.perf_counter() - started
            timings["steps"].update(_steps(instance, result.run_id, sampler))
    timings["seconds"] = time.perf_counter() - began
    sampler.stop()
    timings["load_seconds"] = load_seconds
    timings["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def _event_asset(days: int) -> Any:
    """A daily-partitioned asset over ``days`` days, one range run, with a stage's metadata (a 10-row preview)."""
    from datetime import date

    from dagster import BackfillPolicy, DailyPartitionsDefinition, MaterializeResult, asset

    from achievement_pipeline.defs.metadata import preview, window_metadata

    start = date(2024, 8, 22)
    partitions = DailyPartitionsDefinition(start_date=start.isoformat(), end_date=(start + timedelta(days)).isoformat())
    rows = [
        {"pr_id": f"vite-bench/repo-01#{n}", "merge_date": "2025-01-01", "title": "fix: a title " * 4}
        for n in range(20)
    ]

    @asset(partitions_def=partitions, backfill_policy=BackfillPolicy.single_run())
    def stage(context):  # noqa: ANN001, ANN202 - the annotation would be a string (future annotations)
        window = context.partition_time_window
        return MaterializeResult(
            metadata={
                **window_metadata(window.start.date(), window.end.date()),
                "row_count": len(rows),
                "preview": preview(rows, ["pr_id", "merge_date", "title"]),
            }
        )

    return stage, partitions


def events_child(storage: str, days: int, batch_sizes: list[int]) -> dict[str, Any]:
    """Seconds of a range run of one asset over ``days`` partitions (twice) per DAGSTER_EVENT_BATCH_SIZE."""
    import uuid

    from dagster import DagsterInstance, materialize

    asset_def, partitions = _event_asset(days)
    keys = partitions.get_partition_keys()
    tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    results: dict[str, Any] = {}
    for size in batch_sizes:
        os.environ["DAGSTER_EVENT_BATCH_SIZE"] = str(size)
        with tempfile.TemporaryDirectory(prefix="events-") as tmp:
            database = None
            config = "telemetry:\n  enabled: false\n"
            if storage == "postgresql":
                database = f"history_growth_{uuid.uuid4().hex[:10]}"
                _postgres(f'CREATE DATABASE "{database}"')
                config += f"storage:\n  postgres:\n    postgres_url: postgresql://postgres@127.0.0.1:5432/{database}\n"
            elif storage == "sqlite-batched":
                config = (ROOT / "dagster.yaml").read_text()
            Path(tmp, "dagster.yaml").write_text(config)
            os.environ["DAGSTER_HOME"] = tmp
            try:
                seconds = []
                with DagsterInstance.get() as instance:
                    for _ in range(2):
                        started = time.perf_counter()
                        materialize([asset_def], instance=instance, tags=tags, run_config=quiet)
                        seconds.append(time.perf_counter() - started)
                    assert len(instance.get_materialized_partitions(asset_def.key)) == days
            finally:
                if database:
                    _postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        results[str(size)] = {"seconds": seconds, "ms_per_partition": [1000 * s / days for s in seconds]}
    return results


def _postgres(statement: str) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(statement)
    admin.close()


# --------------------------------------------------------------------------------------------- parent side


def _env(home: Path, code: Path, base_url: str, first: str) -> dict[str, str]:
    """Only the settings of the run: the tree's own defaults for everything else (no DAGSTER_* switch set)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACHIEVEMENT_", "DAGSTER_", "GITHUB_"))}
    env.update(
        {
            "PYTHONPATH": str(code),
            "ACHIEVEMENT_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "ACHIEVEMENT_START_DATE": first,
            "GITHUB_API_URL": base_url,
            "GITHUB_TOKEN": TOKEN,
            "ACHIEVEMENT_GITHUB_ORGS": "vite-bench",
            "ACHIEVEMENT_GITHUB_REQUEST_SPACING": "0",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "GX_ANALYTICS_ENABLED": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def _stages(steps: dict[str, dict[str, float]], runs: dict[str, float]) -> dict[str, float]:
    """Seconds per stage (its steps), and the runs' time outside any step."""
    seconds = {stage: sum(steps.get(key, {}).get("seconds", 0.0) for key in keys) for stage, keys in STAGES.items()}
    seconds["run overhead"] = sum(runs.values()) - sum(step["seconds"] for step in steps.values())
    return {stage: round(value, 2) for stage, value in seconds.items()}


def measure(history: Any, code: Path, person: str, period: str) -> dict[str, Any]:
    """One code tree over one history: a fresh process, then an unchanged one, on a fresh home."""
    from achievement_pipeline.fakes.github.server import FakeGitHub

    first = min(p.merged_at for p in history.pulls).date().isoformat()
    last = max(p.merged_at for p in history.pulls).date().isoformat()
    result: dict[str, Any] = {"window": [first, last]}
    with tempfile.TemporaryDirectory(prefix="history-growth-") as tmp, FakeGitHub(history, tokens=(TOKEN,)) as fake:
        home = Path(tmp)
        (home / "dagster").mkdir()
        (home / "dagster" / "dagster.yaml").write_text((code / "dagster.yaml").read_text())
        for name in ("fresh", "unchanged"):
            out = home / f"{name}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--child", first, last, person, period, str(out)]
            started = time.perf_counter()
            env = _env(home, code, fake.base_url, first)
            done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if done.returncode:
                raise RuntimeError(f"{code} ({name}): the run failed\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
            timings = json.loads(out.read_text())
            timings["process_seconds"] = wall
            timings["stages"] = _stages(timings["steps"], timings["runs"])
            result[name] = timings
        pdf = next((home / "exports").rglob("portfolio.pdf"), None)
        result["pdf_bytes"] = pdf.stat().st_size if pdf else 0
    result["peak_rss_mib"] = max(result[name]["peak_rss_mib"] for name in ("fresh", "unchanged"))
    return result


def _events(out: Path) -> dict[str, Any]:
    """The event-write benchmark, each storage in a process of its own."""
    found: dict[str, Any] = {}
    for storage in EVENT_STORAGES:
        target = out.with_name(f"events-{storage}.json")
        sizes = ",".join(str(size) for size in EVENT_BATCH_SIZES)
        command = [sys.executable, str(Path(__file__).resolve()), "--events-child", storage, str(EVENT_DAYS), sizes]
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_")}
        done = subprocess.run([*command, str(target)], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"events on {storage} failed\n{done.stderr[-4000:]}")
        found[storage] = json.loads(target.read_text())
    return found


def _commit(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def report(results: dict[str, Any]) -> str:
    """The Markdown summary of ``results`` (see the module docstring)."""
    trees = [tree for tree in ("baseline", "current") if any(tree in s for s in results["sizes"].values())]
    lines = [
        "# A year or more of history: the pipeline's growth curve",
        "",
        f"`python bench/history_growth.py` on a 2-core machine ({results['date']}). "
        "Vite's merged PRs, the N newest (beyond 6,383 the corpus again, shifted back by its own span), moved so "
        "their merges spread over the same two years (731 daily partitions) at every size; served by the fake "
        "GitHub; SQLite, the offline summariser, the PDF of the busiest author's busiest year. Baseline: commit "
        f"`{results['baseline_commit'][:12]}` (before this work), measured in the same run against commit "
        f"`{results.get('current_commit', 'unknown')[:12]}`. A process per pass; "
        "seconds per stage from the runs' step events (a stage with its checks).",
        "",
        "| PRs | partitions | code | fresh: runs (process) | unchanged re-run: runs (process) | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for size, entry in results["sizes"].items():
        for tree in trees:
            if tree not in entry:
                continue
            m = entry[tree]
            lines.append(
                f"| {int(size):,} | {entry['partitions']} | {tree} | {m['fresh']['seconds']:.0f} s "
                f"({m['fresh']['process_seconds']:.0f} s) | {m['unchanged']['seconds']:.1f} s "
                f"({m['unchanged']['process_seconds']:.0f} s) | {m['peak_rss_mib']:,.0f} MiB |"
            )
    stage_names = [*STAGES, "run overhead"]
    for name in ("fresh", "unchanged"):
        lines += ["", f"Seconds per stage, {name} pass:", ""]
        header = "| PRs | code | " + " | ".join(stage_names) + " |"
        lines += [header, "|" + "---|" * (len(stage_names) + 2)]
        for size, entry in results["sizes"].items():
            for tree in trees:
                if tree in entry:
                    stages = entry[tree][name]["stages"]
                    cells = " | ".join(f"{stages[stage]:.1f}" for stage in stage_names)
                    lines.append(f"| {int(size):,} | {tree} | {cells} |")
    if results.get("events"):
        lines += [
            "",
            f"Event writes: one asset with a stage's metadata, a {EVENT_DAYS}-day range run (731 planned and 731 "
            "materialization events), ms per partition (mean of two runs) by `DAGSTER_EVENT_BATCH_SIZE`:",
            "",
            "| storage | " + " | ".join(str(size) for size in EVENT_BATCH_SIZES) + " |",
            "|---|" + "---|" * len(EVENT_BATCH_SIZES),
        ]
        for storage, by_size in results["events"].items():
            cells = " | ".join(f"{sum(by_size[str(size)]['ms_per_partition']) / 2:.1f}" for size in EVENT_BATCH_SIZES)
            lines.append(f"| {storage} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, metavar=("FIRST", "LAST", "PERSON", "PERIOD", "OUT"))
    parser.add_argument("--events-child", nargs=4, metavar=("STORAGE", "DAYS", "SIZES", "OUT"))
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument(
        "--baseline-sizes",
        default=None,
        help="sizes the baseline runs at (default: --sizes); the baseline's 10k "
        "pass takes about half an hour on two quiet cores",
    )
    parser.add_argument("--baseline", default="/tmp/baseline", help="work tree of the baseline commit")
    parser.add_argument(
        "--current",
        default=str(ROOT),
        help="work tree of the code measured (a checkout of a commit: edits made "
        "while the benchmark runs would change the code's fingerprint between the two passes)",
    )
    parser.add_argument("--only", choices=("current", "baseline"), default=None)
    parser.add_argument("--no-events", action="store_true", help="leave out the event-write benchmark")
    parser.add_argument("--out", default=str(RESULTS / "history_growth.json"))
    args = parser.parse_args(argv)
    if args.child:
        first, last, person, period, out = args.child
        Path(out).write_text(json.dumps(child(first, last, person, period)))
        return 0
    if args.events_child:
        storage, days, sizes, out = args.events_child
        Path(out).write_text(json.dumps(events_child(storage, int(days), [int(s) for s in sizes.split(",")])))
        return 0
    trees = {"current": Path(args.current), "baseline": Path(args.baseline)}
    if args.only:
        trees = {args.only: trees[args.only]}
    out = Path(args.out)
    baseline_sizes = {int(s) for s in (args.baseline_sizes or args.sizes).split(",")}
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "baseline_commit": _commit(Path(args.baseline)),
        "current_commit": _commit(Path(args.current)),
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="history-corpus-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            history = build_history(size, Path(tmp))
            person, period, count = busiest(history)
            days = {p.merged_at.date() for p in history.pulls}
            first, last = min(days), max(days)
            entry: dict[str, Any] = {
                "person": person,
                "period": period,
                "person_prs": count,
                "partitions": (last - first).days + 1,
                "days_with_prs": len(days),
            }
            for name, code in trees.items():
                if name == "baseline" and size not in baseline_sizes:
                    continue
                entry[name] = measure(history, code, person, period)
                print(
                    f"{size} PRs, {name}: fresh {entry[name]['fresh']['seconds']:.1f} s, unchanged "
                    f"{entry[name]['unchanged']['seconds']:.1f} s, {entry[name]['peak_rss_mib']:.0f} MiB",
                    flush=True,
                )
            results["sizes"][str(size)] = entry
    if not args.no_events:
        with tempfile.TemporaryDirectory(prefix="history-events-") as tmp:
            results["events"] = _events(Path(tmp) / "events.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    markdown = report(results)
    out.with_suffix(".md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
