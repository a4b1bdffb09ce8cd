"""Refresh the portfolio images the README shows, from the demo's latest export.

    make demo && .venv/bin/python docs/portfolio_images.py

Writes docs/portfolio-html-top.png and docs/portfolio-html.png (the page in Debian's chromium,
through Playwright), docs/executive-summary.png, and one docs/portfolio-pdf-page-NN.png per PDF
page (poppler's pdftoppm), removing pages the PDF no longer has.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXPORT = ROOT / ".achievement" / "exports" / "portfolio" / "octo-demo" / "2025-01-01_2025-03-31"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, default=EXPORT, help="the export folder of one portfolio")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto((args.export / "portfolio.html").as_uri())
        page.screenshot(path=DOCS / "portfolio-html-top.png")
        page.screenshot(path=DOCS / "portfolio-html.png", full_page=True)
        page.goto((args.export / "executive-summary.html").as_uri())
        page.screenshot(path=DOCS / "executive-summary.png")
        browser.close()
    for old in DOCS.glob("portfolio-pdf-page-*.png"):
        old.unlink()
    pdf = args.export / "portfolio.pdf"
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(DOCS / "portfolio-pdf-page")], check=True)
    pages = sorted(DOCS.glob("portfolio-pdf-page-*.png"))
    print(f"{len(pages)} PDF pages written to {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
