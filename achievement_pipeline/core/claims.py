"""What a measured claim states, and whether it can be true: the plausibility rules every stage applies.

A measured claim is one sentence with a quantity and a change ("p95 latency from 420 ms to
180 ms", "35% fewer failed deploys", "saves 3 hours a week"); ``enrich.features.measurable_claims``
finds them. Two stages read such sentences and must agree on what they say:

- the value stage prices a PR's own claims and refuses those that cannot be true;
- the enrich stage checks the claims in a model's generated text the same way, and withholds
  the text when one is refused, so nothing the value stage would reject is published as prose.

The rules live here, in plain Python beside the ledger they read, so that enrich need not import
the value stage and the two can never drift apart. Refused are: a reduction above the ledger's
``max_claimed_reduction`` (150% fewer errors), figures that go up when the claim says they went
down ("from 180 ms to 420 ms"), and more hours saved per week than ``max_claimed_hours_per_week``.
Pricing a plausible claim (which ledger entry turns it into money) stays in ``value.outcomes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from achievement_pipeline.core.ledger import Ledger

# One calendar month in weeks (the value stage's calendar counts months with it too).
WEEKS_PER_MONTH = 52 / 12

# The digits of a stated figure as one regex group ("1,250", "3.5"), for the patterns of claims.
NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_DURATION_UNIT = r"(ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b"
_FROM_TO = re.compile(
    rf"\bfrom\s+{NUMBER}\s*(?:{_DURATION_UNIT})?\s+(?:down\s+)?to\s+{NUMBER}\s*(?:{_DURATION_UNIT})?", re.I
)
_PERCENT = re.compile(rf"{NUMBER}\s*%", re.I)
_DOWN = re.compile(
    r"\b(?:fewer|less|lower|cuts?|cutting|reduc\w*|drops?|dropped|down|smaller|faster|shorter|saves?|saved|"
    r"decreas\w*)\b",
    re.I,
)
_TIMES_FASTER = re.compile(rf"{NUMBER}\s*(?:x|×|times)\s+(?:faster|quicker|shorter)", re.I)
_HOURS_SAVED = re.compile(
    rf"\bsav\w*\s+(?:about\s+|around\s+|roughly\s+)?{NUMBER}\s*(hours?|h|hrs?|minutes?|mins?|min)\s*"
    r"(?:of\s+\w+\s+)?(?:per|a|an|/|each|every)\s*(week|month|day)\b",
    re.I,
)


def number(text: str) -> float:
    """A figure as written in a claim ("1,250") as a number."""
    return float(text.replace(",", ""))


def duration_unit(text: str | None) -> str | None:
    """A written duration unit in one spelling: "ms", "s", "min" or "h" (None when no unit was written)."""
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


@dataclass(frozen=True)
class Reduction:
    """The cut a claim states.

    ``share`` is the part cut (0.57 for "from 420 ms to 180 ms"; 0 when the claim states none);
    ``reason`` says why its figures cannot be a reduction at all; ``span`` is (before, after, unit)
    of a from-to claim, which the value stage needs to price time saved per run.
    """

    share: float = 0.0
    reason: str | None = None
    span: tuple[float, float, str] | None = None


def stated_reduction(claim: str) -> Reduction:
    """The reduction a claim states: a from-to pair, an "Nx faster", or a percentage with a word of decrease."""
    found = _FROM_TO.search(claim)
    if found:
        before, after = number(found.group(1)), number(found.group(3))
        unit = duration_unit(found.group(2) or found.group(4))
        if before <= 0:
            return Reduction()
        if after >= before:
            return Reduction(reason=f"from {found.group(1)} to {found.group(3)} is not a reduction")
        return Reduction((before - after) / before, None, (before, after, unit or ""))
    times = _TIMES_FASTER.search(claim)
    if times:
        factor = number(times.group(1))
        return Reduction(1 - 1 / factor if factor > 1 else 0.0)
    percent = _PERCENT.search(claim)
    if percent and _DOWN.search(claim):
        return Reduction(number(percent.group(1)) / 100)
    return Reduction()


def _working_days_per_month(ledger: Ledger) -> float:
    """The ledger's working weekdays times the weeks of a month (as ``value.calendar`` counts them)."""
    return len({str(day).lower() for day in ledger.value("working_weekdays")}) * WEEKS_PER_MONTH


def hours_saved(claim: str, ledger: Ledger) -> tuple[float, float] | None:
    """(hours saved per month, per week) for "saves 3 hours a week"-style claims; None for other claims.

    People save time on working days, so "a day" counts the ledger's working days of a month.
    """
    found = _HOURS_SAVED.search(claim)
    if not found:
        return None
    amount = number(found.group(1)) / (60 if found.group(2).lower().startswith("m") else 1)
    period = found.group(3).lower()
    per_period = {"day": _working_days_per_month(ledger), "week": WEEKS_PER_MONTH, "month": 1.0}[period]
    per_month = amount * per_period
    return per_month, per_month / WEEKS_PER_MONTH


def refusal(claim: str, ledger: Ledger, reduction: Reduction | None = None) -> str | None:
    """Why ``claim`` cannot be true, or None when the rules accept it.

    ``reduction`` is the claim's :func:`stated_reduction` when the caller has it already.
    """
    stated = reduction if reduction is not None else stated_reduction(claim)
    if stated.reason:
        return stated.reason
    if stated.share * 100 > ledger.number("max_claimed_reduction"):
        limit = ledger.number("max_claimed_reduction")
        return f"a reduction of {stated.share * 100:g}% is impossible (above {limit:g}%)"
    people = hours_saved(claim, ledger)
    if people is not None and people[1] > ledger.number("max_claimed_hours_per_week"):
        return f"{people[1]:g} hours saved per week is more than a week has"
    return None


@dataclass(frozen=True)
class RefusedClaim:
    """A claim the rules refuse, with the reason a reader is shown."""

    claim: str
    reason: str


def refused_claims(claims: Iterable[str], ledger: Ledger) -> list[RefusedClaim]:
    """The claims that cannot be true, in order, each with why."""
    refused = []
    for claim in claims:
        reason = refusal(claim, ledger)
        if reason:
            refused.append(RefusedClaim(claim, reason))
    return refused
