"""Lenient reading of enriched-PR cell values, shared by the label rules and the feature transform.

Enriched rows come from parquet and pandas, so one logical value arrives in several shapes: a list
may be a list, a numpy array, a tuple or ``None``; a count may be an int, a float, ``NaN`` or
``None``. The weak labels and the model features must read those values the same way, so the
coercion lives here, once, rather than in either of them.
"""

from __future__ import annotations

import math
from typing import Any


def as_list(value: Any) -> list[Any]:
    """Lists arrive as lists, numpy arrays (parquet), tuples or None; treat them all alike."""
    if value is None or isinstance(value, str | bytes):
        return [] if not value else [value]
    try:
        return list(value)
    except TypeError:
        return [] if is_missing(value) else [value]


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_int(value: Any) -> int:
    try:
        return 0 if is_missing(value) else int(value)
    except (TypeError, ValueError):
        return 0
