"""Estimates shown at the precision they have: two significant figures, for money and for hours.

An estimate built from a rate, a size class and a judgement multiplier is not known to the
dollar; printing "$75,206" claims a precision a sceptical reader rightly refuses. Every
money and hours figure a person reads (the portfolio, its PDF, the summary, the arithmetic
line on each card) goes through these functions. The JSON keeps the unrounded numbers, so
totals still add up for a machine.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

SIGNIFICANT = 2

_SYMBOLS: dict[str, str] = {
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


def significant(value: float, digits: int = SIGNIFICANT) -> float:
    """``value`` rounded half-up to ``digits`` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    quantum = Decimal(1).scaleb(exponent)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _plain(value: float) -> str:
    """A rounded number without trailing zeros after the point: 3600, 1.5, 0.25."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def figure(value: float, *, compact_from: float = 1e4) -> str:
    """A number at two significant figures, compact from ten thousand: 3,600 · 75k · 1.2M."""
    rounded = significant(abs(value))
    sign = "−" if value < 0 and rounded else ""
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if rounded >= max(divisor, compact_from):
            return f"{sign}{_plain(significant(rounded / divisor))}{suffix}"
    return f"{sign}{_plain(rounded)}"


def money(value: float, currency: str = "USD", *, compact_from: float = 1e4) -> str:
    """An amount at two significant figures with its currency: $3,600 · $75k · 1,200 SEK."""
    text = figure(value, compact_from=compact_from)
    sign, text = ("−", text[1:]) if text.startswith("−") else ("", text)
    symbol = _SYMBOLS.get(currency)
    if symbol is not None:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text}\u00a0{currency}" if currency else f"{sign}{text}"


def money_range(low: float, high: float, currency: str = "USD") -> str:
    """A low–high range of money, each end at two significant figures: $38k–150k · 1,200–3,400 SEK.

    The symbol is written once, as people write ranges, and so that Markdown renderers with
    math (GitHub) never read "$38k–$" as the start of a formula; a range across zero keeps
    each end whole.
    """
    low_text, high_text = money(low, currency), money(high, currency)
    if low < 0 or high < 0:
        return f"{low_text}–{high_text}"
    symbol = _SYMBOLS.get(currency)
    if symbol is not None:
        return f"{low_text}–{high_text.removeprefix(symbol)}"
    suffix = f"\u00a0{currency}" if currency else ""
    return f"{low_text.removesuffix(suffix)}–{high_text}"


def hours(value: float) -> str:
    """Hours at two significant figures: 690 h · 20 h · 1.5 h."""
    return f"{figure(value)}\u00a0h"


def hours_range(low: float, high: float) -> str:
    """A low–high range of hours: 340–1,400 h."""
    return f"{figure(low)}–{figure(high)}\u00a0h"
