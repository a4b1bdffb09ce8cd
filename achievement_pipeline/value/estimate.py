"""Cost and value of one PR, as two figures, from transparent rules over the assumptions ledger.

**Cost** is what the work took: its hours (``effort``) at the ledger's hourly rate. **Value** is
what it delivered. When the PR states a measured outcome the ledger can price (``outcomes``), the
value rests on the largest one, with its arithmetic. Otherwise the value is the cost times the
ledger's judgement multipliers (category, impact, linked issues, review depth), labelled as a
judgement. Either way it is multiplied by the reach of the repository (``reach``). No evidence
of work (no lines changed and no claims) means neither cost nor value.

Every number is traceable: ``evidence`` says what was observed, ``assumptions`` which ledger
entries were used, ``value_terms`` the factors whose product is the expected value. There is no
hidden model on purpose: a manager must be able to redo the sum.
"""

from __future__ import annotations

from typing import Any

from achievement_pipeline.core.ledger import Ledger
from achievement_pipeline.core.predictions import MODEL_BASIS, describe_category, describe_impact
from achievement_pipeline.core.records import VALUE_BASES, ValuationRecord
from achievement_pipeline.value.effort import estimate_effort
from achievement_pipeline.value.outcomes import Outcome, read_claims
from achievement_pipeline.value.reach import estimate_reach

OUTCOME, JUDGEMENT, NONE = VALUE_BASES
HOURS_TERM = "hours"  # the term of a judgement's arithmetic that the calendar may scale


def _term(name: str, value: float, unit: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit}


def _empty(row: dict[str, Any], ledger: Ledger) -> ValuationRecord:
    zero = 0.0
    return {
        "pr_id": row["pr_id"],
        "merge_date": row["merge_date"],
        "hours_low": zero,
        "hours_expected": zero,
        "hours_high": zero,
        "cost_low": zero,
        "cost_expected": zero,
        "cost_high": zero,
        "value_low": zero,
        "value_expected": zero,
        "value_high": zero,
        "currency": ledger.currency,
        "value_basis": NONE,
        "value_terms": [],
        "reach": 0.0,
        "reach_note": "",
        "outcomes": [],
        "refused_claims": [],
        "evidence": [],
        "assumptions": [],
    }


def _judgement(row: dict[str, Any], ledger: Ledger) -> tuple[float, list[dict], list[dict], list[dict]]:
    """The judgement multiplier on cost, its terms, evidence and assumptions."""
    category, impact = str(row["category"]), str(row["impact"])
    comments = int(min(int(row.get("review_comment_count") or 0), ledger.number("review_depth_counted")))
    issues = list(row.get("linked_issues") or [])[: int(ledger.number("linked_issues_counted"))]
    category_factor = ledger.number("category_multipliers", category)
    impact_factor = ledger.number("impact_multipliers", impact)
    bonus = comments * ledger.number("review_depth_bonus") + len(issues) * ledger.number("linked_issue_bonus")
    evidence = [
        {
            "kind": "category",
            "detail": describe_category(
                category,
                str(row.get("category_basis") or MODEL_BASIS),
                str(row.get("predicted_category") or ""),
                float(row.get("category_confidence") or 0.0),
                str(row.get("category_model_version") or row.get("model_version") or ""),
            ),
        },
        {
            "kind": "impact",
            "detail": describe_impact(impact, int(row.get("impact_points") or 0), row.get("impact_evidence") or []),
        },
    ]
    assumptions = [ledger.cite("category_multipliers", category), ledger.cite("impact_multipliers", impact)]
    terms = [
        _term(f"category_multipliers.{category}", category_factor, "×"),
        _term(f"impact_multipliers.{impact}", impact_factor, "×"),
    ]
    if comments:
        evidence.append({"kind": "review", "detail": f"{comments} review comments"})
        assumptions.append(ledger.cite("review_depth_bonus"))
    if issues:
        evidence.append({"kind": "linked_issue", "detail": "closes " + ", ".join(f"#{n}" for n in issues)})
        assumptions.append(ledger.cite("linked_issue_bonus"))
    if bonus:
        terms.append(_term("review and linked-issue bonus", round(1 + bonus, 3), "×"))
    return category_factor * impact_factor * (1 + bonus), terms, evidence, assumptions


def _outcome_dict(outcome: Outcome) -> dict[str, object]:
    return {
        "kind": outcome.kind,
        "claim": outcome.claim,
        "value": {"low": outcome.value.low, "expected": outcome.value.expected, "high": outcome.value.high},
        "terms": [term.as_dict() for term in outcome.terms],
    }


def estimate(row: dict[str, Any], ledger: Ledger) -> ValuationRecord:
    """Cost and value of one PR from its features, predictions and repository facts.

    ``row`` joins a PR (``pull_requests``) with its features (``enriched_prs``) and its
    predictions (``predictions``).
    """
    lines = int(row["lines_changed"])
    claims = list(row.get("claims") or [])
    if lines == 0 and not claims:
        return _empty(row, ledger)

    effort = estimate_effort(row, ledger)
    rate = ledger.number("hourly_rate")
    cost = effort.hours.times(rate)
    evidence, assumptions = list(effort.evidence), [*effort.assumptions, ledger.cite("hourly_rate")]

    reading = read_claims(claims, ledger)
    reach = estimate_reach(row, ledger)
    for refused in reading.refused:
        evidence.append({"kind": "claim refused", "detail": f"{refused.claim} ({refused.reason})"})
    for claim in reading.unvalued:
        evidence.append({"kind": "claim", "detail": claim})

    if reading.outcomes:
        best = max(reading.outcomes, key=lambda o: (o.value.expected, o.claim))
        basis = OUTCOME
        value = best.value.times(reach.factor)
        terms = [term.as_dict() for term in best.terms]
        for outcome in sorted(reading.outcomes, key=lambda o: o is not best):
            evidence.append({"kind": "outcome", "detail": outcome.claim})
        assumptions += [ledger.cite(name) for name in dict.fromkeys(best.assumptions) if name != "hourly_rate"]
    else:
        basis = JUDGEMENT
        multiplier, judgement_terms, judgement_evidence, judgement_assumptions = _judgement(row, ledger)
        value = cost.times(multiplier * reach.factor)
        terms = [_term(HOURS_TERM, effort.hours.expected, "h"), _term("hourly_rate", rate, "money/hour")]
        terms += judgement_terms
        evidence += judgement_evidence
        assumptions += judgement_assumptions
    terms.append(_term(f"reach_factors.{reach.kind}", reach.factor, "×"))
    evidence.append({"kind": "reach", "detail": reach.reason})
    assumptions += reach.assumptions

    hours, cost, value = effort.hours.rounded(), cost.rounded(), value.rounded()
    return {
        "pr_id": row["pr_id"],
        "merge_date": row["merge_date"],
        "hours_low": hours.low,
        "hours_expected": hours.expected,
        "hours_high": hours.high,
        "cost_low": cost.low,
        "cost_expected": cost.expected,
        "cost_high": cost.high,
        "value_low": value.low,
        "value_expected": value.expected,
        "value_high": value.high,
        "currency": ledger.currency,
        "value_basis": basis,
        "value_terms": terms,
        "reach": reach.factor,
        "reach_note": reach.reason,
        "outcomes": [_outcome_dict(o) for o in reading.outcomes],
        "refused_claims": [{"claim": r.claim, "reason": r.reason} for r in reading.refused],
        "evidence": evidence,
        "assumptions": assumptions,
    }
