"""Tolerant readers for values in the portfolio document.

The renderers do not validate their input (that is ``validate_portfolio``'s job at the
boundary), so every number, list, mapping and range is read through these helpers: a
missing or malformed field becomes a neutral default instead of an exception, and
non-finite numbers never reach the formatting or the chart geometry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def as_finite(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_number(value: object, default: float = 0.0) -> float:
    number = as_finite(value)
    return default if number is None else number


def as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_range(value: object) -> tuple[float, float, float]:
    rng = as_dict(value)
    return as_number(rng.get("low")), as_number(rng.get("expected")), as_number(rng.get("high"))
