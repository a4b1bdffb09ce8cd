"""The Dagster UI as people use it: `achievement-ui` on loopback, driven in Debian's chromium by Playwright.

The module starts the way a newcomer does: the demo pipeline runs first (one month, against
a fake GitHub on a loopback port that the tests can add merged PRs to), then `achievement-ui`
(dagster dev with the daemon, plus the export server). Each test is one thing a person does in
the UI. Screenshots are kept under .achievement/test-artifacts/ui (ACHIEVEMENT_TEST_ARTIFACTS);
with ACHIEVEMENT_UPDATE_DOCS=1 the ones the README shows are copied into docs/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.local_processes import environment_without_settings, free_port
from tests.test_reports_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow  # drives the Dagster UI in Chromium over a demo month (about 250 s)

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio"]
DEMO_MONTH = ("2025-01-01", "2025-01-31")
ARTIFACTS = Path(os.environ.get("ACHIEVEMENT_TEST_ARTIFACTS", ROOT / ".achievement" / "test-artifacts")) / "ui"
RUNS_QUERY = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter, limit: 20) {
    ... on Runs { results { runId pipelineName status tags { key value } assetSelection { path } } }
  }
}"""

TICKS_QUERY = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    ... on Sensor { sensorState { status ticks(limit: 20) { status skipReason runIds } } }
  }
}"""


def _graphql(base_url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{base_url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def snapshot(page: Any, name: str, *, docs: str | None = None) -> None:
    """Keep a screenshot as a test artifact; with ACHIEVEMENT_UPDATE_DOCS=1 also as docs/<docs>."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if docs and os.environ.get("ACHIEVEMENT_UPDATE_DOCS") == "1":
        shutil.copy(path, ROOT / "docs" / docs)


@dataclass
class UI:
    url: str
    exports_url: str
    fake_github: Any

    def runs(self, *, tags: dict[str, str] | None = None) -> list[dict[str, Any]]:
        tag_filter = [{"key": k, "value": v} for k, v in (tags or {}).items()]
        return _graphql(self.url, RUNS_QUERY, {"filter": {"tags": tag_filter}})["runsOrError"]["results"]

    def wait_for_runs(
        self, select: Callable[[dict[str, Any]], bool], *, tags: dict[str, str] | None = None, timeout: float = 300
    ) -> list[dict[str, Any]]:
        """The selected runs once there is at least one and all have finished."""
        deadline = time.monotonic() + timeout
        while True:
            runs = [run for run in self.runs(tags=tags) if select(run)]
            if runs and all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs):
                return runs
            assert time.monotonic() < deadline, f"no finished run within {timeout:.0f} s: {runs}"
            time.sleep(3)

    def wait_for_tick(self, select: Callable[[dict[str, Any]], bool], timeout: float = 180) -> dict[str, Any]:
        """The newest tick of the new-PR sensor that ``select`` accepts."""
        selector = {
            "repositoryLocationName": "achievement_pipeline",
            "repositoryName": "__repository__",
            "sensorName": "new_merged_prs",
        }
        deadline = time.monotonic() + timeout
        while True:
            sensor = _graphql(self.url, TICKS_QUERY, {"selector": selector})["sensorOrError"]
            ticks = [tick for tick in sensor["sensorState"]["ticks"] if select(tick)]
            if ticks:
                return ticks[0]
            assert time.monotonic() < deadline, f"no such tick within {timeout:.0f} s: {sensor}"
            time.sleep(2)


def materializes(*assets: str) -> Callable[[dict[str, Any]], bool]:
    """Selects runs whose asset selection is exactly ``assets``."""
    return lambda run: sorted(key["path"][-1] for key in run["assetSelection"] or []) == sorted(assets)


