"""Turn the view models into documents: Jinja2 for HTML and Markdown, WeasyPrint for PDF.

This is where the second and third layers of defence live: the HTML environment
autoescapes every template and the Markdown one escapes by default through its
``finalize`` hook, and the PDF renderer uses a URL fetcher that refuses everything but
``data:`` URIs. WeasyPrint is imported inside the PDF functions so that importing the
package (and rendering HTML) does not pay for it. The templates stay in
``achievement_pipeline/templates`` (package data), so their path is computed relative
to the parent package.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from achievement_pipeline.export.reports.cv import cv_view
from achievement_pipeline.export.reports.summary import summary_view
from achievement_pipeline.export.reports.text import md_finalize, md_link
from achievement_pipeline.export.reports.views import HEADLINE_ACHIEVEMENTS, portfolio_view

TEMPLATES_DIR = Path(__file__).with_name("templates")


# --------------------------------------------------------------------------- templates


def _env(**options: Any) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )


@lru_cache(maxsize=1)
def _html_env() -> Environment:
    # autoescape=True for every template in this environment, whatever its extension:
    # every byte of PR text reaches the HTML through here.
    return _env(autoescape=True)


@lru_cache(maxsize=1)
def _md_env() -> Environment:
    env = _env(autoescape=False, finalize=md_finalize, keep_trailing_newline=True)
    env.filters["md_link"] = md_link
    return env


@lru_cache(maxsize=1)
def _text_env() -> Environment:
    # Plain text: no markup to escape; the view's strings are already cleaned to one line each.
    return _env(autoescape=False, keep_trailing_newline=True)


def render_html(
    portfolio: Mapping[str, Any], *, top_n: int = 10, max_rows: int = 1000, top_groups: int = HEADLINE_ACHIEVEMENTS
) -> str:
    """Render the portfolio as one self-contained HTML page (inline CSS and SVG, no scripts).

    The ``top_groups`` headline achievements (related PRs told as one STAR story; pinned ones
    first) come first, the other achievements in a compact list; then ``top_n`` pull requests
    get a full card with evidence, and up to ``max_rows`` more are listed in a compact table, so
    every PR of a year stays reachable in a readable document. The input is
    not validated here (call ``validate_portfolio`` at the boundary); missing or odd
    fields degrade to placeholders instead of failing the report.
    """
    view = portfolio_view(portfolio, max(0, top_n), max(0, max_rows), max(0, top_groups))
    return _html_env().get_template("portfolio.html.j2").render(v=view)


def render_executive_summary(portfolio: Mapping[str, Any]) -> tuple[str, str]:
    """Render the one-page executive summary as ``(markdown, html)``.

    Markdown is for pasting into a review document or an issue; HTML (and its PDF via
    ``render_pdf``) is for handing over. Both come from the same view, so they agree.
    """
    view = summary_view(portfolio)
    markdown = _md_env().get_template("executive_summary.md.j2").render(v=view)
    html = _html_env().get_template("executive_summary.html.j2").render(v=view)
    return markdown, html


def render_markdown(
    portfolio: Mapping[str, Any], *, top_n: int = 10, max_rows: int = 1000, top_groups: int = HEADLINE_ACHIEVEMENTS
) -> str:
    """The whole portfolio as Markdown to paste (a review document, a wiki page, a GitHub comment).

    The same view as the HTML, so the two say the same; lists instead of tables, and untrusted
    words that hold Markdown syntax set as inline code rather than backslash-escaped.
    """
    view = portfolio_view(portfolio, max(0, top_n), max(0, max_rows), max(0, top_groups))
    return _md_env().get_template("portfolio.md.j2").render(v=view)


def render_cv(portfolio: Mapping[str, Any]) -> tuple[str, str]:
    """CV bullets, one line per headline achievement with its measured outcome first, as ``(markdown, text)``."""
    view = cv_view(portfolio)
    return (
        _md_env().get_template("cv.md.j2").render(v=view),
        _text_env().get_template("cv.txt.j2").render(v=view),
    )


# --------------------------------------------------------------------------- PDF


class UrlFetchRefused(ValueError):
    """Raised by the PDF URL fetcher for any URL that is not a ``data:`` URI."""


def _check_fetch_allowed(url: str) -> None:
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    if scheme != "data":
        raise UrlFetchRefused(f"refusing to fetch {url[:80]!r}: only data: URIs are allowed")


def _data_only_fetcher() -> Any:
    """Build a WeasyPrint URL fetcher that serves ``data:`` URIs and refuses everything else.

    Refusing (rather than fetching and ignoring) is what keeps rendering off the network
    and out of the filesystem: no request is ever sent for http, https, ftp or file URLs,
    whether they come from an <img>, a stylesheet, @import, a font or an attachment.
    WeasyPrint logs the refusal and renders without the resource.
    """
    from weasyprint import urls

    fetcher_base = getattr(urls, "URLFetcher", None)
    if fetcher_base is not None:

        class DataOnlyURLFetcher(fetcher_base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

            def fetch(self, url: str, headers: Any = None) -> Any:
                _check_fetch_allowed(url)
                return super().fetch(url, headers)

        return DataOnlyURLFetcher()

    # WeasyPrint < 66 takes a plain function returning a dict.
    default_fetcher = urls.default_url_fetcher  # type: ignore[attr-defined]

    def fetch_data_only(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        _check_fetch_allowed(url)
        return default_fetcher(url, timeout=timeout, ssl_context=ssl_context)

    return fetch_data_only


def safe_url_fetcher() -> Any:
    """Return the URL fetcher ``render_pdf`` uses (exposed so tests and callers can reuse it)."""
    return _data_only_fetcher()


@lru_cache(maxsize=1)
def _print_css() -> str:
    return (TEMPLATES_DIR / "print.css").read_text(encoding="utf-8")


def render_pdf(html: str) -> bytes:
    """Render HTML from this module to PDF bytes with the print stylesheet (A4, page numbers).

    No base URL is given and every fetch except ``data:`` is refused, so the output
    depends only on ``html`` and the installed fonts.
    """
    from weasyprint import CSS, HTML

    fetcher = _data_only_fetcher()
    stylesheet = CSS(string=_print_css(), url_fetcher=fetcher)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher, media_type="print")
    return document.write_pdf(stylesheets=[stylesheet])
