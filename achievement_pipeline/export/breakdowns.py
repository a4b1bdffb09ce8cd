"""The portfolio read other ways: by calendar quarter, by skill, and the issues each PR closed.

A year's portfolio is read a quarter at a time (reviews come quarterly or half-yearly), and a
CV or a promotion packet asks which skills the work shows and where the proof is. These are
views of the same accepted rows the totals come from, so they add up to the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

QUARTER_HEADLINES = 5


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, following - timedelta(days=1)


def _sums(rows: list[Mapping[str, Any]], prefix: str) -> dict[str, float]:
    return {k: round(sum(float(r[f"{prefix}_{k}"]) for r in rows), 2) for k in ("low", "expected", "high")}


def quarters(
    rows: Iterable[Mapping[str, Any]], groups: list[Mapping[str, Any]], first: date, last: date
) -> list[dict[str, Any]]:
    """Every calendar quarter the window [first, last] touches, clipped to it, with its PRs' figures.

    A quarter lists its headline achievements: the most valuable groups whose first PR merged in it.
    Quarters without merged work are kept, so a year reads as four quarters, not as three.
    """
    by_quarter: dict[tuple[int, int], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_quarter[_quarter_of(date.fromisoformat(str(row["merge_date"])))].append(row)
    headlines: dict[tuple[int, int], list[Mapping[str, Any]]] = defaultdict(list)
    for group in groups:
        headlines[_quarter_of(date.fromisoformat(str(group["first_merged_at"])[:10]))].append(group)
    found = []
    year, quarter = _quarter_of(first)
    while (year, quarter) <= _quarter_of(last):
        start, end = _quarter_bounds(year, quarter)
        members = by_quarter[(year, quarter)]
        leading = sorted(headlines[(year, quarter)], key=lambda g: (-g["value"]["expected"], g["id"]))
        found.append(
            {
                "quarter": f"{year}-Q{quarter}",
                "start": max(start, first).isoformat(),
                "end": min(end, last).isoformat(),
                "prs": len(members),
                "hours": _sums(members, "hours"),
                "value": _sums(members, "value"),
                "achievement_ids": [g["id"] for g in leading[:QUARTER_HEADLINES]],
            }
        )
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def skills(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each skill the enrich stage saw, with the PRs that show it; most evidenced first."""
    prs: dict[str, list[str]] = defaultdict(list)
    value: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: str(r["merged_at"])):
        for skill in row.get("skills") or []:
            key = str(skill).strip().casefold()
            if not key or str(row["pr_id"]) in prs[key]:
                continue
            names.setdefault(key, str(skill).strip())
            prs[key].append(str(row["pr_id"]))
            value[key] += float(row["value_expected"])
    ranked = sorted(prs, key=lambda k: (-len(prs[k]), -value[k], k))
    return [{"skill": names[k], "prs": prs[k], "value_expected": round(value[k], 2)} for k in ranked]


def issue_links(pr_url: str, numbers: Iterable[int]) -> list[dict[str, Any]]:
    """The issues a PR closes, linked beside it: same host and repository as the PR's own URL."""
    base, sep, _ = str(pr_url).rpartition("/pull/")
    if not sep:
        return []
    return [{"number": int(n), "url": f"{base}/issues/{int(n)}"} for n in dict.fromkeys(numbers)]
