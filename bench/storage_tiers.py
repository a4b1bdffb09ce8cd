"""What the storage tiers cost and save on PostgreSQL: a window's replace, a month's removal, an archived month's read.

    .venv/bin/python bench/storage_tiers.py [--scales 24x60,48x200] [--repeats 7]

For each scale MONTHSxPER_DAY, two warehouses on the local PostgreSQL, filled with the same history
(MONTHS of ``pull_requests``, PER_DAY PRs a day, rows as the tests' factory builds them):

- ``plain``: the monthly tables as the previous release had them (one table, key ``pr_id``), the
  baseline; made by the head revision, then turned back by revision 0002's own ``plain_again``.
- ``partitioned``: the head revision: one partition a month.

Each measures, with the same code (``Warehouse``, ``core/archive.py``), the median of ``--repeats``:

- ``replace_day``: one day's window written with changed rows (delete, insert, the key check);
- ``read_month``: one month's rows read (``read_window``);
- ``archive_month``: the oldest month moved to Parquet in a local folder and out of the table (a dropped
  partition against deleted rows), once per warehouse, then each month after it for the repeats;
- ``read_archived_month``: that month read back from the archive, first in a fresh process (reading the
  file and checking its digest included, pyarrow's import not) and then from the process's kept copy;
- ``vacuum``: ``VACUUM pull_requests`` after the archiving (a dropped partition leaves nothing to vacuum,
  deleted rows leave their dead tuples).

Results: bench/results/storage_tiers.{md,json}, with ratios partitioned / plain from the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from achievement_pipeline.core import archive  # noqa: E402
from achievement_pipeline.core.partitions_pg import MONTHLY_TABLES, month_bounds  # noqa: E402
from achievement_pipeline.core.warehouse import TABLES, Warehouse, connect  # noqa: E402
from tests.factories import make_pr  # noqa: E402
from tests.tiers_support import postgres_database  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FIRST = date(2023, 1, 1)
REVISION_0002 = next((ROOT / "achievement_pipeline/core/migrations/versions").glob("0002_*.py"))


def plain_again(url: str) -> None:
    """The monthly tables as one plain table each, with the previous release's key: revision 0002's own reverse."""
    spec = importlib.util.spec_from_file_location("revision_0002", REVISION_0002)
    assert spec is not None and spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in MONTHLY_TABLES:
            revision.plain_again(conn, table)
    engine.dispose()


def day_rows(day: date, per_day: int, title: str = "perf(api): cache session lookups") -> list[dict[str, Any]]:
    start = (day - FIRST).days * per_day
    return [
        make_pr(start + n, merge_date=day.isoformat(), merged_at=f"{day}T10:00:00Z", title=f"{title} {n}")
        for n in range(per_day)
    ]


def fill(warehouse: Warehouse, months: int, per_day: int) -> int:
    """``months`` of history, written a month at a time (as a backfill's range run writes it)."""
    rows = 0
    for index in range(months):
        first, after = (date.fromisoformat(day) for day in month_bounds(f"{2023 + index // 12}-{index % 12 + 1:02d}"))
        written = [row for n in range((after - first).days) for row in day_rows(first + timedelta(n), per_day)]
        rows += warehouse.replace_window("pull_requests", first, after, written)
    return rows


def median_seconds(work: Callable[[int], object], repeats: int) -> float:
    times = []
    for attempt in range(repeats):
        started = time.perf_counter()
        work(attempt)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


READ_IN_FRESH_PROCESS = r"""
import sys, time, json
from datetime import date
import pyarrow.compute, pyarrow.parquet  # imported before the clock: the first read's cost is the file's
from achievement_pipeline.core import archive
from achievement_pipeline.core.warehouse import connect
url, folder, first, after = sys.argv[1:5]
warehouse = connect(url, archive.ArchiveFiles(local_dir=folder))
started = time.perf_counter()
cold = len(warehouse.read_window("pull_requests", date.fromisoformat(first), date.fromisoformat(after)))
middle = time.perf_counter()
warm = len(warehouse.read_window("pull_requests", date.fromisoformat(first), date.fromisoformat(after)))
print(json.dumps({"rows": cold, "first_read": middle - started, "kept_read": time.perf_counter() - middle}))
"""


def measure(url: str, kind: str, months: int, per_day: int, repeats: int, folder: Path) -> dict[str, Any]:
    files = archive.ArchiveFiles(local_dir=str(folder))
    warehouse = connect(url, files)
    if kind == "plain":
        plain_again(url)
    started = time.perf_counter()
    rows = fill(warehouse, months, per_day)
    fill_seconds = time.perf_counter() - started
    engine = warehouse.engine
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE pull_requests"))
    last = FIRST + timedelta(days=months * 30 - 20)  # a day in the newest months

    def replace(attempt: int) -> None:
        day = last + timedelta(days=attempt % 5)
        warehouse.replace_window("pull_requests", day, day + timedelta(1), day_rows(day, per_day, f"v{attempt}"))

    def read_month(_: int) -> None:
        warehouse.read_window("pull_requests", last.replace(day=1), last.replace(day=28))

    table = TABLES["pull_requests"]
    month_names = [f"{2023 + index // 12}-{index % 12 + 1:02d}" for index in range(repeats)]
    archived = []

    def archive_one(attempt: int) -> None:
        archived.append(archive.archive_month(engine, table, month_names[attempt], files))

    result = {
        "rows": rows,
        "fill_seconds": round(fill_seconds, 2),
        "replace_day": median_seconds(replace, repeats),
        "read_month": median_seconds(read_month, repeats),
        "archive_month": median_seconds(archive_one, repeats),
    }
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM pull_requests"))
    result["vacuum"] = time.perf_counter() - started
    first, after = month_bounds(month_names[0])
    fresh = subprocess.run(
        [sys.executable, "-c", READ_IN_FRESH_PROCESS, url, str(folder), first, after],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    reading = json.loads(fresh.stdout.strip().splitlines()[-1])
    result["read_archived_month_first"] = reading["first_read"]
    result["read_archived_month_kept"] = reading["kept_read"]
    result["archived_month_rows"] = reading["rows"]
    result["archived_month_bytes"] = archived[0].bytes if archived and archived[0] else 0
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="24x60,48x200", help="MONTHSxPER_DAY, comma-separated")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    timed = ("replace_day", "read_month", "archive_month", "vacuum")
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "repeats": args.repeats}
    lines = [
        "# Storage tiers on PostgreSQL: plain tables (baseline) against monthly partitions",
        "",
        f"Medians of {args.repeats}; `bench/storage_tiers.py`, {report['when']}, on the shared 2-core machine.",
    ]
    for scale in args.scales.split(","):
        months, per_day = (int(part) for part in scale.split("x"))
        results: dict[str, Any] = {}
        for kind in ("plain", "partitioned"):
            with postgres_database() as url, tempfile.TemporaryDirectory(prefix=f"tiers-{kind}-") as folder:
                results[kind] = measure(url, kind, months, per_day, args.repeats, Path(folder))
            print(scale, kind, json.dumps(results[kind]), flush=True)
        ratios = {name: results["partitioned"][name] / results["plain"][name] for name in timed}
        report[scale] = {"months": months, "per_day": per_day, "results": results, "ratio_partitioned_to_plain": ratios}
        archived = results["partitioned"]
        lines += [
            "",
            f"## {months} months, {per_day} PRs a day ({results['plain']['rows']:,} rows of `pull_requests`)",
            "",
            "| measure | plain | partitioned | partitioned / plain |",
            "|---|---|---|---|",
        ]
        for name in timed:
            plain, split = results["plain"][name], results["partitioned"][name]
            lines.append(f"| {name} | {plain * 1000:.1f} ms | {split * 1000:.1f} ms | {ratios[name]:.2f} |")
        for name in ("read_archived_month_first", "read_archived_month_kept"):
            lines.append(
                f"| {name} ({archived['archived_month_rows']:,} rows, {archived['archived_month_bytes']:,} bytes) | "
                f"{results['plain'][name] * 1000:.1f} ms | {archived[name] * 1000:.1f} ms | |"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "storage_tiers.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "storage_tiers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
