"""Render the portfolio document as HTML, PDF and a one-page executive summary.

The portfolio is handed to a manager, so it must look calm and professional; it is
also built from pull-request text that anyone can write, so every string that came
from GitHub is treated as hostile. The defences are layered on purpose:

* a view model (``_portfolio_view``) cleans and truncates every string and checks every
  link *before* a template sees it, so templates only lay out safe, display-ready data;
* Jinja2 autoescaping is on for every HTML template, and the Markdown template has its
  own escape-by-default ``finalize`` hook, so a forgotten filter cannot open a hole;
* the HTML carries a Content-Security-Policy that forbids scripts and remote loads in a
  browser, and the PDF renderer uses a URL fetcher that refuses everything but
  ``data:`` URIs, so even a hole in the first two layers cannot reach the network or
  the filesystem.

This module is plain Python (no Dagster import) so it can be tested and reused outside
the pipeline; WeasyPrint is imported lazily because only the PDF needs it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jinja2 import Environment, FileSystemLoader, StrictUndefined

__all__ = [
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
    "render_executive_summary",
    "render_html",
    "render_pdf",
    "safe_href",
    "safe_url_fetcher",
    "validate_portfolio",
]

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).with_name("portfolio_schema.json")
TEMPLATES_DIR = Path(__file__).with_name("templates")

# Display limits. PR text can be a megabyte long; these keep a page readable and make
# rendering time independent of the input size.
TITLE_LIMIT = 180
STATEMENT_LIMIT = 300
SUMMARY_LIMIT = 600
EVIDENCE_LIMIT = 240
EVIDENCE_ITEMS = 6
REASON_LIMIT = 240
REASON_ITEMS = 6
ASSUMPTION_ITEMS = 10
LABEL_LIMIT = 60
NOTE_LIMIT = 300
HIGHLIGHT_LIMIT = 220

# Calm, print-friendly colours that stay distinguishable in greyscale-ish print.
_CATEGORY_COLOURS: dict[str, str] = {
    "feature": "#3a6ea5",
    "fix": "#c26a4a",
    "performance": "#4f8a6e",
    "security": "#8e5572",
    "reliability": "#3f8fa3",
    "refactor": "#8c8a4b",
    "docs": "#b08a3e",
    "test": "#6d7f96",
    "build/ci": "#7a6fa8",
    "chore": "#9aa1a9",
}
_FALLBACK_COLOURS = ("#5a7d9a", "#a0785a", "#6f9a6b", "#9a6f8f", "#7f8f5a", "#5f8f8f")
_OTHER_COLOUR = "#c3c8cf"

_CATEGORY_LABELS: dict[str, str] = {
    "feature": "Feature",
    "fix": "Fix",
    "performance": "Performance",
    "security": "Security",
    "reliability": "Reliability",
    "refactor": "Refactoring",
    "docs": "Documentation",
    "test": "Testing",
    "build/ci": "Build & CI",
    "chore": "Maintenance",
}
# How a category reads inside a sentence ("most of the value came from ...").
_CATEGORY_PHRASES: dict[str, str] = {
    "feature": "feature work",
    "fix": "fixes",
    "performance": "performance work",
    "security": "security work",
    "reliability": "reliability work",
    "refactor": "refactoring",
    "docs": "documentation",
    "test": "testing",
    "build/ci": "build & CI work",
    "chore": "maintenance",
}
_IMPACTS = ("low", "medium", "high")

_CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "CHF": "CHF\u00a0",
}
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND"})

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- schema


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """Return the portfolio JSON Schema (a fresh copy, so callers may not corrupt the cache)."""
    return json.loads(_schema_text())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_portfolio(doc: Mapping[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``doc`` is a valid portfolio document.

    Besides the schema, this checks what JSON Schema cannot express but readers rely
    on: every range is ordered (low <= expected <= high) and the window is not inverted,
    because a report showing "$400 (range $500-$100)" would discredit the whole document.
    """
    _validator().validate(doc)

    def check_range(rng: Mapping[str, float], path: tuple[str | int, ...]) -> None:
        if not rng["low"] <= rng["expected"] <= rng["high"]:
            raise jsonschema.ValidationError(
                f"range is not ordered: low={rng['low']} expected={rng['expected']} high={rng['high']}",
                path=path,
            )

    if doc["window"]["start"] > doc["window"]["end"]:
        raise jsonschema.ValidationError("window.start is after window.end", path=("window",))
    check_range(doc["totals"]["hours"], ("totals", "hours"))
    check_range(doc["totals"]["value"], ("totals", "value"))
    for index, item in enumerate(doc["achievements"]):
        check_range(item["hours"], ("achievements", index, "hours"))
        check_range(item["value"], ("achievements", index, "value"))


