"""The one-line sum a manager can redo: "14 h × $95/h × 1.3 (fix) × 1.45 (reach) = $2,500".

Each valuation carries its factors (``value_terms``): their product is the expected value. This
module writes them out at the precision the estimate has, leaving out factors of exactly 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from achievement_pipeline.core import figures


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _factor_label(name: str) -> str:
    """What a multiplier stands for: "category_multipliers.fix" -> "fix", "reach_factors.fork" -> "reach"."""
    family, _, key = name.partition(".")
    if family == "category_multipliers":
        return key
    if family == "impact_multipliers":
        return f"{key} impact"
    if family == "reach_factors":
        return "reach"
    return "review, issues" if "bonus" in name else name


def term_text(value: float, unit: str, currency: str, name: str = "") -> str:
    """One factor in the reader's words: 14 h · $95/h · 72% · $2,000/month · 13 min/run · 1.3 (fix)."""
    if unit == "h":
        return figures.hours(value)
    if unit == "share":
        return f"{figures.figure(value * 100)}%"
    if unit == "h/run":
        return f"{figures.figure(value * 60)} min/run" if value < 1 else f"{figures.figure(value)} h/run"
    if unit.startswith("money/"):
        per = unit.split("/", 1)[1]
        return f"{figures.money(value, currency)}/{'h' if per == 'hour' else per}"
    if unit == "×":
        return f"{_number(value)} ({_factor_label(name)})" if name else _number(value)
    return f"{figures.figure(value)} {unit}"


def arithmetic_line(terms: Iterable[Mapping[str, object]], result: float, currency: str) -> str:
    """The factors and their product, e.g. "72% × $2,000/month × 12 months = $17k"."""
    shown = [
        term_text(float(term["value"]), str(term["unit"]), currency, str(term.get("name", "")))  # type: ignore[arg-type]
        for term in terms
        if not (term["unit"] == "×" and float(term["value"]) == 1.0)  # type: ignore[arg-type]
    ]
    return " × ".join(shown) + f" = {figures.money(result, currency)}"
