"""The HTML portfolio in a real browser (Debian's chromium through Playwright).

Static checks of the markup live in test_reports.py; these prove what a reader's browser
actually does with it: the charts paint, and hostile PR text neither runs script nor
fetches anything, even with scripts allowed and the network one hop away.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from achievement_pipeline.export import reports
from tests.test_reports import local_server, make_hostile_portfolio, make_sample_portfolio  # noqa: F401

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed; .ci/run should install Debian's chromium", pytrace=False)
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser: Any, html: str, tmp_path: Path) -> tuple[Any, list[str], list[str]]:
    """Load the HTML from a file; record every request beyond the file itself, and every dialog."""
    page_file = tmp_path / "portfolio.html"
    page_file.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url != page_file.as_uri() else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    return page, requests, dialogs


def _distinct_colours(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(set(image.getdata()))


def test_the_charts_paint_in_a_browser(browser, tmp_path):
    page, _, _ = _open(browser, reports.render_html(make_sample_portfolio()), tmp_path)
    charts = page.locator("svg")
    assert charts.count() >= 2
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
        assert _distinct_colours(chart.screenshot()) > 3  # bars and labels, not an empty box
    bars = page.locator("svg rect")
    assert bars.count() >= 3
    page.screenshot(path=str(tmp_path / "portfolio.png"), full_page=True)
    page.close()


def test_hostile_pr_text_runs_no_script_in_a_browser(browser, tmp_path, local_server):  # noqa: F811
    base, _ = local_server
    page, _, dialogs = _open(browser, reports.render_html(make_hostile_portfolio(f"{base}/x")), tmp_path)
    page.mouse.move(400, 300)
    page.mouse.click(400, 300)
    assert dialogs == []
    page.close()


def test_hostile_pr_text_fetches_nothing_in_a_browser(browser, tmp_path, local_server):  # noqa: F811
    base, hits = local_server
    page, requests, _ = _open(browser, reports.render_html(make_hostile_portfolio(f"{base}/x")), tmp_path)
    page.close()
    assert requests == [] and hits == []