# --------------------------------------------------------------------------- text safety

# C0/C1 controls except whitespace (collapsed later), lone surrogates (they cannot be
# encoded as UTF-8 and would crash the writer), non-characters, and the bidi embedding /
# override / isolate controls that let one string visually reorder its neighbours
# ("Trojan Source"). Block elements get dir="auto" instead, so RTL text still reads right.
_STRIP_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_WS_RE = re.compile(r"\s+")
# More than a few stacked combining marks is "Zalgo" text that overdraws nearby lines.
_COMBINING_FLOOD_RE = re.compile(
    r"([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{3})"
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def clean_text(value: object, limit: int | None = None) -> str:
    """Make untrusted text safe to lay out: one line, no control characters, bounded length.

    Escaping is the template's job; this removes what escaping cannot (characters that
    break encoders or reorder the page) and truncates at a word boundary with an ellipsis
    so a 1 MB PR body costs the same to render as a short one.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit * 4 + 64:
        text = text[: limit * 4 + 64]  # bound the work below; the cut is refined after cleaning
    text = _STRIP_RE.sub("", text)
    text = _COMBINING_FLOOD_RE.sub(r"\1", text)
    text = _WS_RE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        cut = text[:limit]
        space = cut.rfind(" ")
        if space >= limit * 0.7:
            cut = cut[:space]
        # Do not leave half an emoji sequence or a dangling combining mark behind.
        cut = cut.rstrip(" \u200d\ufe0f,;:-–—")
        while cut and unicodedata.combining(cut[-1]):
            cut = cut[:-1]
        text = cut + "…"
    return text


def safe_href(url: object) -> str | None:
    """Return ``url`` if it is a plain absolute http(s) link, else ``None`` (render as text).

    Rejects other schemes (javascript:, data:, file:, ...), protocol-relative and
    relative links, whitespace and control characters (browsers strip them, which is how
    "java\\tscript:" slips past naive checks), non-ASCII (homograph hosts) and userinfo
    ("https://github.com@evil.example/" shows one host and opens another).
    """
    if not isinstance(url, str) or not 0 < len(url) <= 2048:
        return None
    if not url.isascii() or any(ch <= " " or ch == "\x7f" for ch in url):
        return None
    if any(ch in url for ch in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return url


_MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()<>#!|~&$])")
_MD_SCHEME_RE = re.compile(r":(?=//)")
_MD_WWW_RE = re.compile(r"(?i)\b(www)\.")


def md_escape(value: object, limit: int | None = None) -> str:
    """Escape untrusted text for Markdown so it renders as literal text and nothing else.

    Backslash-escapes every character that starts inline syntax (emphasis, code, links,
    images, raw HTML, entities, tables, strikethrough, math), and defuses the GFM
    autolink triggers ("scheme://", "www.", "@") so a bare URL in a PR title does not
    become a clickable link in the rendered summary. Whitespace is collapsed first, so the
    text can never start a new block (heading, list, quote, fence).
    """
    text = _MD_SPECIAL_RE.sub(r"\\\1", clean_text(value, limit))
    text = _MD_SCHEME_RE.sub(r"\\:", text)
    text = _MD_WWW_RE.sub(r"\1\\.", text)
    return text.replace("@", "\\@")


class _MdSafe(str):
    """Markdown built by this module from escaped parts; the Markdown finalizer passes it through."""


def _md_finalize(value: object) -> str:
    """Escape by default in the Markdown template, mirroring HTML autoescape."""
    if isinstance(value, _MdSafe):
        return value
    return md_escape(value)


def _md_link(text: object, href: str | None) -> _MdSafe:
    label = md_escape(text)
    if not href:
        return _MdSafe(label)
    # safe_href already rejected spaces, quotes and angle brackets; parentheses are the
    # only characters left that could end the destination early.
    destination = href.replace("(", "%28").replace(")", "%29")
    return _MdSafe(f"[{label}]({destination})")


# --------------------------------------------------------------------------- formatting


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _num(value: object, default: float = 0.0) -> float:
    number = _finite(value)
    return default if number is None else number


def _currency_code(currency: object) -> str:
    code = clean_text(currency, 8).upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else ""


def format_money(value: object, currency: object = "USD", *, compact: bool = False) -> str:
    """Format an amount for readers, e.g. ``$12,345``, ``€1.2k`` (compact) or ``1,234 SEK``.

    Estimates are shown without cents once they reach 100, because cents on an estimate
    suggest a precision the model does not have. Non-numbers render as an em dash rather
    than crashing a report.
    """
    number = _finite(value)
    if number is None:
        return "—"
    code = _currency_code(currency)
    sign = "−" if number < 0 else ""
    amount = abs(number)
    if compact and amount >= 1000:
        text = ""
        for divisor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if amount >= divisor * 0.9995:
                scaled = amount / divisor
                text = (f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}") + suffix
                break
    else:
        decimals = 0 if code in _ZERO_DECIMAL_CURRENCIES or amount >= 100 or amount == int(amount) else 2
        # Half-up, as people round money; format() alone would round half to even ($1,234.5 -> $1,234).
        rounded = Decimal(repr(amount)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{rounded:,.{decimals}f}"
    symbol = _CURRENCY_SYMBOLS.get(code)
    if symbol is not None:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text}\u00a0{code}" if code else f"{sign}{text}"


def format_money_range(low: object, high: object, currency: object = "USD") -> str:
    """Format a low–high range of money, e.g. ``$1,000–$4,000``."""
    return f"{format_money(low, currency)}–{format_money(high, currency)}"


def _format_number(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def format_hours(value: object) -> str:
    """Format an effort estimate, e.g. ``20 h`` or ``1.5 h``."""
    number = _finite(value)
    return "—" if number is None else f"{_format_number(abs(number))}\u00a0h"


def format_hours_range(low: object, high: object) -> str:
    """Format an effort range, e.g. ``10–40 h``."""
    lo, hi = _finite(low), _finite(high)
    if lo is None or hi is None:
        return "—"
    return f"{_format_number(abs(lo))}–{_format_number(abs(hi))}\u00a0h"


def format_count(value: object) -> str:
    """Format a whole number with thousands separators, e.g. ``12,345``."""
    number = _finite(value)
    return "—" if number is None else f"{round(number):,}"


def format_percent(part: object, whole: object) -> str:
    """Format ``part`` as a share of ``whole``, e.g. ``45%``; ``<1%`` for tiny non-zero shares."""
    p, w = _num(part), _num(whole)
    if w <= 0:
        return "—"
    share = 100 * p / w
    if 0 < share < 1:
        return "<1%"
    return f"{share:.0f}%"


def _parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_date(value: object) -> date | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def format_date(value: object) -> str:
    """Format an ISO date or timestamp as ``3 Jan 2025`` (day-month order is unambiguous)."""
    parsed = _parse_date(value)
    if parsed is None:
        return clean_text(value, 40)
    return f"{parsed.day} {_MONTHS[parsed.month - 1]} {parsed.year}"


def _format_window(start: object, end: object) -> str:
    first, last = _parse_date(start), _parse_date(end)
    if first is None or last is None:
        return f"{clean_text(start, 40)} – {clean_text(end, 40)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def _format_generated(value: object) -> str:
    parsed = _parse_datetime(value)
    if parsed is None:
        return clean_text(value, 40)
    utc = parsed.astimezone(UTC)
    return f"{format_date(utc.date().isoformat())}, {utc:%H:%M} UTC"


def _format_period(period: object, *, short: bool) -> str:
    """Axis label for a month (``Jan 2025``/``Jan``), ISO week (``W03``) or day (``6 Jan``)."""
    text = clean_text(period, 16)
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        month = int(match[2])
        if 1 <= month <= 12:
            return _MONTHS[month - 1] if short else f"{_MONTHS[month - 1]} {match[1]}"
    if match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        return f"W{match[2]}" if short else f"W{match[2]} {match[1]}"
    if (parsed := _parse_date(text)) is not None and len(text) == 10:
        return f"{parsed.day} {_MONTHS[parsed.month - 1]}"
    return text


def category_label(category: object) -> str:
    """Human label for a category (``build/ci`` → ``Build & CI``); unknown ones pass through cleaned."""
    key = clean_text(category, LABEL_LIMIT)
    return _CATEGORY_LABELS.get(key.lower(), key or "Uncategorised")


def _category_phrase(category: object) -> str:
    key = clean_text(category, LABEL_LIMIT)
    return _CATEGORY_PHRASES.get(key.lower(), key.lower() or "uncategorised work")


def _category_colour(category: object, fallback_index: int) -> str:
    key = clean_text(category, LABEL_LIMIT).lower()
    return _CATEGORY_COLOURS.get(key, _FALLBACK_COLOURS[fallback_index % len(_FALLBACK_COLOURS)])


def _plural(count: float, singular: str, plural: str | None = None) -> str:
    return singular if round(count) == 1 else (plural or singular + "s")


# --------------------------------------------------------------------------- view model


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _range(value: object) -> tuple[float, float, float]:
    rng = _as_dict(value)
    return _num(rng.get("low")), _num(rng.get("expected")), _num(rng.get("high"))


def _r(value: float) -> float:
    """Round SVG coordinates: shorter markup, stable output for tests and diffs."""
    return round(value, 1)


def _nice_scale(maximum: float, ticks: int = 4) -> tuple[float, float]:
    """Return (step, top) for an axis whose gridlines fall on round numbers (1, 2, 2.5, 5 × 10^k)."""
    if maximum <= 0:
        return 1.0, float(ticks)
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude + 1e-12)
    return step, step * math.ceil(maximum / step - 1e-9)


def _time_chart(rows: list[Any], currency: str) -> dict[str, Any] | None:
    """Geometry for the value-over-time bar chart, computed here so the template is pure layout."""
    rows = [_as_dict(row) for row in rows][:400]
    if not rows:
        return None
    width, height = 680, 236
    left, right, top, bottom = 58, 8, 20, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [max(0.0, _num(row.get("value_expected"))) for row in rows]
    step, top_value = _nice_scale(max(values))
    baseline = top + plot_h
    ticks = []
    for i in range(round(top_value / step) + 1):
        tick = step * i
        ticks.append(
            {
                "y": _r(baseline - plot_h * tick / top_value),
                "label": format_money(tick, currency, compact=True),
            }
        )
    count = len(rows)
    band = plot_w / count
    bar_w = min(56.0, band * 0.62)
    every = max(1, math.ceil(count / 12))
    detailed = count <= 12
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        bar_h = plot_h * value / top_value
        centre = left + band * (index + 0.5)
        prs = max(0, round(_num(row.get("prs"))))
        money = format_money(value, currency)
        prs_text = f"{prs} {_plural(prs, 'PR')}"
        bars.append(
            {
                "x": _r(centre - bar_w / 2),
                "y": _r(baseline - bar_h),
                "w": _r(bar_w),
                "h": _r(bar_h),
                "cx": _r(centre),
                "label": _format_period(row.get("period"), short=count > 6) if index % every == 0 else "",
                "sub": prs_text if detailed else "",
                "value": format_money(value, currency, compact=True) if detailed and value > 0 else "",
                "title": f"{_format_period(row.get('period'), short=False)}: {money} from {prs_text}",
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": _r(baseline),
        "ticks": ticks,
        "bars": bars,
        "detailed": detailed,
    }


def _category_rows(rows: list[Any], currency: str, limit: int = 8) -> list[dict[str, Any]]:
    """Category mix sorted by value, folding the tail into "Other" so the chart stays legible."""
    items = []
    for row in (_as_dict(r) for r in rows):
        items.append(
            {
                "key": clean_text(row.get("category"), LABEL_LIMIT),
                "prs": max(0, round(_num(row.get("prs")))),
                "value": max(0.0, _num(row.get("value_expected"))),
            }
        )
    items.sort(key=lambda item: (-item["value"], -item["prs"], item["key"]))
    if len(items) > limit:
        tail = items[limit - 1 :]
        items = items[: limit - 1] + [
            {
                "key": "",
                "prs": sum(i["prs"] for i in tail),
                "value": sum(i["value"] for i in tail),
                "other": len(tail),
            }
        ]
    total_value = sum(item["value"] for item in items)
    total_prs = sum(item["prs"] for item in items)
    out = []
    for index, item in enumerate(items):
        is_other = "other" in item
        out.append(
            {
                "key": item["key"],
                "label": f"Other ({item['other']})" if is_other else category_label(item["key"]),
                "phrase": "other work" if is_other else _category_phrase(item["key"]),
                "colour": _OTHER_COLOUR if is_other else _category_colour(item["key"], index),
                "prs": item["prs"],
                "value": item["value"],
                "money": format_money(item["value"], currency),
                "value_share": format_percent(item["value"], total_value),
                "pr_share": format_percent(item["prs"], total_prs),
                "share_of_value": item["value"] / total_value if total_value > 0 else 0.0,
                "share_of_prs": item["prs"] / total_prs if total_prs > 0 else 0.0,
            }
        )
    return out


def _category_chart(categories: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Horizontal bars (value when there is any, else PR counts): easier to compare than a donut."""
    if not categories:
        return None
    by_value = any(cat["value"] > 0 for cat in categories)
    width, label_w, text_w, row_h, bar_h = 680, 150, 170, 26, 14
    plot_w = width - label_w - text_w - 12
    metric = [cat["value"] if by_value else cat["prs"] for cat in categories]
    top = max(metric) or 1
    rows = []
    for index, (cat, amount) in enumerate(zip(categories, metric, strict=True)):
        y = 6 + index * row_h
        bar = max(1.5, plot_w * amount / top) if amount > 0 else 0.0
        detail = (
            f"{cat['money']} · {cat['value_share']} · {cat['prs']} {_plural(cat['prs'], 'PR')}"
            if by_value
            else f"{cat['prs']} {_plural(cat['prs'], 'PR')} · {cat['pr_share']}"
        )
        rows.append(
            {
                "label": clean_text(cat["label"], 24),
                "colour": cat["colour"],
                "y": y,
                "text_y": y + bar_h - 3,
                "x": label_w,
                "w": _r(bar),
                "detail": detail,
            }
        )
    return {
        "width": width,
        "height": 6 + len(rows) * row_h,
        "label_x": label_w - 10,
        "bar_h": bar_h,
        "track_w": plot_w,
        "detail_x": label_w + plot_w + 10,
        "rows": rows,
        "by_value": by_value,
    }


def _evidence_view(items: list[Any]) -> tuple[list[dict[str, str]], int]:
    shown = []
    for item in items[:EVIDENCE_ITEMS]:
        entry = _as_dict(item)
        detail = clean_text(entry.get("detail"), EVIDENCE_LIMIT)
        kind = clean_text(entry.get("kind"), 32).replace("_", " ") or "note"
        if detail:
            shown.append({"kind": kind, "detail": detail})
    return shown, max(0, len(items) - EVIDENCE_ITEMS)


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (number := _finite(value)) is not None:
        return f"{number:,.0f}" if abs(number) >= 100 else f"{number:g}"
    return clean_text(value, 80)


def _assumption_value(value: object, unit: object = "") -> str:
    """Ledger values are numbers, labels or small tables ({xs: 1, s: 3, ...}); render all three inline."""
    if isinstance(value, Mapping):
        text = ", ".join(f"{clean_text(k, 24)} {_scalar_text(v)}" for k, v in list(value.items())[:16])
    elif isinstance(value, list | tuple):
        text = ", ".join(_scalar_text(v) for v in list(value)[:16])
    else:
        text = _scalar_text(value)
    return clean_text(f"{text} {clean_text(unit, 40)}", NOTE_LIMIT)


def _achievement_view(item: Mapping[str, Any], rank: int, colour_index: dict[str, int]) -> dict[str, Any]:
    currency = _currency_code(item.get("currency")) or "USD"
    v_low, v_exp, v_high = _range(item.get("value"))
    h_low, h_exp, h_high = _range(item.get("hours"))
    title = clean_text(item.get("title"), TITLE_LIMIT) or "(untitled pull request)"
    statement = clean_text(item.get("statement"), STATEMENT_LIMIT)
    category = clean_text(item.get("category"), LABEL_LIMIT)
    colour_index.setdefault(category.lower(), len(colour_index))
    impact = clean_text(item.get("impact"), 16).lower()
    evidence, evidence_more = _evidence_view(_as_list(item.get("evidence")))
    assumptions = []
    for entry in (_as_dict(a) for a in _as_list(item.get("assumptions"))[:ASSUMPTION_ITEMS]):
        name = clean_text(entry.get("name"), 40)
        if name:
            assumptions.append(f"{name} = {_assumption_value(entry.get('value'), entry.get('unit'))}")
    model = _as_dict(item.get("model"))
    version = clean_text(model.get("version"), 20)
    model_text = " ".join(filter(None, [clean_text(model.get("name"), 40), f"v{version}" if version else ""]))
    category_conf = _finite(item.get("category_confidence"))
    impact_conf = _finite(item.get("impact_confidence"))
    additions, deletions = _num(item.get("additions")), _num(item.get("deletions"))
    return {
        "rank": rank,
        "heading": statement or title,
        "title": title,
        "show_title": bool(statement),
        "pr_id": clean_text(item.get("pr_id"), 120) or title,
        "repo": clean_text(item.get("repo"), 100),
        "href": safe_href(item.get("url")),
        "merged": format_date(item.get("merged_at")),
        "category": category_label(category),
        "category_colour": _category_colour(category, colour_index[category.lower()]),
        "category_confidence": format_percent(category_conf, 1) if category_conf is not None else "",
        "impact": impact if impact in _IMPACTS else "unknown",
        "impact_label": f"{impact.capitalize()} impact" if impact in _IMPACTS else "Impact not assessed",
        "impact_confidence": format_percent(impact_conf, 1) if impact_conf is not None else "",
        "summary": clean_text(item.get("summary"), SUMMARY_LIMIT),
        "short": clean_text(statement or title, 140),
        "areas": [a for a in (clean_text(x, LABEL_LIMIT) for x in _as_list(item.get("areas"))[:5]) if a],
        "size": clean_text(item.get("size_class"), 4).upper(),
        "lines": f"+{format_count(additions)} / −{format_count(deletions)}",
        "value_expected": format_money(v_exp, currency),
        "value_range": format_money_range(v_low, v_high, currency),
        "value_number": v_exp,
        "hours_expected": format_hours(h_exp),
        "hours_range": format_hours_range(h_low, h_high),
        "evidence": evidence,
        "evidence_more": evidence_more,
        "assumptions": assumptions,
        "model": model_text,
    }


def _sorted_achievements(portfolio: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Highest expected value first (the document promises this; re-sorting costs nothing and is safer)."""
    items = [_as_dict(a) for a in _as_list(portfolio.get("achievements"))]
    return sorted(items, key=lambda a: (-_range(a.get("value"))[1], str(a.get("merged_at", ""))))


def _ledger_view(ledger: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, raw in list(ledger.items())[:200]:
        entry = _as_dict(raw)
        rows.append(
            {
                "name": clean_text(name, LABEL_LIMIT),
                "value": _assumption_value(entry.get("value")),
                "unit": clean_text(entry.get("unit"), 40),
                "note": clean_text(entry.get("note"), NOTE_LIMIT),
            }
        )
    return rows


def _source_label(base_url: object) -> str:
    """Where the data came from, as text: the host of an API URL (never a URL, so nothing is
    linkable or fetchable), or the label the builder used for the built-in demo."""
    text = clean_text(base_url, 200)
    if re.match(r"(?i)https?://", text):
        try:
            return clean_text(urlsplit(text).hostname, 100)
        except ValueError:
            return ""
    return clean_text(text, 60)


def _common_view(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    """Fields shared by the full portfolio and the executive summary."""
    subject = _as_dict(portfolio.get("subject"))
    window = _as_dict(portfolio.get("window"))
    totals = _as_dict(portfolio.get("totals"))
    sources = _as_dict(portfolio.get("sources"))
    currency = _currency_code(totals.get("currency")) or "USD"
    v_low, v_exp, v_high = _range(totals.get("value"))
    h_low, h_exp, h_high = _range(totals.get("hours"))
    kind = clean_text(subject.get("kind"), 20).lower()
    prs = max(0, round(_num(totals.get("prs"))))
    repos = max(0, round(_num(totals.get("repositories"))))
    rejected = max(0, round(_num(totals.get("rejected"), len(_as_list(portfolio.get("rejected"))))))
    generated = _parse_datetime(portfolio.get("generated_at"))
    return {
        "login": clean_text(subject.get("login"), 80) or "unknown",
        "kind_label": {"organization": "Organization", "team": "Team"}.get(kind, ""),
        "window": _format_window(window.get("start"), window.get("end")),
        "generated": _format_generated(portfolio.get("generated_at")),
        "generated_iso": f"{generated.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if generated else "",
        "source_host": _source_label(sources.get("github_base_url")),
        "schema_version": clean_text(portfolio.get("schema_version"), 10),
        "currency": currency,
        "prs": prs,
        "prs_text": format_count(prs),
        "prs_noun": _plural(prs, "pull request"),
        "repos": repos,
        "repos_text": format_count(repos),
        "repos_noun": _plural(repos, "repository", "repositories"),
        "value_expected": format_money(v_exp, currency),
        "value_range": format_money_range(v_low, v_high, currency),
        "hours_expected": format_hours(h_exp),
        "hours_range": format_hours_range(h_low, h_high),
        "lines": f"+{format_count(totals.get('additions'))} / −{format_count(totals.get('deletions'))}",
        "rejected_count": rejected,
        "rejected_noun": _plural(rejected, "pull request"),
    }


def _portfolio_view(portfolio: Mapping[str, Any], top_n: int, max_rows: int) -> dict[str, Any]:
    view = _common_view(portfolio)
    currency = view["currency"]
    colour_index: dict[str, int] = {}
    categories = _category_rows(_as_list(portfolio.get("category_mix")), currency)
    for cat in categories:
        colour_index.setdefault(cat["key"].lower(), len(colour_index))
    achievements = _sorted_achievements(portfolio)
    top = [_achievement_view(a, i + 1, colour_index) for i, a in enumerate(achievements[:top_n])]
    rest_items = achievements[top_n : top_n + max_rows]
    rest = [_achievement_view(a, top_n + i + 1, colour_index) for i, a in enumerate(rest_items)]

    repo_rows = [_as_dict(r) for r in _as_list(portfolio.get("repositories"))]
    repo_total = sum(max(0.0, _num(r.get("value_expected"))) for r in repo_rows)
    repositories = []
    for row in sorted(repo_rows, key=lambda r: -_num(r.get("value_expected")))[:max_rows]:
        value = max(0.0, _num(row.get("value_expected")))
        repositories.append(
            {
                "repo": clean_text(row.get("repo"), 100),
                "prs": format_count(row.get("prs")),
                "value": format_money(value, currency),
                "share": format_percent(value, repo_total),
                "top_category": category_label(row.get("top_category")),
            }
        )

    rejected = []
    rejected_items = _as_list(portfolio.get("rejected"))
    for row in (_as_dict(r) for r in rejected_items[:max_rows]):
        reasons = [clean_text(x, REASON_LIMIT) for x in _as_list(row.get("reasons"))[:REASON_ITEMS]]
        rejected.append(
            {
                "pr_id": clean_text(row.get("pr_id"), 120),
                "title": clean_text(row.get("title"), TITLE_LIMIT),
                "href": safe_href(row.get("url")),
                "reasons": [r for r in reasons if r] or ["no reason recorded"],
            }
        )

    view.update(
        {
            "time_chart": _time_chart(_as_list(portfolio.get("value_over_time")), currency),
            "category_chart": _category_chart(categories),
            "top": top,
            "rest": rest,
            "rest_hidden": max(0, len(achievements) - top_n - len(rest)),
            "repositories": repositories,
            "repositories_hidden": max(0, len(repo_rows) - len(repositories)),
            "repo_total_value": format_money(repo_total, currency),
            "rejected": rejected,
            "rejected_hidden": max(0, len(rejected_items) - len(rejected)),
            "ledger": _ledger_view(_as_dict(portfolio.get("assumptions"))),
            "top_repo": repositories[0]["repo"] if repositories else "",
        }
    )
    return view


def _highlights(achievements: list[Mapping[str, Any]], count: int = 5) -> list[Mapping[str, Any]]:
    """Pick up to ``count`` highlights by value, at most two per category on the first pass,
    so the summary shows breadth without promoting trivial work over the biggest wins."""
    chosen: list[Mapping[str, Any]] = []
    per_category: dict[str, int] = {}
    for item in achievements:
        key = clean_text(item.get("category"), LABEL_LIMIT).lower()
        if per_category.get(key, 0) < 2:
            chosen.append(item)
            per_category[key] = per_category.get(key, 0) + 1
        if len(chosen) == count:
            return chosen
    for item in achievements:
        if len(chosen) == count:
            break
        if not any(item is c for c in chosen):
            chosen.append(item)
    order = {id(item): index for index, item in enumerate(achievements)}
    return sorted(chosen, key=lambda item: order[id(item)])


def _join_phrases(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _category_sentence(categories: list[dict[str, Any]], escape: Any = str) -> str:
    """The category mix in one sentence; ``escape`` is applied to the category phrases only,
    so the Markdown variant keeps its own parentheses readable."""
    if not categories:
        return "No categorised work in this window."
    by_value = any(cat["value"] > 0 for cat in categories)
    share = "value_share" if by_value else "pr_share"

    def part(cat: dict[str, Any]) -> str:
        return f"{escape(cat['phrase'])} ({cat[share]}, {cat['prs']} {_plural(cat['prs'], 'PR')})"

    noun = "value" if by_value else "merged work"
    sentence = f"Most of the {noun} came from {part(categories[0])}"
    if rest := categories[1:3]:
        sentence += ", followed by " + _join_phrases([part(cat) for cat in rest])
    return sentence + "."


def _assumption_note(ledger: Mapping[str, Any]) -> str:
    """One line naming the assumption that drives the value (the hourly rate) and how many others exist."""
    if not ledger:
        return "Values are estimates; no assumptions ledger was supplied."
    names = list(ledger)
    lead = "hourly_rate" if "hourly_rate" in ledger else names[0]
    entry = _as_dict(ledger[lead])
    value = _assumption_value(entry.get("value"), entry.get("unit"))
    if lead == "hourly_rate":
        lead_text = f"an hourly rate of {value}"
    else:
        lead_text = f"{clean_text(lead, LABEL_LIMIT)} = {value}"
    others = len(names) - 1
    more = f" and {others} other documented {_plural(others, 'assumption')}" if others else ""
    return (
        f"Estimates assume {lead_text}{more}; ranges show low and high effort scenarios, "
        "and the full ledger is in the portfolio appendix."
    )


def _summary_view(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    view = _common_view(portfolio)
    currency = view["currency"]
    achievements = _sorted_achievements(portfolio)
    highlights = []
    for item in _highlights(achievements):
        low, expected, high = _range(item.get("value"))
        cur = _currency_code(item.get("currency")) or currency
        highlights.append(
            {
                "text": clean_text(item.get("statement") or item.get("title"), HIGHLIGHT_LIMIT) or "(untitled)",
                "pr_id": clean_text(item.get("pr_id"), 120) or "pull request",
                "href": safe_href(item.get("url")),
                "value": format_money(expected, cur),
                "range": format_money_range(low, high, cur),
                "category": category_label(item.get("category")),
            }
        )
    categories = _category_rows(_as_list(portfolio.get("category_mix")), currency)
    by_value = any(cat["value"] > 0 for cat in categories)
    segments, x = [], 0.0
    for cat in categories:
        share = cat["share_of_value"] if by_value else cat["share_of_prs"]
        if share > 0:
            segments.append(
                {
                    "x": _r(680 * x),
                    "w": _r(680 * share),
                    "colour": cat["colour"],
                    "label": cat["label"],
                    "share": cat["value_share" if by_value else "pr_share"],
                }
            )
            x += share
    view.update(
        {
            "mix_segments": segments,
            "highlights": highlights,
            "category_sentence": _category_sentence(categories),
            "category_sentence_md": _MdSafe(_category_sentence(categories, md_escape)),
            "categories": categories,
            "assumption_note": _assumption_note(_as_dict(portfolio.get("assumptions"))),
        }
    )
    return view


# --------------------------------------------------------------------------- templates


@lru_cache(maxsize=1)
def _html_env() -> Environment:
    # autoescape=True for every template in this environment, whatever its extension:
    # every byte of PR text reaches the HTML through here.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@lru_cache(maxsize=1)
def _md_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,
        finalize=_md_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_link"] = _md_link
    return env


def render_html(portfolio: Mapping[str, Any], *, top_n: int = 10, max_rows: int = 200) -> str:
    """Render the portfolio as one self-contained HTML page (inline CSS and SVG, no scripts).

    ``top_n`` achievements get a full card with evidence; up to ``max_rows`` more are
    listed in a compact table, so a year of work stays a readable document. The input is
    not validated here (call ``validate_portfolio`` at the boundary); missing or odd
    fields degrade to placeholders instead of failing the report.
    """
    view = _portfolio_view(portfolio, max(0, top_n), max(0, max_rows))
    return _html_env().get_template("portfolio.html.j2").render(v=view)


def render_executive_summary(portfolio: Mapping[str, Any]) -> tuple[str, str]:
    """Render the one-page executive summary as ``(markdown, html)``.

    Markdown is for pasting into a review document or an issue; HTML (and its PDF via
    ``render_pdf``) is for handing over. Both come from the same view, so they agree.
    """
    view = _summary_view(portfolio)
    markdown = _md_env().get_template("executive_summary.md.j2").render(v=view)
    html = _html_env().get_template("executive_summary.html.j2").render(v=view)
    return markdown, html


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
