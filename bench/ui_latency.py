"""How fast the Dagster UI answers on a production-sized instance, and how fast the code location loads.

The queries are the UI's own: Playwright drives Debian's chromium through the runs list,
an asset's partition view and the asset catalog, and records every GraphQL request the
pages send. Those exact requests are then replayed against the webserver to measure p50
and p95 per operation, on a PostgreSQL-backed instance (deploy/dagster.yaml) holding
1,000 runs and a year of daily partitions for every stage asset.

    .venv/bin/python bench/ui_latency.py            # writes bench/results/ui_latency.{md,json}

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_MS = 200.0
STAGES = ["pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_database() -> str:
    import psycopg2

    name = f"achievement_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return name


def _drop_database(name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def populate(runs: int, days: int) -> dict[str, float]:
    """1,000 runs and a year of daily materializations per stage, in the instance of DAGSTER_HOME."""
    from dagster import AssetKey, AssetMaterialization, DagsterInstance, DagsterRunStatus
    from dagster._core.test_utils import create_run_for_test

    started = time.perf_counter()
    first_day = date(2025, 1, 1)
    with DagsterInstance.get() as instance:
        for i in range(runs):
            day = (first_day + timedelta(days=i % days)).isoformat()
            status = DagsterRunStatus.FAILURE if i % 17 == 0 else DagsterRunStatus.SUCCESS
            create_run_for_test(instance, job_name="daily_pipeline", status=status, tags={"dagster/partition": day})
        for offset in range(days):
            day = (first_day + timedelta(days=offset)).isoformat()
            for stage in STAGES:
                instance.report_runless_asset_event(
                    AssetMaterialization(asset_key=AssetKey(stage), partition=day, metadata={"row_count": offset % 7})
                )
    return {"populate_seconds": round(time.perf_counter() - started, 1)}


def capture_ui_queries(base_url: str) -> list[dict[str, object]]:
    """The GraphQL requests the UI's pages send, recorded from a real browser session."""
    from playwright.sync_api import sync_playwright

    pages = {
        "runs list": "/runs",
        "asset partition status": "/assets/pull_requests?view=partitions",
        "asset catalog": "/assets",
    }
    captured: list[dict[str, object]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for page_name, path in pages.items():
            page = browser.new_page()
            seen: list[dict[str, object]] = []

            def record(request, seen=seen) -> None:  # noqa: ANN001 - playwright's request type
                if urlparse(request.url).path.endswith("/graphql") and request.method == "POST" and request.post_data:
                    seen.append(json.loads(request.post_data))

            page.on("request", record)
            page.goto(base_url + path, wait_until="networkidle")
            page.wait_for_timeout(1500)
            page.close()
            for body in seen:
                captured.append(
                    {"page": page_name, "operation": body.get("operationName") or "anonymous", "body": body}
                )
        browser.close()
    unique: dict[tuple[str, str], dict[str, object]] = {}
    for item in captured:
        unique.setdefault((str(item["page"]), str(item["operation"])), item)
    return list(unique.values())


def replay(base_url: str, query: dict[str, object], repeats: int) -> list[float]:
    data = json.dumps(query["body"]).encode()
    timings = []
    for _ in range(repeats + 2):
        request = urllib.request.Request(base_url + "/graphql", data=data, headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        timings.append((time.perf_counter() - started) * 1000)
    return timings[2:]  # the first two warm caches and connections


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# Fresh-process loads, measured in turns in the same run: the code location as Dagster loads it, the same
# definitions found by a plain module scan (no component tree, no plugin registry), and the floor (Dagster alone).
LOADS = {
    "code location (dg.load_from_defs_folder)": (
        "import achievement_pipeline.definitions as d; d.defs().resolve_asset_graph()"
    ),
    "same definitions, plain module scan": (
        "import dagster as dg, achievement_pipeline.defs as p; "
        "from achievement_pipeline.defs.resources import build_resources; "
        "dg.Definitions.merge(dg.load_definitions_from_package_module(p), "
        "dg.Definitions(resources=build_resources())).resolve_asset_graph()"
    ),
    "import dagster (floor)": "import dagster",
}


def code_location_load_seconds(repeats: int) -> dict[str, list[float]]:
    """Fresh-process time to import the code location and build its asset graph, beside two baselines."""
    timings: dict[str, list[float]] = {name: [] for name in LOADS}
    for _ in range(repeats):
        for name, code in LOADS.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=os.environ.copy())
            timings[name].append(time.perf_counter() - started)
    return timings


def _yes(flag: object) -> str:
    return "yes" if flag else "no"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    database = _create_database()
    home = Path(tempfile.mkdtemp(prefix="ui-bench-"))
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    os.environ.update(
        DAGSTER_HOME=str(home),
        DAGSTER_PG_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        ACHIEVEMENT_HOME=str(home / "achievement"),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    server = None
    try:
        setup = populate(args.runs, args.days)
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster-webserver")),
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base_url + "/server_info", timeout=2)
                break
            except OSError:
                time.sleep(1)
        queries = capture_ui_queries(base_url)
        rows = []
        for query in queries:
            timings = replay(base_url, query, args.repeats)
            rows.append(
                {
                    "page": query["page"],
                    "operation": query["operation"],
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(percentile(timings, 0.95), 1),
                    "within_target": percentile(timings, 0.95) <= TARGET_MS,
                }
            )
        loads = code_location_load_seconds(10)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        _drop_database(database)
        shutil.rmtree(home, ignore_errors=True)

    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "instance": f"PostgreSQL, {args.runs} runs, {args.days} daily partitions x {len(STAGES)} stage assets",
        "target_ms": TARGET_MS,
        "repeats": args.repeats,
        **setup,
        "queries": rows,
        "code_location_load_seconds": {
            name: {"median": round(statistics.median(values), 2), "max": round(max(values), 2)}
            for name, values in loads.items()
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ui_latency.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Dagster UI latency",
        "",
        f"{result['instance']}; each query replayed {args.repeats} times after 2 warm-ups "
        f"({result['measured_at']}, `python bench/ui_latency.py`). Target: p95 <= {TARGET_MS:.0f} ms.",
        "",
        "| page | GraphQL operation | p50 ms | p95 ms | within target |",
        "|---|---|---|---|---|",
        *[
            f"| {r['page']} | {r['operation']} | {r['p50_ms']} | {r['p95_ms']} | {_yes(r['within_target'])} |"
            for r in rows
        ],
        "",
        "Code location load in a fresh process (import + Definitions + asset graph), 10 runs each, in turns "
        "(target <= 2 s):",
        "",
        "| load | median s | max s | vs. the floor |",
        "|---|---|---|---|",
        *[
            f"| {name} | {v['median']} | {v['max']} | "
            f"{v['median'] / result['code_location_load_seconds']['import dagster (floor)']['median']:.2f}x |"
            for name, v in result["code_location_load_seconds"].items()
        ],
        "",
    ]
    (RESULTS / "ui_latency.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
