"""Windows of days: which merge dates a portfolio covers, and which day must have arrived by when."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta


class WindowError(ValueError):
    """A reporting window that is malformed or reversed."""


def parse_window(start: str, end: str, default: tuple[date, date]) -> tuple[date, date]:
    """[start, end) from inclusive YYYY-MM-DD strings; empty strings fall back to ``default``."""
    if not start and not end:
        return default
    try:
        first = date.fromisoformat(start) if start else default[0]
        last = date.fromisoformat(end) if end else default[1] - timedelta(days=1)
    except ValueError as exc:
        raise WindowError(
            f"reporting window {start!r}..{end!r} is malformed ({exc}): use YYYY-MM-DD for window_start and window_end"
        ) from None
    if last < first:
        raise WindowError(f"reporting window {start}..{end} ends before it starts: swap window_start and window_end")
    return first, last + timedelta(days=1)


_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$", re.I)


def period_window(period: str) -> tuple[date, date]:
    """[start, end) of a named reporting period: "2025" (year), "2025-Q1" (quarter), "2025-03" (month)."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise WindowError(
            f"period {period!r} (the reporting period) is not a year, quarter or month: use 2025, 2025-Q1 or 2025-03 "
            "(or window_start and window_end for a custom range)"
        )
    year = int(match["year"])
    if match["month"]:
        first_month, months = int(match["month"]), 1
    elif match["quarter"]:
        first_month, months = 3 * (int(match["quarter"]) - 1) + 1, 3
    else:
        first_month, months = 1, 12
    end_month = first_month + months
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return date(year, first_month, 1), end


def expected_partition(now: datetime, deadline: time) -> tuple[date, datetime]:
    """The day whose partition must exist by ``now``, and the deadline (UTC) that made it due.

    Dagster's time-partition freshness check expects the newest partition, which for these
    partitions (end_offset=1, today's exists for the new-PR sensor) is the day in progress;
    and its replacement, FreshnessPolicy, judges an asset by its newest materialization of
    any partition, which a backfill of last year would satisfy. So the rule is written here.
    """
    today_deadline = datetime.combine(now.date(), deadline, tzinfo=UTC)
    last_deadline = today_deadline if now >= today_deadline else today_deadline - timedelta(days=1)
    return last_deadline.date() - timedelta(days=1), last_deadline
