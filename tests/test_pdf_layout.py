"""Page layout of the portfolio PDF: no page but the last is left mostly blank.

A page is judged the way a reader judges it: by how far down its content area the ink
reaches. Each page is rasterised with poppler (``pdftoppm -r 40 -gray``), the @page margins
(running footer included) are cropped away, and the page's *fill* is the share of the content
area's height from its top down to the lowest inked row. A table that cannot split, a card
pushed whole onto the next page or a forced page break shows up as a low fill.

Two documents are rendered with the real ``render_html`` and ``render_pdf``: the sample of
tests/test_reports.py, and a large one (80 pull requests, long statements, summaries and
evidence, long appendices) in which every long table has to split across pages.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from achievement_pipeline.export import reports
from achievement_pipeline.export.breakdowns import quarters
from tests import test_reports
from tests.test_reports import make_sample_portfolio, poppler_tool

pytestmark = pytest.mark.slow  # renders and rasterises a 9-page and a 26-page PDF (about 25 s)

# The page box of print.css: A4 with margins 16 mm (top) and 18 mm (bottom, holding the footer).
PAGE_HEIGHT_MM = 297.0
MARGIN_TOP_MM = 16.0
MARGIN_BOTTOM_MM = 18.0
DPI = 40
INK = 200  # grey levels below this count as ink (text, bars, dark rules); 255 is paper, faint rules ~230
MIN_FILL = 0.5  # every page but the last reaches at least halfway down its content area

SECTION_HEADINGS = (
    "Value over time",
    "Where the work went",
    "Achievements",
    "More achievements",
    "By quarter",
    "Top pull requests",
    "More merged work",
    "Repositories",
    "Skills",
    "Appendix A · Not included",
    "Appendix B · Assumptions ledger",
)


# --------------------------------------------------------------------------- measuring


def page_fills(pdf: Path, workdir: Path) -> list[float]:
    """For each page of ``pdf``: how far down its content area (0..1) the lowest inked row lies."""
    from PIL import Image

    prefix = workdir / f"{pdf.stem}-page"
    subprocess.run([poppler_tool("pdftoppm"), "-r", str(DPI), "-gray", str(pdf), str(prefix)], check=True, timeout=300)
    fills = []
    for image_path in sorted(workdir.glob(f"{prefix.name}-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with Image.open(image_path) as image:
            page = image.convert("L")
        px_per_mm = page.height / PAGE_HEIGHT_MM
        top = round(MARGIN_TOP_MM * px_per_mm)
        bottom = page.height - round(MARGIN_BOTTOM_MM * px_per_mm)
        content = page.crop((0, top, page.width, bottom))
        ink = content.point(lambda level: 255 if level < INK else 0)
        box = ink.getbbox()  # None when the content area holds no ink at all
        fills.append(0.0 if box is None else box[3] / content.height)
    return fills


def page_texts(pdf: Path) -> list[str]:
    """The text of each page's content area, laid out as on the page (footer cropped away), one string a page."""
    info = subprocess.run([poppler_tool("pdfinfo"), str(pdf)], capture_output=True, check=True, text=True, timeout=60)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE).group(1))
    pt_per_mm = 72 / 25.4
    top, height = (
        round(MARGIN_TOP_MM * pt_per_mm),
        round((PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM) * pt_per_mm),
    )
    texts = []
    for n in range(1, pages + 1):
        out = subprocess.run(
            [poppler_tool("pdftotext"), "-layout", "-f", str(n), "-l", str(n), "-x", "0", "-y", str(top), "-W", "1000"]
            + ["-H", str(height), str(pdf), "-"],
            capture_output=True,
            check=True,
            text=True,
            timeout=60,
        ).stdout
        texts.append(out)
    return texts


@dataclass(frozen=True)
class Rendered:
    fills: list[float]
    texts: list[str]

    @property
    def pages(self) -> int:
        return len(self.fills)


def _render(portfolio: dict[str, Any], workdir: Path, name: str) -> Rendered:
    pdf = workdir / f"{name}.pdf"
    pdf.write_bytes(reports.render_pdf(reports.render_html(portfolio)))
    fills, texts = page_fills(pdf, workdir), page_texts(pdf)
    assert len(fills) == len(texts)
    return Rendered(fills, texts)


# --------------------------------------------------------------------------- a large portfolio

