"""Render the portfolio document as HTML, PDF, Markdown, CV bullets and a one-page executive summary.

The portfolio is handed to a manager, so it must look calm and professional; it is
also built from pull-request text that anyone can write, so every string that came
from GitHub is treated as hostile. The defences are layered on purpose:

* a view model (``portfolio_view``) cleans and truncates every string and checks every
  link *before* a template sees it, so templates only lay out safe, display-ready data;
* Jinja2 autoescaping is on for every HTML template, and the Markdown template has its
  own escape-by-default ``finalize`` hook, so a forgotten filter cannot open a hole;
* the HTML carries a Content-Security-Policy that forbids scripts and remote loads in a
  browser, and the PDF renderer uses a URL fetcher that refuses everything but
  ``data:`` URIs, so even a hole in the first two layers cannot reach the network or
  the filesystem.

This package is plain Python (no Dagster import) so it can be tested and reused outside
the pipeline; WeasyPrint is imported lazily because only the PDF needs it.

It is split so that each module has one job; this ``__init__`` only re-exports the
public API (``from achievement_pipeline.export import reports``), with the document contract
(``export.schema``) and the shared text cleaning (``core.text``):

* ``text`` -- display limits, ``safe_href`` and the Markdown template's escaping;
* ``coerce`` -- tolerant readers for numbers, lists, mappings and ranges in the document;
* ``formatting`` -- money, hours, counts, percents, dates, windows and category labels;
* ``charts`` -- inline-SVG chart geometry and the category mix rows behind it;
* ``views`` -- the view model of the full portfolio (``portfolio_view``);
* ``summary`` -- the view model of the executive summary (``summary_view``);
* ``breakdown_views`` -- the views by quarter, by skill, and of the issues a PR closed;
* ``cv`` -- the view model of the CV bullets (``cv_view``);
* ``render`` -- Jinja2 environments, ``render_html``, ``render_markdown``, ``render_cv``,
  ``render_executive_summary``,
  ``render_pdf`` and the data-only WeasyPrint URL fetcher.
"""

from __future__ import annotations

from achievement_pipeline.core.text import clean_text, md_escape
from achievement_pipeline.export.reports.formatting import (
    category_label,
    format_count,
    format_date,
    format_hours,
    format_hours_range,
    format_money,
    format_money_range,
    format_percent,
)
from achievement_pipeline.export.reports.render import (
    TEMPLATES_DIR as TEMPLATES_DIR,  # public, not in __all__ (as before)
)
from achievement_pipeline.export.reports.render import (
    UrlFetchRefused,
    render_cv,
    render_executive_summary,
    render_html,
    render_markdown,
    render_pdf,
    safe_url_fetcher,
)
from achievement_pipeline.export.reports.text import safe_href
from achievement_pipeline.export.reports.views import HEADLINE_ACHIEVEMENTS, sorted_groups
from achievement_pipeline.export.schema import SCHEMA_PATH, SCHEMA_VERSION, load_schema, validate_portfolio

__all__ = [
    "HEADLINE_ACHIEVEMENTS",
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "UrlFetchRefused",
    "category_label",
    "clean_text",
    "format_count",
    "format_date",
    "format_hours",
    "format_hours_range",
    "format_money",
    "format_money_range",
    "format_percent",
    "load_schema",
    "md_escape",
    "render_cv",
    "render_executive_summary",
    "render_html",
    "render_markdown",
    "render_pdf",
    "safe_href",
    "safe_url_fetcher",
    "sorted_groups",
    "validate_portfolio",
]
