"""Inline-SVG chart geometry for the value-over-time and category-mix charts.

All coordinates, ticks and labels are computed (and rounded) here so the chart
templates are pure layout and the output is stable for tests and diffs. The category
mix rows are built here too, because the category chart, the portfolio page and the
executive summary all share them.
"""

from __future__ import annotations

import math
from typing import Any

from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_dict, as_number
from achievement_pipeline.export.reports.formatting import (
    OTHER_COLOUR,
    category_colour,
    category_label,
    category_phrase,
    format_money,
    format_percent,
    format_period,
    pluralise,
)
from achievement_pipeline.export.reports.text import LABEL_LIMIT


def svg_round(value: float) -> float:
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


def time_chart(rows: list[Any], currency: str) -> dict[str, Any] | None:
    """Geometry for the value-over-time bar chart, computed here so the template is pure layout."""
    rows = [as_dict(row) for row in rows][:400]
    if not rows:
        return None
    width, height = 680, 236
    left, right, top, bottom = 58, 8, 20, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [max(0.0, as_number(row.get("value_expected"))) for row in rows]
    step, top_value = _nice_scale(max(values))
    baseline = top + plot_h
    ticks = []
    for i in range(round(top_value / step) + 1):
        tick = step * i
        ticks.append(
            {
                "y": svg_round(baseline - plot_h * tick / top_value),
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
        prs = max(0, round(as_number(row.get("prs"))))
        money = format_money(value, currency)
        prs_text = f"{prs} {pluralise(prs, 'PR')}"
        bars.append(
            {
                "x": svg_round(centre - bar_w / 2),
                "y": svg_round(baseline - bar_h),
                "w": svg_round(bar_w),
                "h": svg_round(bar_h),
                "cx": svg_round(centre),
                "label": format_period(row.get("period"), short=count > 6) if index % every == 0 else "",
                "sub": prs_text if detailed else "",
                "value": format_money(value, currency, compact=True) if detailed and value > 0 else "",
                "title": f"{format_period(row.get('period'), short=False)}: {money} from {prs_text}",
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": svg_round(baseline),
        "ticks": ticks,
        "bars": bars,
        "detailed": detailed,
    }


def category_rows(rows: list[Any], currency: str, limit: int = 8) -> list[dict[str, Any]]:
    """Category mix sorted by value, folding the tail into "Other" so the chart stays legible."""
    items = []
    for row in (as_dict(r) for r in rows):
        items.append(
            {
                "key": clean_text(row.get("category"), LABEL_LIMIT),
                "prs": max(0, round(as_number(row.get("prs")))),
                "value": max(0.0, as_number(row.get("value_expected"))),
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
                "phrase": "other work" if is_other else category_phrase(item["key"]),
                "colour": OTHER_COLOUR if is_other else category_colour(item["key"], index),
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


def category_chart(categories: list[dict[str, Any]]) -> dict[str, Any] | None:
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
            f"{cat['money']} · {cat['value_share']} · {cat['prs']} {pluralise(cat['prs'], 'PR')}"
            if by_value
            else f"{cat['prs']} {pluralise(cat['prs'], 'PR')} · {cat['pr_share']}"
        )
        rows.append(
            {
                "label": clean_text(cat["label"], 24),
                "colour": cat["colour"],
                "y": y,
                "text_y": y + bar_h - 3,
                "x": label_w,
                "w": svg_round(bar),
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
