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
has) is refused, with the reason, and counts for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from achievement_pipeline.core.ledger import Ledger, Range
from achievement_pipeline.value.calendar import WEEKS_PER_MONTH, working_days_per_month

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
_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_DURATION_UNIT = r"(ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b"
_FROM_TO = re.compile(
    rf"\bfrom\s+{_NUMBER}\s*(?:{_DURATION_UNIT})?\s+(?:down\s+)?to\s+{_NUMBER}\s*(?:{_DURATION_UNIT})?", re.I
)
_PERCENT = re.compile(rf"{_NUMBER}\s*%", re.I)
_DOWN = re.compile(
    r"\b(?:fewer|less|lower|cuts?|cutting|reduc\w*|drops?|dropped|down|smaller|faster|shorter|saves?|saved|"
    r"decreas\w*)\b",
    re.I,
)
_TIMES_FASTER = re.compile(rf"{_NUMBER}\s*(?:x|×|times)\s+(?:faster|quicker|shorter)", re.I)
_MONEY_PER = re.compile(rf"[$€£]\s?{_NUMBER}\s*(k|m)?\s*(?:per|a|an|/|each)\s*(month|mo|year|yr|week|day)\b", re.I)
_HOURS_SAVED = re.compile(
    rf"\bsav\w*\s+(?:about\s+|around\s+|roughly\s+)?{_NUMBER}\s*(hours?|h|hrs?|minutes?|mins?|min)\s*"
    r"(?:of\s+\w+\s+)?(?:per|a|an|/|each|every)\s*(week|month|day)\b",
    re.I,
)
_SECONDS = {"ms": 0.001, "s": 1, "min": 60, "h": 3600}
# How many of a period there are in a month: a bill runs every calendar day, people save time on working days.
_MONEY_PER_MONTH = {"day": 365 / 12, "week": WEEKS_PER_MONTH, "month": 1.0, "year": 1 / 12}


def _people_per_month(period: str, ledger: Ledger) -> float:
    return working_days_per_month(ledger) if period == "day" else _MONEY_PER_MONTH[period]


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
class RefusedClaim:
    claim: str
    reason: str


@dataclass(frozen=True)
class Reading:
    """What the claims of one PR amount to."""

    outcomes: list[Outcome] = field(default_factory=list)
    refused: list[RefusedClaim] = field(default_factory=list)
    unvalued: list[str] = field(default_factory=list)  # plausible, but no ledger entry prices their kind


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _unit(text: str | None) -> str | None:
    if not text:
        return None
    text = text.lower()
    if text.startswith("ms") or text.startswith("milli"):
        return "ms"
    if text.startswith(("min", "m")):
        return "min"
    if text.startswith("h"):
        return "h"
    return "s"


def kinds_of(claim: str) -> list[str]:
    """The kinds of outcome a claim's words speak of, in the order they are tried."""
    return [kind for kind, words in _KIND_WORDS if words.search(claim)]


def _reduction(claim: str) -> tuple[float, str | None, tuple[float, float, str] | None]:
    """(share cut, refusal reason, (before, after, unit) of a from-to claim). Share 0 means none stated."""
    found = _FROM_TO.search(claim)
    if found:
        before, after = _number(found.group(1)), _number(found.group(3))
        unit = _unit(found.group(2) or found.group(4))
        if before <= 0:
            return 0.0, None, None
        if after >= before:
            return 0.0, f"from {found.group(1)} to {found.group(3)} is not a reduction", None
        return (before - after) / before, None, (before, after, unit or "")
    times = _TIMES_FASTER.search(claim)
    if times:
        factor = _number(times.group(1))
        return (1 - 1 / factor if factor > 1 else 0.0), None, None
    percent = _PERCENT.search(claim)
    if percent and _DOWN.search(claim):
        return _number(percent.group(1)) / 100, None, None
    return 0.0, None, None


def _money_per_month(claim: str) -> float | None:
    found = _MONEY_PER.search(claim)
    if not found:
        return None
    amount = _number(found.group(1)) * {"k": 1e3, "m": 1e6}.get((found.group(2) or "").lower(), 1)
    period = found.group(3).lower()
    period = {"mo": "month", "yr": "year"}.get(period, period)
    return amount * _MONEY_PER_MONTH[period]


def _hours_saved_per_month(claim: str, ledger: Ledger) -> tuple[float, float] | None:
    """(hours saved per month, per week) for "saves 3 hours a week"-style claims."""
    found = _HOURS_SAVED.search(claim)
    if not found:
        return None
    amount = _number(found.group(1)) / (60 if found.group(2).lower().startswith("m") else 1)
    per_month = amount * _people_per_month(found.group(3).lower(), ledger)
    return per_month, per_month / WEEKS_PER_MONTH


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
    people = _hours_saved_per_month(claim, ledger)
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


def _refusal(claim: str, share: float, reason: str | None, ledger: Ledger) -> str | None:
    if reason:
        return reason
    if share * 100 > ledger.number("max_claimed_reduction"):
        return f"a reduction of {share * 100:g}% is impossible (above {ledger.number('max_claimed_reduction'):g}%)"
    people = _hours_saved_per_month(claim, ledger)
    if people is not None and people[1] > ledger.number("max_claimed_hours_per_week"):
        return f"{people[1]:g} hours saved per week is more than a week has"
    return None


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
        share, reason, span = _reduction(claim)
        refused = _refusal(claim, share, reason, ledger)
        if refused:
            reading.refused.append(RefusedClaim(claim, refused))
            continue
        outcome = _price(claim, share, span, ledger)
        if outcome is not None and outcome.value.expected > 0:
            reading.outcomes.append(outcome)
        else:
            reading.unvalued.append(claim)
    return reading
