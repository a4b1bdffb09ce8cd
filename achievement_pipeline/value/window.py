"""The value rules that need a whole reporting window: reverts undone, and hours bounded by the calendar.

Each PR is valued on its own in the value stage. Two rules can only be applied once the window
is known, when a portfolio is built:

- **Reverts.** A PR that a later PR reverted (anywhere in the collected history) delivered
  nothing: its value and its claims go, its hours stay (the work was done), and the pair is
  named in both PRs' evidence. The revert itself restores what was there before, so it carries
  no value either.
- **Capacity.** One person's PR hours in a window cannot exceed their share of its working
  hours (``calendar.capacity_hours``). When the evidence-based estimate does, that person's
  hours are scaled down to the capacity, and with them the cost and any value judged from the
  cost; the portfolio says so ("estimated 480 h rescaled to the 310 h available for PR work").
  The high end of a total is capped at the capacity too: not every PR can be at its high end
  in the same weeks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from achievement_pipeline.core import figures
from achievement_pipeline.core.ledger import Ledger
from achievement_pipeline.value.arithmetic import arithmetic_line
from achievement_pipeline.value.calendar import (
    capacity_hours,
    hours_per_day,
    non_working_days,
    weekdays,
    working_days,
)
from achievement_pipeline.value.estimate import HOURS_TERM, JUDGEMENT
from achievement_pipeline.value.reverts import Revert, find_reverts, reverting

REVERTED, REVERT = "reverted", "revert"
_BOUNDS = ("low", "expected", "high")


@dataclass
class Window:
    """The rows of a portfolio after the window's rules, and the capacity section it prints."""

    rows: list[dict[str, Any]]
    capacity: dict[str, Any] = field(default_factory=dict)


def _zero_value(row: dict[str, Any], basis: str, evidence: dict[str, str]) -> None:
    for bound in _BOUNDS:
        row[f"value_{bound}"] = 0.0
    row["value_basis"] = basis
    row["outcomes"], row["claims"] = [], []
    # A PR set aside before it was valued (it reaches here rejected, with no evidence) can be reverted too.
    kept = (e for e in row.get("evidence") or [] if e.get("kind") not in ("outcome", "claim"))
    row["evidence"] = [evidence, *kept]


def apply_reverts(rows: list[dict[str, Any]], history: Iterable[Mapping[str, Any]]) -> None:
    """Zero the value of every PR a later PR undid, and of the effective reverts themselves."""
    undone = find_reverts(history)
    undoing = reverting(undone)
    for row in rows:
        link: Revert | None = undone.get(row["pr_id"])
        if link is not None:
            _zero_value(row, REVERTED, {"kind": "reverted", "detail": f"reverted by {link.by} ({link.how})"})
            row["reverted_by"] = link.by
        elif (link := undoing.get(row["pr_id"])) is not None:
            detail = f"reverts {link.target}: the pair restores what was there before"
            _zero_value(row, REVERT, {"kind": "revert", "detail": detail})
            row["reverts"] = link.target


def _scale(row: dict[str, Any], factor: float) -> None:
    for bound in _BOUNDS:
        row[f"hours_{bound}"] = round(float(row[f"hours_{bound}"]) * factor, 2)
        row[f"cost_{bound}"] = round(float(row[f"cost_{bound}"]) * factor, 2)
        if row.get("value_basis") == JUDGEMENT:
            row[f"value_{bound}"] = round(float(row[f"value_{bound}"]) * factor, 2)
    row["value_terms"] = [
        {**term, "value": round(float(term["value"]) * factor, 2)} if term.get("name") == HOURS_TERM else term
        for term in row.get("value_terms") or []
    ]


def _arithmetic(row: dict[str, Any]) -> str:
    currency = str(row.get("currency") or "USD")
    if row.get("value_basis") == REVERTED:
        return f"reverted by {row.get('reverted_by')}: no value"
    if row.get("value_basis") == REVERT:
        return f"reverts {row.get('reverts')}: no value"
    if not row.get("value_terms"):
        return "no evidence of work: no value"
    return arithmetic_line(row["value_terms"], float(row["value_expected"]), currency)


def _statement(estimated: float, available: float, people: int, days: int, ledger: Ledger) -> str:
    basis = (
        f"{ledger.number('working_hours_per_week'):g} h/week × {ledger.number('pr_work_share') * 100:g}% "
        f"× {days} working days" + (f" × {people} people" if people > 1 else "")
    )
    if estimated > available:
        return (
            f"estimated {figures.hours(estimated)} rescaled to the {figures.hours(available)} available "
            f"for PR work ({basis})"
        )
    return f"{figures.hours(estimated)} of the {figures.hours(available)} available for PR work ({basis})"


def apply_capacity(rows: list[dict[str, Any]], start: date, end: date, ledger: Ledger) -> dict[str, Any]:
    """Scale each author's hours to their capacity in [start, end); the capacity section of the portfolio."""
    available = capacity_hours(start, end, ledger)
    by_author: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("status", "accepted") == "accepted":  # rejected PRs are not published, nor counted
            by_author[str(row.get("author") or "")].append(row)
    authors, bounded = [], {bound: 0.0 for bound in _BOUNDS}
    estimated_total = 0.0
    for author, group in sorted(by_author.items()):
        estimated = sum(float(r["hours_expected"]) for r in group)
        factor = min(1.0, available / estimated) if estimated > 0 else 1.0
        if factor < 1.0:
            for row in group:
                _scale(row, factor)
        for bound in _BOUNDS:
            bounded[bound] += min(available, sum(float(r[f"hours_{bound}"]) for r in group))
        estimated_total += estimated
        authors.append(
            {
                "author": author,
                "estimated_hours": round(estimated, 2),
                "available_hours": round(available, 2),
                "scale": round(factor, 4),
            }
        )
    people = max(1, len(by_author))
    days = working_days(start, end - timedelta(days=1), ledger)
    holidays = sum(1 for day in non_working_days(ledger) if start <= day < end and day.weekday() in weekdays(ledger))
    rate = ledger.number("hourly_rate")
    total_available = available * people
    return {
        "available_hours": round(total_available, 2),
        "available_hours_per_person": round(available, 2),
        "people": people,
        "working_days": days,
        "non_working_days": holidays,
        "hours_per_day": hours_per_day(ledger),
        "pr_work_share": ledger.number("pr_work_share"),
        "estimated_hours": round(estimated_total, 2),
        "hours": {bound: round(bounded[bound], 2) for bound in _BOUNDS},
        "cost": {bound: round(bounded[bound] * rate, 2) for bound in _BOUNDS},
        "scaled": any(a["scale"] < 1.0 for a in authors),
        "authors": authors,
        "statement": _statement(estimated_total, total_available, people, days, ledger),
    }


def apply_window(
    rows: Iterable[Mapping[str, Any]], history: Iterable[Mapping[str, Any]], start: date, end: date, ledger: Ledger
) -> Window:
    """The portfolio's rows for [start, end): reverts applied, hours within capacity, arithmetic written."""
    adjusted = [dict(row) for row in rows]
    apply_reverts(adjusted, history)
    capacity = apply_capacity(adjusted, start, end, ledger)
    for row in adjusted:
        row["arithmetic"] = _arithmetic(row)
    return Window(rows=adjusted, capacity=capacity)
