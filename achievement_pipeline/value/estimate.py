"""Business-value estimates from transparent rules over the assumptions ledger.

Every number in an estimate can be traced: the evidence list says what was observed
about the PR, the assumptions list says which ledger entries turned it into hours and
money. There is no hidden model here on purpose: a manager must be able to redo the sum.
"""

from __future__ import annotations

from typing import Any

from achievement_pipeline.core.ledger import Ledger
from achievement_pipeline.core.records import ValuationRecord


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