# Category and size of every tenth PR; the impact is what the scorecard gives each PR's facts.
_CATEGORIES = [
    ("feature", "l"),
    ("performance", "m"),
    ("fix", "s"),
    ("reliability", "m"),
    ("refactor", "m"),
    ("security", "s"),
    ("build/ci", "s"),
    ("test", "s"),
    ("docs", "xs"),
    ("chore", "xs"),
]
WINDOW = (date(2023, 1, 1), date(2025, 12, 31))
_REPOS = ["acme/storefront", "acme/billing", "acme/platform", "acme/search", "acme/mobile", "acme/data-warehouse"]
_FILLER = (
    "The change was reviewed by two engineers, rolled out behind a flag to a tenth of the traffic first and then to "
    "everyone once the dashboards stayed flat for a week; the runbook and the alerts were updated in the same pull "
    "request so that on-call engineers know what to look at when something goes wrong."
)


def _large_prs(count: int) -> list[dict[str, Any]]:
    """``count`` pull requests in the shape of tests.test_reports._SAMPLE_PRS, with long text."""
    prs = []
    for i in range(count):
        category, size = _CATEGORIES[i % len(_CATEGORIES)]
        repo = _REPOS[i % len(_REPOS)]
        area = f"src/module-{i:02d}"  # one area each, so PRs group only where _large_links says so
        prs.append(
            dict(
                repo=repo,
                number=1000 + i,
                category=category,
                size=size,
                additions=40 + 17 * i,
                deletions=10 + 5 * i,
                hours=(1.0, 2.0, 2.0, 1.0)[i % 4],  # keeps the sample's capacity check satisfied
                merged_at=f"{2023 + i % 36 // 12}-{1 + i % 12:02d}-{1 + i % 28:02d}T{8 + i % 10:02d}:15:00Z",
                title=f"{category}(module-{i:02d}): rework how module {i} handles retries, caching and timeouts",
                statement=(
                    f"Cut the error rate of module {i} from {2 + i % 5}.{i % 10}% to 0.{1 + i % 8}% and its p95 "
                    f"latency from {300 + 7 * i} ms to {120 + 3 * i} ms by batching calls, caching lookups and "
                    "retrying only transient failures, which removed a recurring source of pages for on-call."
                ),
                summary=f"Module {i}: {_FILLER} {_FILLER}",
                claim=f"error rate of module {i} from {2 + i % 5}.{i % 10}% to 0.{1 + i % 8}% over 14 days of traffic",
                areas=[area, f"{area}/tests", "docs/runbooks"],
            )
        )
    return prs


