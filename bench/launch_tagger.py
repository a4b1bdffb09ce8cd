"""What the launch tagger adds to a UI request: the same GraphQL requests straight to dagster-webserver and through it.

    .venv/bin/python bench/launch_tagger.py [--rounds 100]

dagster-webserver serves the project's code location on an instance of its own (runs are queued and
never started: ``max_concurrent_runs: 0``); ``achievement-launch-tagger`` forwards to it, as in each
webserver pod of the deployment. Each round sends every request once straight to the webserver and
once through the tagger, in turns, so both see the same instance and the same load:

- the UI's version probe (the smallest request: what the hop itself costs);
- the asset graph of the code location (a large answer, streamed through);
- the runs list (50 runs with their tags);
- a launch of ``collect_prs`` for one day (parsed, stamped with the login and re-sent by the tagger).

Medians and 95th percentiles per request, the milliseconds added and the ratio. Results:
bench/results/launch_tagger.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
LOCATION = "achievement_pipeline"

REQUESTS: dict[str, dict[str, Any]] = {
    "version probe": {"query": "{ version }"},
    "asset graph": {
        "query": "{ assetNodes { id assetKey { path } groupName description opNames jobNames "
        "dependencyKeys { path } dependedByKeys { path } partitionDefinition { description } } }"
    },
    "runs list (50 runs)": {
        "query": "{ runsOrError(limit: 50) { ... on Runs { results { runId status jobName tags { key value } } } } }"
    },
    "launch one day": {
        "query": "mutation L($p: ExecutionParams!) { launchPipelineExecution(executionParams: $p) { __typename } }",
        "variables": {
            "p": {
                "selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__",
                             "jobName": "collect_prs"},
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2025-01-02"}]},
            }
        },
    },
}  # fmt: skip


def _free_port() -> int:
    from tests.local_processes import free_port

    return free_port()


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _wait(url: str) -> None:
    from tests.local_processes import answers

    deadline = time.monotonic() + 180
    while not answers(url):
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer")
        time.sleep(0.3)


def measure(rounds: int) -> dict[str, Any]:
    from tests.local_processes import environment_without_settings

    with tempfile.TemporaryDirectory(prefix="launch-tagger-bench-") as scratch:
        home = Path(scratch)
        (home / "dagster").mkdir()
        queue = {"max_concurrent_runs": 0}
        coordinator = {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator", "config": queue}
        instance = {"run_coordinator": coordinator, "telemetry": {"enabled": False}}
        (home / "dagster" / "dagster.yaml").write_text(yaml.safe_dump(instance))
        location = {"python_module": {"module_name": "achievement_pipeline.definitions", "working_directory": str(ROOT),
                                      "location_name": LOCATION}}  # fmt: skip
        (home / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [location]}))
        env = {**environment_without_settings(), "DAGSTER_HOME": str(home / "dagster"), "ACHIEVEMENT_HOME": str(home)}
        webserver_port, tagger_port = _free_port(), _free_port()
        webserver = f"http://127.0.0.1:{webserver_port}"
        tagger = f"http://127.0.0.1:{tagger_port}"
        processes = [
            _start([str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(webserver_port),
                    "-w", str(home / "workspace.yaml")], env),
            _start([str(BIN / "achievement-launch-tagger"), "--port", str(tagger_port), "--upstream", webserver], env),
        ]  # fmt: skip
        try:
            _wait(f"{tagger}/server_info")
            return _rounds(webserver, tagger, rounds)
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def _rounds(webserver: str, tagger: str, rounds: int) -> dict[str, Any]:
    headers = {"X-Forwarded-User": "octocat"}
    times: dict[str, dict[str, list[float]]] = {name: {"direct": [], "tagger": []} for name in REQUESTS}
    with httpx.Client(timeout=120) as client:
        for _ in range(50):  # runs for the runs list (queued, never started)
            client.post(f"{webserver}/graphql", json=REQUESTS["launch one day"]).raise_for_status()
        for round_number in range(rounds + 3):  # the first three warm caches and are not counted
            for name, body in REQUESTS.items():
                order = [("direct", webserver), ("tagger", tagger)]
                for path, base in order if round_number % 2 else order[::-1]:
                    started = time.perf_counter()
                    response = client.post(f"{base}/graphql", json=body, headers=headers)
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
                    if round_number >= 3:
                        times[name][path].append(elapsed * 1000)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def summarise(times: dict[str, dict[str, list[float]]], rounds: int) -> dict[str, Any]:
    rows = {}
    for name, paths in times.items():
        direct, through = paths["direct"], paths["tagger"]
        rows[name] = {
            "direct_p50_ms": statistics.median(direct),
            "direct_p95_ms": _p95(direct),
            "tagger_p50_ms": statistics.median(through),
            "tagger_p95_ms": _p95(through),
            "added_p50_ms": statistics.median(through) - statistics.median(direct),
            "ratio_p50": statistics.median(through) / statistics.median(direct),
        }
    return {"rounds": rounds, "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "requests": rows}


def write(summary: dict[str, Any]) -> None:
    lines = [
        "# The launch tagger's cost per UI request",
        "",
        f"dagster-webserver with the project's code location, each request {summary['rounds']} times straight to it "
        f"and {summary['rounds']} times through `achievement-launch-tagger`, in turns on one 2-core machine "
        f"({summary['at']}, `python bench/launch_tagger.py`).",
        "",
        "| request | direct p50 ms | direct p95 ms | through the tagger p50 ms | p95 ms | added p50 ms | ratio p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in summary["requests"].items():
        lines.append(
            f"| {name} | {row['direct_p50_ms']:.1f} | {row['direct_p95_ms']:.1f} | {row['tagger_p50_ms']:.1f} | "
            f"{row['tagger_p95_ms']:.1f} | {row['added_p50_ms']:+.1f} | {row['ratio_p50']:.2f} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "launch_tagger.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "launch_tagger.json").write_text(json.dumps(summary, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="times each request is sent on each path")
    args = parser.parse_args()
    write(summarise(measure(args.rounds), args.rounds))
    print((RESULTS / "launch_tagger.md").read_text())


if __name__ == "__main__":
    main()