def _tag(run: dict[str, Any], key: str) -> str | None:
    return next((tag["value"] for tag in run["tags"] if tag["key"] == key), None)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UI]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed; .ci/run should install Debian's chromium", pytrace=False)
        pytest.skip("chromium is not installed")
    from achievement_pipeline.fakes.github import FakeGitHub
    from achievement_pipeline.fakes.github.history import generate_history

    home = tmp_path_factory.mktemp("ui-home")
    (home / "dagster").mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    port, exports_port = free_port(), free_port()
    with FakeGitHub(generate_history(seed=42)) as fake:
        env = environment_without_settings()
        env.update(
            DAGSTER_HOME=str(home / "dagster"),
            ACHIEVEMENT_HOME=str(home),
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            GITHUB_API_URL=fake.base_url,
            GITHUB_TOKEN="test-token-not-secret",
            ACHIEVEMENT_GITHUB_USER="octo-demo",
            ACHIEVEMENT_GITHUB_REQUEST_SPACING="0",
            ACHIEVEMENT_GITHUB_POLL_SECONDS="5",
        )
        bin_dir = Path(sys.executable).parent
        demo = subprocess.run(
            [str(bin_dir / "achievement-demo"), "--start", DEMO_MONTH[0], "--end", DEMO_MONTH[1]],
            cwd=ROOT,
            env={**env, "ACHIEVEMENT_EXPORT_BASE_URL": f"http://127.0.0.1:{exports_port}"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-4000:]
        server = _start(
            [str(bin_dir / "achievement-ui"), "--port", str(port), "--exports-port", str(exports_port)],
            env,
            home / "ui.log",
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if _graphql(base_url, "{ assetNodes { assetKey { path } } }")["assetNodes"]:
                        break
                except (OSError, KeyError, TypeError):
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    log = (home / "ui.log").read_text()[-3000:]
                    pytest.fail(f"achievement-ui did not serve the code location within 180 s:\n{log}", pytrace=False)
                time.sleep(2)
            yield UI(url=base_url, exports_url=f"http://127.0.0.1:{exports_port}", fake_github=fake)
        finally:
            _stop(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    yield context.new_page()
    context.close()


def test_the_lineage_graph_shows_every_stage(ui, page):
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{ui.url}/assets/portfolio?view=lineage&lineageScope=upstream&lineageDepth=10")
    # validated_achievements is drawn truncated ("validated_achiev…"), so its neighbours stand for it.
    for stage in ["pull_requests", "enriched_prs", "pr_models", "predictions", "valuations", "portfolio"]:
        page.get_by_text(stage, exact=True).first.wait_for(timeout=60_000)
    snapshot(page, "lineage", docs="ui-lineage.png")


def test_every_stage_page_says_what_it_does_and_when_it_last_ran(ui, page):
    from dagster import AssetKey

    from achievement_pipeline import definitions as code_location

    graph = code_location.defs().resolve_asset_graph()
    for stage in STAGES:
        page.goto(f"{ui.url}/assets/{stage}", wait_until="networkidle")
        description = graph.get(AssetKey(stage)).description or ""
        page.get_by_text(description[:60], exact=False).first.wait_for(timeout=30_000)
        page.get_by_text("Latest materialization").first.wait_for(timeout=30_000)
        assert page.get_by_text("row_count" if stage != "portfolio" else "headline").count() > 0, stage
    snapshot(page, "portfolio-asset", docs="ui-portfolio-asset.png")


def test_the_export_asset_links_to_the_portfolio_it_wrote(ui, page):
    page.goto(f"{ui.url}/assets/portfolio", wait_until="networkidle")
    row = page.locator("tr", has_text="portfolio_html").first
    row.wait_for(timeout=30_000)
    link = row.locator(f"a[href^='{ui.exports_url}'][href$='portfolio.html']").first
    if link.get_attribute("target") == "_blank":
        with page.context.expect_page() as opened:
            link.click()
        portfolio = opened.value
    else:
        link.click()
        portfolio = page
    portfolio.wait_for_url(f"{ui.exports_url}/**", timeout=30_000)
    portfolio.wait_for_load_state()
    assert portfolio.url.startswith(ui.exports_url)
    assert "octo-demo" in portfolio.title() + portfolio.inner_text("body")
    portfolio.get_by_text("Achievements", exact=False).first.wait_for(timeout=10_000)
    snapshot(portfolio, "portfolio-from-link", docs="ui-portfolio-link.png")
    pdf = portfolio.url.removesuffix("portfolio.html") + "portfolio.pdf"
    with urllib.request.urlopen(pdf, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/pdf" and response.read(5) == b"%PDF-"


def test_materializing_one_partition_from_the_asset_page_runs_it(ui, page):
    page.goto(f"{ui.url}/assets/pull_requests", wait_until="networkidle")
    page.get_by_role("button", name="Materialize", exact=False).first.click()
    page.get_by_text("Show all partitions").click()
    box = page.locator("[role=dialog] input[type=text]").first
    box.fill("2025-02-10")
    box.press("Enter")
    snapshot(page, "materialize-partition", docs="ui-materialize-partition.png")
    page.get_by_role("button", name="Launch 1 run").click()

    runs = ui.wait_for_runs(materializes("pull_requests"), tags={"dagster/partition": "2025-02-10"}, timeout=240)
    assert [run["status"] for run in runs] == ["SUCCESS"]


def test_the_later_stages_follow_an_ingested_partition_by_themselves(ui, page):
    """After the test above: the follow_ingest sensor carries 2025-02-10 through every later stage."""
    followers = ui.wait_for_runs(
        lambda run: (
            "portfolio" in {key["path"][-1] for key in run["assetSelection"] or []}
            and _tag(run, "dagster/asset_partition_range_start") in ("2025-02-10", None)
            and _tag(run, "dagster/partition") in ("2025-02-10", None)
            and _tag(run, "achievement/trigger") == "follows-ingest"
        ),
        timeout=300,
    )
    assert [run["status"] for run in followers] == ["SUCCESS"]
    assert materializes(*STAGES[1:])(followers[0])
    page.goto(f"{ui.url}/runs/{followers[0]['runId']}", wait_until="networkidle")
    page.get_by_text("portfolio", exact=True).first.wait_for(timeout=30_000)
    snapshot(page, "automation-run", docs="ui-automation-run.png")


def test_a_seven_day_backfill_from_the_partitions_dialog_is_one_run(ui, page):
    page.goto(f"{ui.url}/assets/pull_requests", wait_until="networkidle")
    page.get_by_role("button", name="Materialize", exact=False).first.click()
    page.get_by_text("Show all partitions").click()
    box = page.locator("[role=dialog] input[type=text]").first
    box.fill("[2025-02-17...2025-02-23]")
    box.press("Enter")
    page.get_by_text("7 partitions").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Launch backfill").click()
    page.wait_for_timeout(1000)
    snapshot(page, "backfill")

    runs = ui.wait_for_runs(
        materializes("pull_requests"), tags={"dagster/asset_partition_range_start": "2025-02-17"}, timeout=300
    )
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS"
    assert _tag(runs[0], "dagster/asset_partition_range_end") == "2025-02-23"
    page.goto(f"{ui.url}/assets/pull_requests?view=partitions", wait_until="networkidle")
    snapshot(page, "partitions", docs="ui-partitions.png")


def test_turning_the_sensor_on_runs_the_days_of_new_prs(ui, page):
    from achievement_pipeline.fakes.github.changes import new_merged_pull

    sensor_page = f"{ui.url}/locations/achievement_pipeline/sensors/new_merged_prs"
    page.goto(sensor_page, wait_until="networkidle")
    # The switch is a styled label around a hidden checkbox: click what is drawn.
    page.locator("input[type=checkbox]").first.locator("xpath=..").click()
    page.wait_for_function("() => document.querySelector('input[type=checkbox]').checked", timeout=30_000)
    # The first tick only sets the baseline (history is for backfills); wait for it.
    ui.wait_for_tick(lambda tick: "first look at" in (tick["skipReason"] or ""))

    now = datetime.now(UTC)
    history = ui.fake_github.history
    ui.fake_github.apply(
        [
            new_merged_pull(history, repo="acme/web-app", author="octo-demo", merged_at=now),
            new_merged_pull(history, repo="acme/web-app", author="octo-demo", merged_at=now, number=99_999),
        ]
    )
    today = now.date().isoformat()
    runs = ui.wait_for_runs(
        lambda run: run["pipelineName"] == "collect_prs", tags={"achievement/trigger": "new-merged-prs"}, timeout=240
    )
    assert [(_tag(run, "dagster/partition"), run["status"]) for run in runs] == [(today, "SUCCESS")]
    assert _tag(runs[0], "achievement/changed-prs") == "2"
    requested = ui.wait_for_tick(lambda tick: tick["status"] == "SUCCESS" and tick["runIds"])
    assert requested["runIds"] == [runs[0]["runId"]]
    page.goto(sensor_page, wait_until="networkidle")
    page.get_by_text("Running", exact=True).first.wait_for(timeout=30_000)
    page.wait_for_timeout(2000)
    snapshot(page, "sensor-tick", docs="ui-sensor-tick.png")
