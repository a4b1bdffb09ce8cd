"""Reader-facing formatting: money, hours, counts, percents, dates, windows and categories.

These turn document values into the short strings a manager reads (``$12k``,
``10–40 h``, ``3 Jan 2025``, ``Build & CI``; money and hours at two significant figures,
``core.figures``) and never raise: a non-number renders as an
em dash and unknown text passes through ``clean_text``. Category labels, the phrases
used inside sentences and the chart colours are kept together so every view names and
colours a category the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from achievement_pipeline.core import figures
from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_finite, as_number
from achievement_pipeline.export.reports.text import LABEL_LIMIT

# Calm, print-friendly colours that stay distinguishable in greyscale-ish print.
_CATEGORY_COLOURS: dict[str, str] = {
    "uncertain": "#8a8a8a",
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
OTHER_COLOUR = "#c3c8cf"

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
    "uncertain": "Uncertain category",
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
    "uncertain": "work of an uncertain category",
}


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def currency_code(currency: object) -> str:
    code = clean_text(currency, 8).upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else ""


def format_money(value: object, currency: object = "USD", *, compact: bool = False) -> str:
    """An estimate of money at the precision it has (two significant figures): ``$3,600``, ``$75k``.

    ``compact`` shortens from a thousand (``$2.5k``), for chart axes. Non-numbers render as an
    em dash rather than crashing a report.
    """
    number = as_finite(value)
    if number is None:
        return "—"
    return figures.money(number, currency_code(currency), compact_from=1e3 if compact else 1e4)


def format_money_range(low: object, high: object, currency: object = "USD") -> str:
    """A low–high range of money, e.g. ``$38k–150k`` (``figures.money_range``)."""
    lo, hi = as_finite(low), as_finite(high)
    if lo is None or hi is None:
        return f"{format_money(low, currency)}–{format_money(high, currency)}"
    return figures.money_range(lo, hi, currency_code(currency))


def format_hours(value: object) -> str:
    """An effort estimate at two significant figures, e.g. ``690 h`` or ``1.5 h``."""
    number = as_finite(value)
    return "—" if number is None else figures.hours(abs(number))


def format_hours_range(low: object, high: object) -> str:
    """An effort range, e.g. ``340–1,400 h``."""
    lo, hi = as_finite(low), as_finite(high)
    if lo is None or hi is None:
        return "—"
    return figures.hours_range(abs(lo), abs(hi))


def format_count(value: object) -> str:
    """Format a whole number with thousands separators, e.g. ``12,345``."""
    number = as_finite(value)
    return "—" if number is None else f"{round(number):,}"


def format_percent(part: object, whole: object) -> str:
    """Format ``part`` as a share of ``whole``, e.g. ``45%``; ``<1%`` for tiny non-zero shares."""
    p, w = as_number(part), as_number(whole)
    if w <= 0:
        return "—"
    share = 100 * p / w
    if 0 < share < 1:
        return "<1%"
    return f"{share:.0f}%"


def parse_datetime(value: object) -> datetime | None:
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


def month_span(first: object, last: object) -> str:
    """When work merged, to the month: "Feb 2025", "Jan–Mar 2025", "Dec 2024 – Jan 2025"."""
    start, end = _parse_date(first), _parse_date(last) or _parse_date(first)
    if start is None or end is None:
        return ""
    (y1, m1), (y2, m2) = sorted([(start.year, start.month), (end.year, end.month)])
    if (y1, m1) == (y2, m2):
        return f"{_MONTHS[m1 - 1]} {y1}"
    if y1 == y2:
        return f"{_MONTHS[m1 - 1]}–{_MONTHS[m2 - 1]} {y1}"
    return f"{_MONTHS[m1 - 1]} {y1} – {_MONTHS[m2 - 1]} {y2}"


def format_window(start: object, end: object) -> str:
    first, last = _parse_date(start), _parse_date(end)
    if first is None or last is None:
        return f"{clean_text(start, 40)} – {clean_text(end, 40)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def format_generated(value: object) -> str:
    parsed = parse_datetime(value)
    if parsed is None:
        return clean_text(value, 40)
    utc = parsed.astimezone(UTC)
    return f"{format_date(utc.date().isoformat())}, {utc:%H:%M} UTC"


def format_period(period: object, *, short: bool) -> str:
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


def category_phrase(category: object) -> str:
    key = clean_text(category, LABEL_LIMIT)
    return _CATEGORY_PHRASES.get(key.lower(), key.lower() or "uncategorised work")


def category_colour(category: object, fallback_index: int) -> str:
    key = clean_text(category, LABEL_LIMIT).lower()
    return _CATEGORY_COLOURS.get(key, _FALLBACK_COLOURS[fallback_index % len(_FALLBACK_COLOURS)])


def join_phrases(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list as a sentence says it."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def pluralise(count: float, singular: str, plural: str | None = None) -> str:
    return singular if round(count) == 1 else (plural or singular + "s")
