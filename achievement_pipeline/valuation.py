"""Business-value estimates from transparent rules and an editable assumptions ledger.

Every number in an estimate can be traced: the evidence list says what was observed
about the PR, the assumptions list says which ledger entries turned it into hours and
money. There is no hidden model here on purpose: a manager must be able to redo the sum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from achievement_pipeline.records import CATEGORIES, IMPACT_TIERS, ValuationRecord

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
    path = Path(path or os.environ.get("ACHIEVEMENT_ASSUMPTIONS") or DEFAULT_LEDGER)
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


def estimate(row: dict[str, Any], ledger: Ledger) -> ValuationRecord:
    """Value one PR from its features and predictions.

    ``row`` joins an enriched PR with its prediction: size_class, lines_changed, claims,
    review_comment_count, linked_issues, category (+confidence), impact, model_version.
    No evidence of work (no lines changed and no claims) means no value at all.
    """
    evidence: list[dict[str, str]] = []
    assumptions: list[dict[str, object]] = []
    size = str(row["size_class"])
    lines = int(row["lines_changed"])
    claims = list(row.get("claims") or [])
    comments = min(int(row.get("review_comment_count") or 0), 10)
    issues = min(len(row.get("linked_issues") or []), 3)

    if lines == 0 and not claims:
        zero = 0.0
        return {
            "pr_id": row["pr_id"],
            "merge_date": row["merge_date"],
            "hours_low": zero,
            "hours_expected": zero,
            "hours_high": zero,
            "value_low": zero,
            "value_expected": zero,
            "value_high": zero,
            "currency": ledger.currency,
            "evidence": [],
            "assumptions": [],
        }

    hours = float(ledger.value("effort_hours_by_size")[size])
    evidence.append({"kind": "size", "detail": f"{lines} lines changed (size {size})"})
    assumptions.append(ledger.cite("effort_hours_by_size", size))

    category, impact = str(row["category"]), str(row["impact"])
    multiplier = float(ledger.value("category_multipliers")[category])
    evidence.append(
        {
            "kind": "category",
            "detail": f"predicted {category} ({float(row['category_confidence']):.2f}) by {row['model_version']}",
        }
    )
    assumptions.append(ledger.cite("category_multipliers", category))
    multiplier *= float(ledger.value("impact_multipliers")[impact])
    evidence.append({"kind": "impact", "detail": f"predicted {impact} impact ({float(row['impact_confidence']):.2f})"})
    assumptions.append(ledger.cite("impact_multipliers", impact))

    bonus = 0.0
    if comments:
        bonus += comments * float(ledger.value("review_depth_bonus"))
        evidence.append({"kind": "review", "detail": f"{comments} review comments"})
        assumptions.append(ledger.cite("review_depth_bonus"))
    if issues:
        bonus += issues * float(ledger.value("linked_issue_bonus"))
        numbers = ", ".join(f"#{n}" for n in list(row["linked_issues"])[:3])
        evidence.append({"kind": "linked_issue", "detail": f"closes {numbers}"})
        assumptions.append(ledger.cite("linked_issue_bonus"))
    for claim in claims[:2]:
        bonus += float(ledger.value("claim_bonus"))
        evidence.append({"kind": "claim", "detail": claim})
    if claims:
        assumptions.append(ledger.cite("claim_bonus"))

    rate = float(ledger.value("hourly_rate"))
    assumptions.append(ledger.cite("hourly_rate"))
    factors = ledger.value("range_factors")
    assumptions.append(ledger.cite("range_factors"))
    expected_value = hours * rate * multiplier * (1.0 + bonus)
    low_f, high_f = float(factors["low"]), float(factors["high"])
    return {
        "pr_id": row["pr_id"],
        "merge_date": row["merge_date"],
        "hours_low": round(hours * low_f, 2),
        "hours_expected": round(hours, 2),
        "hours_high": round(hours * high_f, 2),
        "value_low": round(expected_value * low_f, 2),
        "value_expected": round(expected_value, 2),
        "value_high": round(expected_value * high_f, 2),
        "currency": ledger.currency,
        "evidence": evidence,
        "assumptions": assumptions,
    }
