"""The assumptions ledger: every rate, factor, cap and threshold the figures are computed from, in one YAML file.

It is an editable, packaged default (``assumptions.yaml`` beside this module, or the file
ACHIEVEMENT_ASSUMPTIONS names). The value rules turn evidence into hours, cost and value with
it, the validate rules read its limits, enrich checks generated numbers against it, and the
portfolio prints it as an appendix, so every stage that needs it reaches it here.

An entry's ``value`` is a number, a ``{low, expected, high}`` range (an uncertain input), a
list, or a table of either keyed by a class (size, category, ...). The shape of every entry
the rules read is checked when the ledger is loaded, so a typo fails with the entry's name
before any figure is computed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from achievement_pipeline.core import settings
from achievement_pipeline.core.fingerprints import fingerprint
from achievement_pipeline.core.records import IMPACT_TIERS, SHOWN_CATEGORIES

DEFAULT_LEDGER = Path(__file__).with_name("assumptions.yaml")

SIZES = ("xs", "s", "m", "l", "xl")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REACH_KINDS = ("organization", "personal", "personal_of_others", "fork", "unknown")

# Every entry the rules read, by shape: "number", "range" (a number or {low, expected, high}), "dates", "weekdays",
# or (shape, keys) for a table.
_SHAPES: dict[str, Any] = {
    "working_hours_per_week": "number",
    "working_weekdays": "weekdays",
    "pr_work_share": "number",
    "non_working_days": "dates",
    "effort_hours_by_size": ("range", SIZES),
    "effort_files_included": "number",
    "effort_hours_per_extra_file": "range",
    "effort_counted_files": "number",
    "effort_commits_included": "number",
    "effort_hours_per_extra_commit": "range",
    "effort_counted_commits": "number",
    "effort_hours_per_review_round": "range",
    "effort_counted_review_rounds": "number",
    "hourly_rate": "number",
    "outcome_horizon_months": "number",
    "assumed_monthly_cost": "range",
    "runs_per_month": "range",
    "waiting_share": "range",
    "latency_value_per_point": "range",
    "error_value_per_point": "range",
    "max_claimed_reduction": "number",
    "max_claimed_hours_per_week": "number",
    "category_min_confidence": "number",
    "category_multipliers": ("number", SHOWN_CATEGORIES),
    "impact_multipliers": ("number", IMPACT_TIERS),
    "review_depth_bonus": "number",
    "review_depth_counted": "number",
    "linked_issue_bonus": "number",
    "linked_issues_counted": "number",
    "reach_factors": ("number", REACH_KINDS),
    "popularity_bonus": ("number", ("per_tenfold_stars", "max")),
    "max_hours_per_pr": "number",
    "outlier_iqr_factor": "number",
    "min_history_for_outliers": "number",
}


class LedgerError(ValueError):
    """The assumptions ledger is missing an entry or has one of the wrong shape."""


@dataclass(frozen=True)
class Range:
    """An uncertain input, or an estimate built from such inputs: low <= expected <= high."""

    low: float
    expected: float
    high: float

    @classmethod
    def exactly(cls, value: float) -> Range:
        return cls(value, value, value)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.expected + other.expected, self.high + other.high)

    def times(self, factor: float | Range) -> Range:
        """Each end multiplied by the same end of ``factor`` (non-negative quantities only)."""
        f = factor if isinstance(factor, Range) else Range.exactly(factor)
        return Range(self.low * f.low, self.expected * f.expected, self.high * f.high)

    def capped(self, ceiling: float) -> Range:
        return Range(min(self.low, ceiling), min(self.expected, ceiling), min(self.high, ceiling))

    def rounded(self, digits: int = 2) -> Range:
        return Range(round(self.low, digits), round(self.expected, digits), round(self.high, digits))


@dataclass(frozen=True)
class Ledger:
    source: str
    entries: dict[str, Any]

    @property
    def currency(self) -> str:
        return str(self.entries["currency"])

    @property
    def digest(self) -> str:
        """The SHA-256 of the entries (keys sorted): which ledger a figure came from, whatever its file's layout."""
        return fingerprint(self.entries)

    def value(self, name: str) -> Any:
        return self.entries[name]["value"]

    def number(self, name: str, key: str | None = None) -> float:
        value = self.value(name)
        return float(value[key] if key is not None else value)

    def range(self, name: str, key: str | None = None) -> Range:
        """An uncertain input as a :class:`Range` (a plain number is certain: all three ends equal)."""
        value = self.value(name)
        return _as_range(value[key] if key is not None else value)

    def cite(self, name: str, key: str | None = None) -> dict[str, object]:
        """An assumptions-list entry naming the ledger item (and sub-key) that was used."""
        entry = self.entries[name]
        value = entry["value"][key] if key is not None else entry["value"]
        return {
            "name": f"{name}.{key}" if key else name,
            "value": value,
            "unit": entry.get("unit", ""),
            "source": self.source,
        }


