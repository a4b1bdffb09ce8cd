"""How long enrich takes for 1,000 PRs against a provider that needs 1 s an answer, one at a time and concurrently.

    .venv/bin/python bench/llm_concurrency.py [--prs 1000] [--sequential-prs 100] [--latency 1.0] [--also 8]

The provider is the tests' fake OpenAI-compatible server (``tests/fake_llm.py``: the real
``/v1/chat/completions`` protocol over HTTP, a thread per connection, every answer after
``--latency`` seconds), which records how many requests it was working on at once. It runs in a
process of its own, as a provider is remote: its threads do not compete with the pipeline's. The PRs are
vitejs/vite's newest merged PRs (../shared/data/vite-prs.jsonl, MIT: title, body, files), all merged
on one day, so one partition holds them all. The ``enriched_prs`` asset is materialized by Dagster
as a run does it (features, the narratives through litellm's Router, the number checks, the
warehouse write), each mode with a fresh warehouse and LLM cache, so every narrative is a provider call:

- ``sequential``: ``ACHIEVEMENT_LLM_CONCURRENCY=1``, the baseline (how enrich ran before). At 1 s a
  PR, 1,000 PRs take about 17 minutes, so by default it runs on the first ``--sequential-prs`` of
  them and the comparison is per PR; ``--sequential-prs 1000`` measures the whole set.
- ``concurrent``: the default ``ACHIEVEMENT_LLM_CONCURRENCY``, on all ``--prs``.
- ``--also``: other concurrencies on all ``--prs`` for comparison (by default 8: with every answer
  taking the same time, n requests in flight can be at most n times faster, so 8 shows the ceiling
  that made the default higher).

Both run in this one process, one after the other, after a warm-up run on four PRs (imports and
litellm's and Dagster's first-call set-up, paid by neither measurement). The rows the concurrent run writes for the
baseline's PRs are compared with the baseline's. Results: bench/results/llm_concurrency.{md,json}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from achievement_pipeline.core import settings  # noqa: E402

for _name in ("LITELLM_LOCAL_MODEL_COST_MAP", "GX_ANALYTICS_ENABLED", "MLFLOW_DISABLE_TELEMETRY"):
    settings.offline_default(_name)

from tests.factories import make_pr  # noqa: E402
from tests.fake_llm import NARRATIVE, FakeLLMProvider  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
DAY = "2025-01-03"
MODEL = "openai/gpt-4o-mini"


def vite_prs(count: int) -> list[dict[str, Any]]:
    """The newest ``count`` merged vite PRs as pull_requests rows, all merged on DAY."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda row: -int(row["number"]))
    prs = []
    for row in rows[:count]:
        number = int(row["number"])
        files = [
            {"filename": f["filename"], "status": "modified", "additions": f["additions"], "deletions": f["deletions"]}
            for f in row["files"][:50]
        ]
        prs.append(
            dict(
                make_pr(
                    number,
                    pr_id=f"vitejs/vite#{number}",
                    repo="vitejs/vite",
                    url=f"https://github.com/vitejs/vite/pull/{number}",
                    title=row["title"],
                    body=row["body"] or "",
                    additions=row["additions"],
                    deletions=row["deletions"],
                    changed_files=row["changed_files"],
                    files=files,
                    labels=[],
                    linked_issues=[],
                )
            )
        )
    return prs


def answer_naming_the_pr(request: dict[str, Any]) -> dict[str, Any]:
    """A valid narrative that quotes the PR's title, so a PR given another PR's answer would show."""
    facts = json.loads(request["messages"][-1]["content"])["pull_request"]
    title = " ".join(str(facts["title"]).split())[:200]
    return {**NARRATIVE, "summary": f"Worked on: {title}.", "achievement": f"Shipped {title}"[:290]}


def _serve(conn: Connection, latency: float) -> None:
    """The child process: the fake provider until the parent asks for its tally."""
    with FakeLLMProvider(reply=answer_naming_the_pr, latency_seconds=latency) as provider:
        conn.send(provider.base_url)
        conn.recv()
        conn.send({"requests": len(provider.requests), "max_in_flight": provider.max_in_flight})


