"""The assumptions ledger: every rate, multiplier and limit the figures are computed from, in one YAML file.

It is an editable, packaged default (``assumptions.yaml`` beside this module, or the file
ACHIEVEMENT_ASSUMPTIONS names). The value rules turn evidence into hours and money with it,
the validate rules read its limits, enrich checks generated numbers against it, and the
portfolio prints it as an appendix, so every stage that needs it reaches it here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from achievement_pipeline.core import settings
from achievement_pipeline.core.records import CATEGORIES, IMPACT_TIERS

DEFAULT_LEDGER = Path(__file__).with_name("assumptions.yaml")
_REQUIRED = (
    "currency",
    "hourly_rate",
    "effort_hours_by_size",
    "range_factors",
    "category_multipliers",
    "impact_multipliers",
    "review_depth_bonus",
    "linked_issue_bonus",
    "claim_bonus",
    "max_hours_per_pr",
)


class LedgerError(ValueError):
    """The assumptions ledger is missing an entry or has one of the wrong shape."""


@dataclass(frozen=True)
class Ledger:
    source: str
    entries: dict[str, Any]

    @property
    def currency(self) -> str:
        return str(self.entries["currency"])

    def value(self, name: str) -> Any:
        return self.entries[name]["value"]

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
    missing = [name for name in _REQUIRED if name not in entries]
    if missing:
        raise LedgerError(f"assumptions ledger {path} lacks {', '.join(missing)}: copy them from {DEFAULT_LEDGER}")
    for name in _REQUIRED[1:]:
        if not isinstance(entries[name], dict) or "value" not in entries[name]:
            raise LedgerError(f"assumptions ledger {path}: {name} needs a 'value' (and ideally 'unit', 'note')")
    sizes = entries["effort_hours_by_size"]["value"]
    for size in ("xs", "s", "m", "l", "xl"):
        if not isinstance(sizes.get(size), int | float) or sizes[size] < 0:
            raise LedgerError(f"assumptions ledger {path}: effort_hours_by_size.{size} must be a number >= 0")
    for name, keys in (("category_multipliers", CATEGORIES), ("impact_multipliers", IMPACT_TIERS)):
        absent = [k for k in keys if k not in entries[name]["value"]]
        if absent:
            raise LedgerError(f"assumptions ledger {path}: {name} lacks {', '.join(absent)}")
    return Ledger(source=path.name if path == DEFAULT_LEDGER else str(path), entries=entries)
