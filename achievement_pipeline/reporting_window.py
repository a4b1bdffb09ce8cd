"""Reporting windows: which merge dates a portfolio covers."""

from __future__ import annotations

from datetime import date, timedelta


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
        raise WindowError(f"reporting window {start}..{end} ends before it starts: swap the dates")
    return first, last + timedelta(days=1)
