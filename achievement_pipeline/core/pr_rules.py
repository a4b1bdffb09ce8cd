"""Which collected pull requests can be told at all: the row rules, one PR at a time.

Ingest stores what GitHub (or an older collector) handed over, as it was. A PR whose own data
cannot be true or cannot be told (no title, a title that is only "fix: ", merged before it was
created or in the future, an id that is no ``owner/repo#number``) is no reason to stop everyone
else's window: enrich sets it aside with these reasons, validate rejects it with them, and the
portfolio lists it in Appendix A. The rules live in core because enrich applies them and ingest's
check reports them, and the two must agree on every PR.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from achievement_pipeline.core.text import clean_text

# GitHub's owner and repository names are ASCII letters, digits, "-", "_" and "."; numbers start at 1.
# The portfolio schema's pr_id pattern is this one or wider, so an accepted PR always fits the JSON.
PR_ID_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[1-9][0-9]*$"
_PR_ID = re.compile(PR_ID_PATTERN)
# A conventional-commit header of any type ("fix:", "feat(api)!:", "wip:"): what is left after it is the title.
_HEADER = re.compile(r"^\s*[A-Za-z][\w-]*(?:\([^)]*\))?!?\s*:")
_WORD = re.compile(r"\w")
_URL = re.compile(r"^https?://\S+$")
# GitHub's clock and ours may differ a little; a merge within this much of "now" is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
_QUOTED = 60  # how much of a bad value a reason quotes


def _quoted(value: object) -> str:
    return repr(clean_text(value, _QUOTED))


def _moment(value: object) -> datetime | None:
    """An ISO 8601 time as UTC, or None when ``value`` is not one (naive times read as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _identity_problems(pr: Mapping[str, Any]) -> list[str]:
    pr_id = pr.get("pr_id")
    if not isinstance(pr_id, str) or not _PR_ID.match(pr_id):
        return [f"malformed PR id {_quoted(pr_id)}: a pull request is named owner/repository#number"]
    if pr_id != f"{pr.get('repo')}#{pr.get('number')}":
        return [
            f"PR id {pr_id} does not match its repository {_quoted(pr.get('repo'))} and number "
            f"{_quoted(pr.get('number'))}"
        ]
    return []


def _title_problems(pr: Mapping[str, Any]) -> list[str]:
    title = clean_text(pr.get("title"))
    if not title:
        return ["blank title: nothing tells what the change was"]
    header = _HEADER.match(title)
    rest = title[header.end() :] if header else title
    if _WORD.search(rest):
        return []
    if header and not rest.strip():
        return [f"title {_quoted(title)} is only a conventional prefix: nothing tells what the change was"]
    return [f"title {_quoted(title)} has no words: nothing tells what the change was"]


def _time_problems(pr: Mapping[str, Any], now: datetime) -> list[str]:
    created, merged = _moment(pr.get("created_at")), _moment(pr.get("merged_at"))
    problems = []
    if created is None:
        problems.append(f"created_at {_quoted(pr.get('created_at'))} is not an ISO 8601 time")
    if merged is None:
        problems.append(f"merged_at {_quoted(pr.get('merged_at'))} is not an ISO 8601 time")
        return problems
    if created is not None and merged < created:
        problems.append(f"merged at {merged:%Y-%m-%d %H:%M} UTC, before it was created ({created:%Y-%m-%d %H:%M} UTC)")
    if merged > now + CLOCK_SKEW:
        problems.append(f"merged at {merged:%Y-%m-%d %H:%M} UTC, in the future (checked at {now:%Y-%m-%d %H:%M} UTC)")
    if pr.get("merge_date") != merged.date().isoformat():
        problems.append(
            f"merge_date {_quoted(pr.get('merge_date'))} is not the UTC day it was merged ({merged:%Y-%m-%d})"
        )
    return problems


def _count_problems(pr: Mapping[str, Any]) -> list[str]:
    bad = [
        name
        for name in ("additions", "deletions", "changed_files")
        if not isinstance(pr.get(name), int) or isinstance(pr.get(name), bool) or pr[name] < 0
    ]
    return [f"{', '.join(bad)} not a count (a whole number, 0 or more)"] if bad else []


def pr_problems(pr: Mapping[str, Any], now: datetime) -> list[str]:
    """Why ``pr`` (a ``pull_requests`` row) cannot go through the pipeline; empty when it can.

    Each reason is a sentence a reader of Appendix A understands without the code. ``now`` is when
    the rules are applied, for "merged in the future" (with :data:`CLOCK_SKEW` of grace).
    """
    problems = _identity_problems(pr) + _title_problems(pr) + _time_problems(pr, now.astimezone(UTC))
    if not clean_text(pr.get("author")):
        problems.append("no author")
    if not isinstance(pr.get("url"), str) or not _URL.match(pr["url"]):
        problems.append(f"URL {_quoted(pr.get('url'))} is not an http(s) address")
    return problems + _count_problems(pr)
