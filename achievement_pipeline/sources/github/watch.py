"""Notice newly merged (or changed) PRs between sensor ticks, for nearly nothing.

Each tick asks GitHub, per source, for the merged PRs updated since the source's mark,
as a conditional REST search: when nothing changed the answer is a 304, which costs no
rate limit. Each search result carries the PR's merge time, so the changed days are
known without fetching a PR. The state between ticks is a small JSON document (the
sensor's cursor): the mark, the ETag, and the PRs already reported near the mark, so an
update is reported once. The first tick only sets the mark: history is what backfills
are for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from achievement_pipeline.sources.github.client import GitHubClient
from achievement_pipeline.sources.github.sources import Source
from achievement_pipeline.sources.github.store import as_utc, iso, parse_iso

PER_PAGE = 100
MAX_PAGES = 10  # 1,000 results: GitHub's search cap
ADVANCE_AFTER = 50  # move the mark forward once this many results pile up behind it


@dataclass(frozen=True)
class Change:
    """A merged PR that is new or changed since the last tick."""

    pr_id: str
    merge_date: str  # YYYY-MM-DD (UTC): the partition to refresh
    updated_at: str


@dataclass
class WatchResult:
    changes: list[Change] = field(default_factory=list)
    cursor: str = "{}"
    baseline: list[str] = field(default_factory=list)  # sources seen for the first time
    requests: int = 0
    not_modified: int = 0


def poll(
    client: GitHubClient, sources: Sequence[Source], cursor: str | None, settle: timedelta, now: datetime | None = None
) -> WatchResult:
    """The changes since the state in ``cursor`` (a previous ``WatchResult.cursor``), and the new state."""
    state: dict[str, Any] = json.loads(cursor) if cursor else {}
    result = WatchResult()
    moment = now or datetime.now(UTC)
    for source in sources:
        entry = state.get(source.key)
        first = entry is None
        if first:
            entry = {"since": iso(moment - settle), "etag": None, "seen": {}}
            result.baseline.append(source.key)
        changes, entry = _poll_source(client, source, entry, settle)
        if not first:
            result.changes += changes
        state[source.key] = entry
    result.requests = client.counts["search"]
    result.not_modified = client.counts["not_modified"]
    result.cursor = json.dumps(state, sort_keys=True, separators=(",", ":"))
    return result


def _poll_source(
    client: GitHubClient, source: Source, entry: dict[str, Any], settle: timedelta
) -> tuple[list[Change], dict[str, Any]]:
    params = {
        "q": source.search(f"updated:>={entry['since']}"),
        "sort": "updated",
        "order": "asc",
        "per_page": PER_PAGE,
    }
    probe = client.probe("/search/issues", params, entry.get("etag"))
    if not probe.changed:
        return [], entry
    items = list((probe.data or {}).get("items") or [])
    total = int((probe.data or {}).get("total_count") or 0)
    page = 1
    while len(items) < min(total, PER_PAGE * MAX_PAGES) and page < MAX_PAGES:
        page += 1
        more = (client.get("/search/issues", {**params, "page": page}) or {}).get("items") or []
        if not more:
            break
        items += more
    seen: dict[str, str] = dict(entry.get("seen") or {})
    changes = []
    for item in items:
        change = _change(item)
        if change is not None and seen.get(change.pr_id) != change.updated_at:
            seen[change.pr_id] = change.updated_at
            changes.append(change)
    since, etag = entry["since"], probe.etag
    if len(seen) > ADVANCE_AFTER:
        newest = max(parse_iso(updated) for updated in seen.values())
        since = iso(newest - settle)
        seen = {pr: updated for pr, updated in seen.items() if parse_iso(updated) >= parse_iso(since)}
        etag = None  # a new search string has no ETag yet
    return changes, {"since": since, "etag": etag, "seen": seen}


def _change(item: dict[str, Any]) -> Change | None:
    merged_at = (item.get("pull_request") or {}).get("merged_at")
    if not merged_at:
        return None
    repo = str(item.get("repository_url", "")).rsplit("/repos/", 1)[-1]
    return Change(f"{repo}#{item['number']}", as_utc(merged_at)[:10], as_utc(item.get("updated_at") or merged_at))
