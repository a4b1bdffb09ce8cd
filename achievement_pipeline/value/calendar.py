"""Working days and working hours: what the calendar allows, from the ledger's capacity entries.

Both bounds on effort come from here: one PR cannot have taken more than the working hours
between its first commit and its merge, and one person's PRs in a window cannot have taken
more than their share of that window's working hours.
"""

from __future__ import annotations

from datetime import date, timedelta

from achievement_pipeline.core.claims import WEEKS_PER_MONTH
from achievement_pipeline.core.ledger import WEEKDAYS, Ledger


def weekdays(ledger: Ledger) -> frozenset[int]:
    """The ledger's working weekdays as ``date.weekday()`` numbers (Monday is 0)."""
    return frozenset(WEEKDAYS.index(str(day).lower()) for day in ledger.value("working_weekdays"))


def non_working_days(ledger: Ledger) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(day)) for day in ledger.value("non_working_days"))


def working_days(first: date, last: date, ledger: Ledger) -> int:
    """Working weekdays from ``first`` to ``last`` inclusive, without the ledger's non-working days."""
    if last < first:
        return 0
    holidays, working = non_working_days(ledger), weekdays(ledger)
    days = (last - first).days + 1
    return sum(
        1
        for offset in range(days)
        if (day := first + timedelta(days=offset)).weekday() in working and day not in holidays
    )


def hours_per_day(ledger: Ledger) -> float:
    return ledger.number("working_hours_per_week") / len(weekdays(ledger))


def working_days_per_month(ledger: Ledger) -> float:
    return len(weekdays(ledger)) * WEEKS_PER_MONTH


def capacity_hours(start: date, end: date, ledger: Ledger) -> float:
    """One person's hours for PR work in [start, end): working days × hours per day × the PR-work share."""
    days = working_days(start, end - timedelta(days=1), ledger)
    return days * hours_per_day(ledger) * ledger.number("pr_work_share")
