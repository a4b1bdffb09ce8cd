"""Hours per pull request from its own evidence, bounded by the days the work could have taken.

The estimate adds up what the PR shows: hands-on hours for its size class, more for every file
and every commit beyond those the ledger includes, and rework for every review that
asked for changes or commented. Each input is a ``{low, expected, high}`` ledger range, so the
estimate's range is the sum of the inputs' uncertainty. It is then capped by the calendar: a PR
whose first commit and merge fall on the same day cannot have taken more than one working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from achievement_pipeline.core.ledger import Ledger, Range
from achievement_pipeline.value.calendar import hours_per_day, working_days

_ROUND_STATES = frozenset({"CHANGES_REQUESTED", "COMMENTED"})


@dataclass(frozen=True)
class Effort:
    """The hours one PR took, and what they rest on."""

    hours: Range
    span_days: int  # working days from the first commit (or the PR's creation) to the merge
    evidence: list[dict[str, str]] = field(default_factory=list)
    assumptions: list[dict[str, object]] = field(default_factory=list)


def _moment(text: object) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def review_rounds(row: Mapping[str, Any]) -> int:
    """Reviews by someone other than the author that asked for changes or commented: rounds of rework."""
    author = str(row.get("author") or "")
    return sum(
        1
        for review in row.get("reviews") or []
        if review.get("state") in _ROUND_STATES and review.get("author") != author
    )


def span_days(row: Mapping[str, Any], ledger: Ledger) -> int:
    """Working days from the first commit (else the PR's creation) to the merge; at least one."""
    merged = _moment(row.get("merged_at"))
    started = _moment(row.get("first_commit_at")) or _moment(row.get("created_at")) or merged
    if merged is None or started is None:
        return 1
    return max(1, working_days(min(started, merged).date(), merged.date(), ledger))


def _extra(count: int, ledger: Ledger, included: str, counted: str) -> int:
    """How many of ``count`` the ledger counts beyond those it includes in the base hours."""
    return int(max(0, min(count, ledger.number(counted)) - ledger.number(included)))


def estimate_effort(row: Mapping[str, Any], ledger: Ledger) -> Effort:
    """The hours of one PR (joined pull_requests + enriched_prs row)."""
    size = str(row["size_class"])
    files = _extra(int(row.get("changed_files") or 0), ledger, "effort_files_included", "effort_counted_files")
    commits = _extra(int(row.get("commits") or 0), ledger, "effort_commits_included", "effort_counted_commits")
    rounds = int(min(review_rounds(row), ledger.number("effort_counted_review_rounds")))

    hours = ledger.range("effort_hours_by_size", size)
    assumptions = [ledger.cite("effort_hours_by_size", size)]
    parts = [f"{int(row.get('lines_changed') or 0)} lines changed (size {size})"]
    for count, name, noun in (
        (files, "effort_hours_per_extra_file", "more files"),
        (commits, "effort_hours_per_extra_commit", "more commits"),
        (rounds, "effort_hours_per_review_round", "review rounds"),
    ):
        if count:
            hours = hours + ledger.range(name).times(count)
            assumptions.append(ledger.cite(name))
            parts.append(f"{count} {noun}")
    days = span_days(row, ledger)
    ceiling = days * hours_per_day(ledger)
    evidence = [{"kind": "size", "detail": ", ".join(parts)}]
    span = f"{days} working day{'s' if days != 1 else ''} from first commit to merge"
    if hours.high > ceiling:
        evidence.append({"kind": "calendar", "detail": f"{span}: at most {ceiling:g} h"})
        assumptions.append(ledger.cite("working_hours_per_week"))
        hours = hours.capped(ceiling)
    else:
        evidence.append({"kind": "calendar", "detail": span})
    return Effort(hours=hours.rounded(), span_days=days, evidence=evidence, assumptions=assumptions)
