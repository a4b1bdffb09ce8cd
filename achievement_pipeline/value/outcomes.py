"""Measured outcomes a PR states, valued through the ledger, with their arithmetic; implausible claims refused.

The claims come from the PR's own text (``enrich.features.measurable_claims``: a sentence with a
quantity and a change). Four kinds of outcome have ledger entries that turn them into money:

- **cost**: "cuts the monthly AWS bill by 72%" (a share of the ledger's assumed monthly cost) or
  "saves $1,200 a month" (the amount itself), counted over the ledger's horizon;
- **time**: "CI time goes from 21 min to 8 min" (minutes saved per run, runs per month, the share
  of that time people wait for it, the hourly rate) or "saves 3 hours a week" (people's time);
- **latency**: "p95 latency from 420 ms to 180 ms" or "40% faster responses": percentage points cut;
- **errors**: "35% fewer client-side exceptions": percentage points fewer errors, failures, alerts.

Everything else (throughput, memory, bundle size, adoption) is evidence but has no price in the
ledger, and the PR is valued by judgement instead. A claim that cannot be true (a reduction
above 100%, figures that go up when the claim says down, more hours saved per week than a week
has) is refused, with the reason, and counts for nothing. Those parsing and plausibility rules are
:mod:`achievement_pipeline.core.claims`, shared with enrich, which withholds generated text whose
claims they refuse; this module adds the pricing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from achievement_pipeline.core.claims import (
    NUMBER,
    WEEKS_PER_MONTH,
    RefusedClaim,
    hours_saved,
    number,
    refusal,
    stated_reduction,
)
from achievement_pipeline.core.ledger import Ledger, Range

COST, TIME, LATENCY, ERRORS = "cost", "time", "latency", "errors"

# Tried in this order; the first kind whose words match and whose figures can be priced wins.
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (COST, re.compile(r"\b(?:costs?|bill|billing|spend|spending|invoice|savings?|aws|cloud costs?)\b|[$€£]", re.I)),
    (
        LATENCY,
        re.compile(
            r"\b(?:latency|p\d{2}|response times?|load times?|page loads?|ttfb|cold start|startup|queries|query|"
            r"render(?:ing)?|round trips?)\b",
            re.I,
        ),
    ),
    (
        ERRORS,
        re.compile(
            r"\b(?:errors?|exceptions?|failures?|failed|crash(?:es)?|alerts?|pages|paging|incidents?|restarts?|"
            r"5xx|outages?|timeouts?|retries|anrs?|duplicates?)\b",
            re.I,
        ),
    ),
    (TIME, re.compile(r"\b(?:ci|builds?|pipelines?|test suites?|tests|deploys?|jobs?|checks?|releases?)\b", re.I)),
)
_MONEY_PER = re.compile(rf"[$€£]\s?{NUMBER}\s*(k|m)?\s*(?:per|a|an|/|each)\s*(month|mo|year|yr|week|day)\b", re.I)
_SECONDS = {"ms": 0.001, "s": 1, "min": 60, "h": 3600}
# How many of a period there are in a month: a bill runs every calendar day (people save time on working days:
# ``core.claims.hours_saved`` counts those).
_MONEY_PER_MONTH = {"day": 365 / 12, "week": WEEKS_PER_MONTH, "month": 1.0, "year": 1 / 12}


@dataclass(frozen=True)
class Term:
    """One factor of an outcome's arithmetic, shown to the reader."""

    name: str  # the ledger entry, or what the PR stated
    value: float
    unit: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "unit": self.unit}


@dataclass(frozen=True)
class Outcome:
    kind: str
    claim: str
    value: Range
    terms: list[Term] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)  # ledger entries used


@dataclass(frozen=True)
class Reading:
    """What the claims of one PR amount to."""

    outcomes: list[Outcome] = field(default_factory=list)
    refused: list[RefusedClaim] = field(default_factory=list)
    unvalued: list[str] = field(default_factory=list)  # plausible, but no ledger entry prices their kind


def kinds_of(claim: str) -> list[str]:
    """The kinds of outcome a claim's words speak of, in the order they are tried."""
    return [kind for kind, words in _KIND_WORDS if words.search(claim)]