@contextlib.contextmanager
def provider_process(latency: float) -> Iterator[tuple[str, dict[str, int]]]:
    """The fake provider's base URL; the tally dict is filled in (requests, max_in_flight) when the block ends."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, latency), daemon=True)
    process.start()
    tally: dict[str, int] = {}
    try:
        yield parent.recv(), tally
        parent.send("tally")
        tally.update(parent.recv())
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()


def enrich(prs: list[dict[str, Any]], concurrency: int, latency: float, home: Path) -> dict[str, Any]:
    """Materialize enriched_prs for DAY over ``prs`` with a fresh warehouse and cache under ``home``."""
    from dagster import DagsterInstance, materialize

    from achievement_pipeline.defs.enrich.assets import enriched_prs
    from achievement_pipeline.resources.cache import CacheResource
    from achievement_pipeline.resources.llm import LLMResource
    from achievement_pipeline.resources.warehouse import WarehouseResource

    os.environ["ACHIEVEMENT_HOME"] = str(home)
    warehouse = WarehouseResource()
    warehouse.get().replace_window("pull_requests", date(2025, 1, 3), date(2025, 1, 4), prs)
    with provider_process(latency) as (base_url, tally):
        llm = LLMResource(providers=[MODEL], api_base=base_url, concurrency=concurrency)
        with DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            result = materialize(
                [enriched_prs],
                partition_key=DAY,
                instance=instance,
                resources={"llm": llm, "cache": CacheResource(), "warehouse": warehouse},
            )
            seconds = time.perf_counter() - started
    assert result.success
    metadata = {k: v.value for k, v in result.asset_materializations_for_node("enriched_prs")[0].metadata.items()}
    rows = warehouse.get().read_all("enriched_prs")
    return {
        "prs": len(prs),
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "seconds_per_pr": round(seconds / len(prs), 4),
        "prs_per_second": round(len(prs) / seconds, 3),
        "provider_requests": tally["requests"],
        "max_in_flight": tally["max_in_flight"],
        "llm_calls": metadata["llm_calls"],
        "llm_fallbacks": metadata["llm_fallbacks"],
        "llm_cost_usd": metadata["llm_cost_usd"],
        "by_model": metadata["llm_models"],
        "_rows": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    seq, con = result["sequential"], result["concurrent"]
    subset = seq["prs"] < con["prs"]
    lines = [
        "# The enrich stage, one PR at a time and concurrently, against a provider that answers in "
        f"{result['latency_seconds']:g} s",
        "",
        f"Measured {result['measured_at']} with `python bench/llm_concurrency.py` (2 cores, shared), both modes in one "
        f"run. {con['prs']:,} vitejs/vite PRs merged on one day; the fake OpenAI-compatible provider "
        f"(`tests/fake_llm.py`, in a process of its own) answers every request after {result['latency_seconds']:g} s, "
        "a thread per connection. "
        "The `enriched_prs` asset is materialized by Dagster with a fresh warehouse and LLM cache per mode, so every "
        "narrative is a provider call.",
        "",
    ]
    if subset:
        lines += [
            f"**The one-at-a-time baseline ran on the first {seq['prs']:,} of the {con['prs']:,} PRs** (at "
            f"{result['latency_seconds']:g} s a PR the whole set takes about "
            f"{con['prs'] * seq['seconds_per_pr'] / 60:.0f} minutes); the comparison is per PR. "
            "`--sequential-prs 1000` measures the whole set.",
            "",
        ]
    lines += [
        "| mode | concurrency | PRs | wall time | s per PR | PRs per s | speed-up per PR | provider requests "
        "| most in flight at the provider |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    runs = [("one at a time (baseline)", seq), ("concurrent (the default)", con)]
    runs += [("concurrent", run) for run in result["also"]]
    for name, run in runs:
        lines.append(
            f"| {name} | {run['concurrency']} | {run['prs']:,} | {run['seconds']:.1f} s | {run['seconds_per_pr']:.3f} "
            f"| {run['prs_per_second']:.2f} | {seq['seconds_per_pr'] / run['seconds_per_pr']:.2f}× "
            f"| {run['provider_requests']:,} | {run['max_in_flight']} |"
        )
    lines += [
        "",
        f"**Speed-up: {result['speedup']:.2f}×** per PR ({seq['seconds_per_pr']:.3f} s → {con['seconds_per_pr']:.3f} s)"
        + (
            f"; {con['prs']:,} PRs take {con['seconds'] / 60:.1f} minutes instead of an estimated "
            f"{con['prs'] * seq['seconds_per_pr'] / 60:.1f}."
            if subset
            else f"; {con['prs']:,} PRs take {con['seconds'] / 60:.1f} minutes instead of {seq['seconds'] / 60:.1f}."
        ),
        "",
        f"- The provider never saw more than {con['max_in_flight']} requests at once "
        f"(`ACHIEVEMENT_LLM_CONCURRENCY={con['concurrency']}`), one per PR: {con['provider_requests']:,} requests, "
        f"{con['llm_calls']:,} answers, {con['llm_fallbacks']} offline fallbacks.",
        f"- The rows of the {seq['prs']:,} PRs both runs wrote are "
        f"{'identical' if result['rows_identical'] else 'NOT identical'} (text, authorship, flagged numbers, order).",
        "- The ceiling is the concurrency itself: n requests in flight finish at most n PRs in the time one takes. "
        "Below it: every answer takes the same time here, so the PRs in flight come back together and each waits "
        "for the others' share of the pipeline's own work on the one event loop (litellm's handling of a request "
        "and its answer, the cache) before its next request leaves; the first PR is asked alone (a provider is on "
        "trial until it has answered once); and the rest of the stage (features, number checks, the warehouse "
        f"write) does not overlap. So 8 at once stays under 8×, and the default is {con['concurrency']}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=1000)
    parser.add_argument("--sequential-prs", type=int, default=100, help="PRs of the one-at-a-time baseline")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the fake provider takes per answer")
    parser.add_argument("--also", default="8", help="other concurrencies to compare, comma-separated ('' for none)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from achievement_pipeline.resources.llm import LLMResource

    default_concurrency = LLMResource().concurrency
    prs = vite_prs(args.prs)
    with tempfile.TemporaryDirectory(prefix="llm-concurrency-") as scratch:
        # Imports, Dagster's and litellm's first-call set-up: paid here, outside both measurements.
        enrich(prs[:4], 1, 0.0, Path(scratch) / "warm-up")
        sequential = enrich(prs[: args.sequential_prs], 1, args.latency, Path(scratch) / "sequential")
        print(f"one at a time: {sequential['prs']} PRs in {sequential['seconds']:.1f} s", flush=True)
        concurrent = enrich(prs, default_concurrency, args.latency, Path(scratch) / "concurrent")
        print(
            f"concurrency {default_concurrency}: {concurrent['prs']} PRs in {concurrent['seconds']:.1f} s", flush=True
        )
        also = []
        for concurrency in sorted({int(c) for c in args.also.split(",") if c.strip()} - {1, default_concurrency}):
            also.append(enrich(prs, concurrency, args.latency, Path(scratch) / f"concurrency-{concurrency}"))
            print(f"concurrency {concurrency}: {also[-1]['prs']} PRs in {also[-1]['seconds']:.1f} s", flush=True)
            also[-1].pop("_rows")
    baseline_ids = {row["pr_id"] for row in sequential["_rows"]}
    same = [row for row in concurrent.pop("_rows") if row["pr_id"] in baseline_ids] == sequential.pop("_rows")
    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "latency_seconds": args.latency,
        "sequential_subset": args.sequential_prs < args.prs,
        "sequential": sequential,
        "concurrent": concurrent,
        "speedup": round(sequential["seconds_per_pr"] / concurrent["seconds_per_pr"], 2),
        "rows_identical": same,
        "also": also,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "llm_concurrency.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "llm_concurrency.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
