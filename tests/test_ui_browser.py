"""The Dagster UI as people use it: `dagster dev` on loopback, driven in Debian's chromium by Playwright.

One `dagster dev` for the module (its start-up is the slow part); each test is one thing a
person does in the UI. The embedded defaults apply: the built-in fake GitHub, SQLite, no network.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_reports_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _graphql(base_url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{base_url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed; .ci/run should install Debian's chromium", pytrace=False)
        pytest.skip("chromium is not installed")
    home = tmp_path_factory.mktemp("ui-home")
    (home / "dagster").mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACHIEVEMENT_", "MLFLOW_"))}
    env.update(DAGSTER_HOME=str(home / "dagster"), ACHIEVEMENT_HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True")
    port = _free_port()
    dagster = Path(sys.executable).with_name("dagster")
    server = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                nodes = _graphql(base_url, "{ assetNodes { assetKey { path } } }")["assetNodes"]
                if nodes:
                    break
            except (OSError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("dagster dev did not serve the code location within 180 s", pytrace=False)
            time.sleep(2)
        yield base_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_the_lineage_graph_shows_every_stage(dagster_ui, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{dagster_ui}/assets/portfolio?view=lineage&lineageScope=upstream&lineageDepth=10")
    for stage in ["pull_requests", "enriched_prs", "pr_models", "predictions", "valuations", "portfolio"]:
        page.get_by_text(stage, exact=True).first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "lineage.png"))
    page.close()


def test_materializing_one_partition_from_the_asset_page_runs_it(dagster_ui, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    page.goto(f"{dagster_ui}/assets/pull_requests", wait_until="networkidle")
    page.get_by_role("button", name="Materialize", exact=False).first.click()
    page.get_by_text("Show all partitions").click()
    box = page.locator("[role=dialog] input[type=text]").first
    box.fill("2025-01-06")
    box.press("Enter")
    page.get_by_role("button", name="Launch 1 run").click()
    page.screenshot(path=str(tmp_path / "launched.png"))
    page.close()

    query = "{ runsOrError(limit: 1) { ... on Runs { results { status tags { key value } } } } }"
    deadline = time.monotonic() + 240
    while True:
        runs = _graphql(dagster_ui, query)["runsOrError"]["results"]
        if runs and runs[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        assert time.monotonic() < deadline, f"the run did not finish within 240 s: {runs}"
        time.sleep(2)
    assert runs[0]["status"] == "SUCCESS"
    assert {"key": "dagster/partition", "value": "2025-01-06"} in runs[0]["tags"]


def test_a_seven_day_backfill_from_the_partitions_dialog_is_one_run(dagster_ui, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    page.goto(f"{dagster_ui}/assets/pull_requests", wait_until="networkidle")
    page.get_by_role("button", name="Materialize", exact=False).first.click()
    page.get_by_text("Show all partitions").click()
    box = page.locator("[role=dialog] input[type=text]").first
    box.fill("[2025-02-03...2025-02-09]")
    box.press("Enter")
    page.get_by_text("7 partitions").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Launch backfill").click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "backfill.png"))
    page.close()

    query = "{ runsOrError(limit: 5) { ... on Runs { results { status tags { key value } } } } }"
    deadline = time.monotonic() + 300
    while True:
        runs = [
            run
            for run in _graphql(dagster_ui, query)["runsOrError"]["results"]
            if {"key": "dagster/asset_partition_range_start", "value": "2025-02-03"} in run["tags"]
        ]
        if runs and all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs):
            break
        assert time.monotonic() < deadline, f"the backfill did not finish within 300 s: {runs}"
        time.sleep(3)
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS"
    assert {"key": "dagster/asset_partition_range_end", "value": "2025-02-09"} in runs[0]["tags"]