def _money_per_month(claim: str) -> float | None:
    found = _MONEY_PER.search(claim)
    if not found:
        return None
    amount = number(found.group(1)) * {"k": 1e3, "m": 1e6}.get((found.group(2) or "").lower(), 1)
    period = found.group(3).lower()
    period = {"mo": "month", "yr": "year"}.get(period, period)
    return amount * _MONEY_PER_MONTH[period]


def _value_cost(claim: str, share: float, ledger: Ledger) -> Outcome | None:
    horizon = ledger.number("outcome_horizon_months")
    monthly = _money_per_month(claim)
    if monthly is not None:
        return Outcome(
            COST,
            claim,
            Range.exactly(monthly * horizon),
            [
                Term("saving stated in the PR", monthly, "money/month"),
                Term("outcome_horizon_months", horizon, "months"),
            ],
            ["outcome_horizon_months"],
        )
    if not share:
        return None
    bill = ledger.range("assumed_monthly_cost")
    return Outcome(
        COST,
        claim,
        bill.times(share * horizon),
        [
            Term("cut stated in the PR", share, "share"),
            Term("assumed_monthly_cost", bill.expected, "money/month"),
            Term("outcome_horizon_months", horizon, "months"),
        ],
        ["assumed_monthly_cost", "outcome_horizon_months"],
    )


def _value_time(claim: str, span: tuple[float, float, str] | None, ledger: Ledger) -> Outcome | None:
    rate, horizon = ledger.number("hourly_rate"), ledger.number("outcome_horizon_months")
    people = hours_saved(claim, ledger)
    if people is not None:
        per_month, _ = people
        return Outcome(
            TIME,
            claim,
            Range.exactly(per_month * horizon * rate),
            [
                Term("people's time saved, stated in the PR", per_month, "hours/month"),
                Term("outcome_horizon_months", horizon, "months"),
                Term("hourly_rate", rate, "money/hour"),
            ],
            ["outcome_horizon_months", "hourly_rate"],
        )
    if span is None or span[2] not in _SECONDS:
        return None
    before, after, unit = span
    saved_hours = (before - after) * _SECONDS[unit] / 3600
    runs, waiting = ledger.range("runs_per_month"), ledger.range("waiting_share")
    value = runs.times(waiting).times(saved_hours * horizon * rate)
    return Outcome(
        TIME,
        claim,
        value,
        [
            Term("time saved per run, stated in the PR", saved_hours, "h/run"),
            Term("runs_per_month", runs.expected, "runs/month"),
            Term("waiting_share", waiting.expected, "share"),
            Term("outcome_horizon_months", horizon, "months"),
            Term("hourly_rate", rate, "money/hour"),
        ],
        ["runs_per_month", "waiting_share", "outcome_horizon_months", "hourly_rate"],
    )


def _value_points(kind: str, claim: str, share: float, ledger: Ledger) -> Outcome | None:
    if not share:
        return None
    entry = "latency_value_per_point" if kind == LATENCY else "error_value_per_point"
    per_point = ledger.range(entry)
    points = round(share * 100, 1)
    return Outcome(
        kind,
        claim,
        per_point.times(points),
        [
            Term("percentage points cut, stated in the PR", points, "points"),
            Term(entry, per_point.expected, "money/point"),
        ],
        [entry],
    )


def _price(claim: str, share: float, span: tuple[float, float, str] | None, ledger: Ledger) -> Outcome | None:
    for kind in kinds_of(claim):
        if kind == COST:
            outcome = _value_cost(claim, share, ledger)
        elif kind == TIME:
            outcome = _value_time(claim, span, ledger)
        else:
            outcome = _value_points(kind, claim, share, ledger)
        if outcome is not None:
            return outcome
    return _value_time(claim, None, ledger)  # "saves 3 hours a week" needs no kind word


def read_claims(claims: Iterable[str], ledger: Ledger) -> Reading:
    """The outcomes the claims state (valued), the claims refused (with why), and the plausible unpriced ones."""
    reading = Reading()
    for claim in claims:
        stated = stated_reduction(claim)
        refused = refusal(claim, ledger, stated)
        if refused:
            reading.refused.append(RefusedClaim(claim, refused))
            continue
        outcome = _price(claim, stated.share, stated.span, ledger)
        if outcome is not None and outcome.value.expected > 0:
            reading.outcomes.append(outcome)
        else:
            reading.unvalued.append(claim)
    return reading