def _large_links(prs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Some PRs close the same issue as the PR six later (same repository) and carry a long STAR story."""
    links: dict[str, dict[str, Any]] = {}
    for i in range(0, len(prs) - 6, 4):
        first, second = prs[i], prs[i + 6]
        issue = 500 + i
        links[f"{first['repo']}#{first['number']}"] = {
            "linked_issues": [issue],
            "star": {
                key: f"{key.capitalize()} of module {i}: {_FILLER[:230]}"
                for key in ("situation", "task", "action", "result")
            },
        }
        links[f"{second['repo']}#{second['number']}"] = {"linked_issues": [issue]}
    return links


def make_large_portfolio(count: int = 80) -> dict[str, Any]:
    """A valid portfolio far longer than a page in every section: long tables must split."""
    prs = _large_prs(count)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_reports, "_SAMPLE_PRS", prs)
        patch.setattr(test_reports, "_SAMPLE_LINKS", _large_links(prs))
        portfolio = make_sample_portfolio()
        rows = [test_reports._group_row(pr, test_reports._achievement(pr)) for pr in prs]
    # Three years: a quarter table of twelve rows, each naming its headline achievements.
    portfolio["window"] = {"start": WINDOW[0].isoformat(), "end": WINDOW[1].isoformat()}
    portfolio["quarters"] = quarters(rows, portfolio["achievement_groups"], *WINDOW)
    for n, achievement in enumerate(portfolio["achievements"]):
        achievement["evidence"] += [
            {"kind": "review", "detail": f"Reviewer note {k} on PR {n}: {_FILLER[:200]}"} for k in range(4 - n % 3)
        ]
        if n % 4 == 0:
            achievement["refused_claims"] = [
                {"claim": f"saves {k + 2} engineer-days a month", "reason": "the pull request does not measure it"}
                for k in range(2)
            ]
    portfolio["rejected"] = [
        {
            "pr_id": f"acme/legacy-tools#{200 + k}",
            "title": f"chore: sweeping rename of the legacy tooling, step {k}",
            "url": f"https://github.com/acme/legacy-tools/pull/{200 + k}",
            "reasons": [
                "value has no evidence: the description states no outcome and no measurement",
                f"estimated effort of {40 + k} hours is implausible for {3 + k} changed lines",
                "looks like a mechanical change (formatting or a rename) rather than engineering work",
            ][: 1 + k % 3],
        }
        for k in range(45)
    ]
    portfolio["totals"]["rejected"] = len(portfolio["rejected"])
    portfolio["assumptions"].update(
        {
            f"category_weights.{category}": {
                "value": 1.0 + k / 10,
                "unit": "multiplier",
                "note": f"How much an hour of {category} work is worth relative to the baseline; {_FILLER[:120]}",
            }
            for k, (category, _) in enumerate(_CATEGORIES * 3)
        }
        | {
            f"size_hours.{size}": {"value": {"low": k, "expected": 2 * k, "high": 4 * k}, "unit": "hours", "note": ""}
            for k, size in enumerate(("xs", "s", "m", "l", "xl"), start=1)
        }
    )
    reports.validate_portfolio(portfolio)
    return portfolio


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf-layout")


@pytest.fixture(scope="module")
def large(workdir: Path) -> Rendered:
    return _render(make_large_portfolio(), workdir, "large")


@pytest.fixture(scope="module")
def small(workdir: Path) -> Rendered:
    return _render(make_sample_portfolio(), workdir, "small")


def _underfilled(rendered: Rendered) -> dict[int, float]:
    return {n: round(f, 2) for n, f in enumerate(rendered.fills[:-1], start=1) if f < MIN_FILL}


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _first_line(text: str) -> str:
    return next(iter(_lines(text)), "")


def _last_line(text: str) -> str:
    return next(reversed(_lines(text)), "")


# --------------------------------------------------------------------------- tests


def test_every_page_but_the_last_of_a_large_portfolio_is_at_least_half_full(large: Rendered) -> None:
    assert _underfilled(large) == {}, f"page fills {[round(f, 2) for f in large.fills]}"


def test_every_page_but_the_last_of_a_small_portfolio_is_at_least_half_full(small: Rendered) -> None:
    assert _underfilled(small) == {}, f"page fills {[round(f, 2) for f in small.fills]}"


def test_no_page_is_blank(large: Rendered, small: Rendered) -> None:
    assert min(large.fills) > 0 and min(small.fills) > 0


def test_a_large_portfolio_needs_no_more_pages_than_its_content(large: Rendered) -> None:
    # Pages beyond what the content needs show as a low average fill of the full pages.
    full = large.fills[:-1]
    assert sum(full) / len(full) >= 0.85, f"page fills {[round(f, 2) for f in large.fills]}"
    assert 12 <= large.pages <= 40, f"{large.pages} pages"


def test_a_small_portfolio_needs_no_more_pages_than_its_content(small: Rendered) -> None:
    full = small.fills[:-1]
    assert sum(full) / len(full) >= 0.8, f"page fills {[round(f, 2) for f in small.fills]}"
    assert 2 <= small.pages <= 12, f"{small.pages} pages"


_REST_HEADER = re.compile(r"#\s+ACHIEVEMENT\s+PULL REQUEST\s+MERGED\s+CATEGORY")
# A row of "More merged work", as one normalised line: rank … merge date … category  expected value.
_REST_ROW = re.compile(r"^\d+ .* \d{1,2} [A-Z][a-z]{2} \d{4} .*\$[\d,]+$")


def test_long_tables_split_across_pages_and_repeat_their_header_row(large: Rendered) -> None:
    # "More merged work" (70 rows) cannot fit on one page; each page it reaches starts with its header row.
    pages = [lines for lines in map(_lines, large.texts) if any(_REST_ROW.match(line) for line in lines)]
    assert len(pages) >= 3
    for lines in pages:
        first_row = next(n for n, line in enumerate(lines) if _REST_ROW.match(line))
        assert any(_REST_HEADER.search(line) for line in lines[:first_row]), lines[: first_row + 1]


def test_no_page_ends_with_a_section_heading(large: Rendered, small: Rendered) -> None:
    for rendered in (large, small):
        last_lines = [_last_line(text) for text in rendered.texts]
        assert not [line for line in last_lines if line in SECTION_HEADINGS], last_lines


def test_the_appendix_follows_on_the_page_where_the_main_part_ends(small: Rendered) -> None:
    # The sample's appendix is short: it starts below the end of the main part, not on a fresh page.
    page = next(text for text in small.texts if "Appendix A · Not included" in text)
    assert not _first_line(page).startswith("Appendix A"), page