def _as_range(value: Any) -> Range:
    if isinstance(value, Mapping):
        return Range(float(value["low"]), float(value["expected"]), float(value["high"]))
    return Range.exactly(float(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _shape_error(shape: str, value: Any) -> str | None:
    """Why ``value`` does not have ``shape``, or None when it does."""
    if shape == "number":
        return None if _is_number(value) else "must be a number >= 0"
    if shape == "range":
        if _is_number(value):
            return None
        if not isinstance(value, Mapping) or not all(_is_number(value.get(k)) for k in ("low", "expected", "high")):
            return "must be a number >= 0 or {low, expected, high}"
        if not value["low"] <= value["expected"] <= value["high"]:
            return "needs low <= expected <= high"
        return None
    if shape == "weekdays":
        if not isinstance(value, list) or not value or any(str(day).lower() not in WEEKDAYS for day in value):
            return f"must be a non-empty list of {', '.join(WEEKDAYS)}"
        return None
    if shape == "dates":
        if not isinstance(value, list):
            return "must be a list of dates (YYYY-MM-DD)"
        for item in value:
            try:
                date.fromisoformat(str(item))
            except ValueError:
                return f"has {item!r}, which is not a date (YYYY-MM-DD)"
        return None
    raise AssertionError(shape)  # pragma: no cover - the table above names only these shapes


def _check(path: Path, entries: dict[str, Any]) -> None:
    missing = [name for name in ("currency", *_SHAPES) if name not in entries]
    if missing:
        raise LedgerError(f"assumptions ledger {path} lacks {', '.join(missing)}: copy them from {DEFAULT_LEDGER}")
    for name, shape in _SHAPES.items():
        entry = entries[name]
        if not isinstance(entry, dict) or "value" not in entry:
            raise LedgerError(f"assumptions ledger {path}: {name} needs a 'value' (and ideally 'unit', 'note')")
        value = entry["value"]
        if isinstance(shape, tuple):
            item_shape, keys = shape
            if not isinstance(value, Mapping):
                raise LedgerError(f"assumptions ledger {path}: {name} must be a table of {', '.join(keys)}")
            absent = [k for k in keys if k not in value]
            if absent:
                raise LedgerError(f"assumptions ledger {path}: {name} lacks {', '.join(absent)}")
            for key in keys:
                if (problem := _shape_error(item_shape, value[key])) is not None:
                    raise LedgerError(f"assumptions ledger {path}: {name}.{key} {problem}")
        elif (problem := _shape_error(shape, value)) is not None:
            raise LedgerError(f"assumptions ledger {path}: {name} {problem}")
    if not 0 < float(entries["pr_work_share"]["value"]) <= 1:
        raise LedgerError(f"assumptions ledger {path}: pr_work_share must be above 0 and at most 1")


def load_ledger(path: str | os.PathLike[str] | None = None) -> Ledger:
    """Read the ledger (ACHIEVEMENT_ASSUMPTIONS or the packaged default) and check its shape."""
    path = Path(path or settings.text("ACHIEVEMENT_ASSUMPTIONS") or DEFAULT_LEDGER)
    try:
        entries = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise LedgerError(f"assumptions ledger {path} does not exist: fix ACHIEVEMENT_ASSUMPTIONS") from None
    except yaml.YAMLError as exc:
        raise LedgerError(f"assumptions ledger {path} is not valid YAML: {exc}") from None
    if not isinstance(entries, dict):
        raise LedgerError(f"assumptions ledger {path} must be a mapping of named assumptions")
    _check(path, entries)
    return Ledger(source=path.name if path == DEFAULT_LEDGER else str(path), entries=entries)
