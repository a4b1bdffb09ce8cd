"""Collect merged pull requests for a UTC date window in the fewest GitHub requests.

For each source (a user, an organisation, a repository; see ``sources``):

1. **Probe**: one conditional REST search for the source's most recently updated merged
   PR, with the ETag from last time. A 304 means nothing changed; it is free.
2. **Resume** work an earlier run left unfinished, from the GraphQL cursor it stored.
3. **Changes**: if the probe says something changed, read the merged PRs updated since
   the source's cursor (a PR merged into an old day, a late review, a new label).
4. **Fill**: fetch the parts of the window no earlier run covered, merge-time slices of
   at most 1,000 PRs (GitHub's search cap), oldest first, 100 PRs per GraphQL request.

Each page is stored with the cursor that follows it (``store``), so an interrupted
collection resumes where it stopped, and a re-collection over unchanged history costs
one request per source. The window's rows are then read from the store. A failing source
does not stop the others; the run fails afterwards, naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from achievement_pipeline.core.records import PullRequestRecord
from achievement_pipeline.sources.github.client import GitHubClient, Probe, RateState
from achievement_pipeline.sources.github.errors import (
    GitHubCredentialsRejected,
    GitHubError,
    GitHubInputError,
    GitHubRateLimited,
    GitHubServerError,
    GitHubUnavailable,
)
from achievement_pipeline.sources.github.queries import (
    Assembly,
    PageShape,
    continuation_query,
    rest_files,
    search_query,
)
from achievement_pipeline.sources.github.sources import Source
from achievement_pipeline.sources.github.store import GitHubStore, SetAside, SourceState, Task, iso, parse_iso

__all__ = [
    "Collection",
    "Collector",
    "GitHubInputError",
    "GitHubRateLimited",
    "GitHubServerError",
    "GitHubUnavailable",
    "SourceReport",
]

SEARCH_CAP = 1_000  # GitHub's search returns at most this many results per query
SLICE_TARGET = 900  # split a range so each slice stays safely below the cap
CONTINUATIONS_PER_QUERY = 25
REST_FILE_PAGES = 30  # GitHub's REST API lists at most 3,000 files of a PR
_TIMEOUT_STATUSES = (502, 504)
_NOT_FOUND = {
    "user": "does not exist or is not visible to the token: check the login spelling",
    "org": "was not found or is not visible to the token: check the login spelling and the token's access",
    "repo": "was not found or is not visible to the token: check the owner/name spelling and the token's access",
}


@dataclass
class SourceReport:
    """What one source cost and brought in this run."""

    source: str
    outcome: str  # "unchanged" (304) | "changed" | "first" (first collection)
    pages: int = 0
    fetched: int = 0


@dataclass
class Collection:
    prs: list[PullRequestRecord]
    requests: dict[str, int] = field(default_factory=dict)  # graphql, rest, search, not_modified
    points: int = 0  # GraphQL rate-limit points spent
    rates: dict[str, RateState] = field(default_factory=dict)
    sources: list[SourceReport] = field(default_factory=list)
    # Stored copies of the window's PRs that could not be read as PRs, left out with their reasons.
    set_aside: list[SetAside] = field(default_factory=list)

    @property
    def total_requests(self) -> int:
        return sum(n for kind, n in self.requests.items() if kind != "not_modified")

    @property
    def rate_limit_remaining(self) -> int | None:
        """Budget left on the resource this run spent most: GraphQL points, else REST, else search requests."""
        for resource in ("graphql", "core", "search"):
            if resource in self.rates:
                return self.rates[resource].remaining
        return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


class Collector:
    """Collects sources into a ``GitHubStore`` through one ``GitHubClient``."""

    def __init__(
        self,
        client: GitHubClient,
        store: GitHubStore,
        server: str,
        *,
        shape: PageShape | None = None,
        settle: timedelta = timedelta(minutes=5),
    ) -> None:
        self.client = client
        self.store = store
        self.server = server
        self.shape = shape or PageShape()
        # GitHub's search index trails writes by seconds to minutes: read changes from a little
        # before the last probe, so an update indexed late is still seen.
        self.settle = settle

    # ------------------------------------------------------------------ entry point

    def collect(self, sources: Sequence[Source], start: date, end: date) -> Collection:
        """Merged PRs with merge date in [start, end) for every source, each PR once."""
        if end <= start:
            raise GitHubInputError(f"empty or reversed date window {start}..{end}: the end must be after the start")
        lo, hi = _day_start(start), _day_start(end)
        reports: list[SourceReport] = []
        failures: list[tuple[Source, GitHubError]] = []
        for source in sources:
            try:
                reports.append(self.sync(source, lo, hi))
            except (GitHubUnavailable, GitHubRateLimited, GitHubCredentialsRejected):
                raise  # the network, the token's budget or the token: every other source would fail alike
            except GitHubError as exc:
                failures.append((source, exc))
        if failures:
            raise _combined(failures)
        keys = [s.key for s in sources]
        prs = self.store.read_window(self.server, keys, start, end)  # sets unreadable copies aside first
        return Collection(
            prs=prs,
            requests=dict(self.client.counts),
            points=self.client.points,
            rates=dict(self.client.rates),
            sources=reports,
            set_aside=self.store.set_aside(self.server, keys, start, end),
        )

    def sync(self, source: Source, lo: datetime, hi: datetime) -> SourceReport:
        """Bring the stored copy of ``source`` up to date and make it cover [lo, hi)."""
        state = self.store.load(self.server, source.key)
        probe = self._probe(source, state.etag)
        as_of = iso(probe.server_time)
        outcome = "first" if not state.covered else ("changed" if probe.changed else "unchanged")
        report = SourceReport(source.key, outcome)
        had_coverage = bool(state.covered)
        planned = SourceState(covered=[list(span) for span in state.covered])
        for task in state.pending:
            if task.field == "merged":
                planned.cover(task.lo, task.hi)
        for gap_lo, gap_hi in planned.gaps(lo, hi):
            state.pending.append(Task("merged", iso(gap_lo), iso(gap_hi), as_of))
        # Unfinished work first (it advances the cursor), then the gaps of this window.
        self._run(source, state, report)
        if probe.changed and had_coverage and state.since is not None:
            until = iso(probe.server_time + timedelta(seconds=1))
            state.pending.append(Task("updated", state.since, until, as_of))
            self._run(source, state, report)
        # Only now, with every change read, may the next probe's 304 be trusted.
        state.etag = probe.etag
        self.store.save(self.server, source.key, state)
        return report

    # ------------------------------------------------------------------ steps

    def _probe(self, source: Source, etag: str | None) -> Probe:
        params = {"q": source.search(), "sort": "updated", "order": "desc", "per_page": 1}
        try:
            return self.client.probe("/search/issues", params, etag)
        except GitHubServerError as exc:
            if exc.status in (404, 422):
                raise GitHubInputError(f"{source.describe()} {_NOT_FOUND[source.kind]}") from None
            raise

    def _run(self, source: Source, state: SourceState, report: SourceReport) -> None:
        """Run the pending tasks to the end, storing each page with the cursor after it."""
        shape = self.shape
        while state.pending:
            task = state.pending[0]
            query = source.search(_range(task), "sort:created-asc")
            try:
                data = self.client.graphql(search_query(shape), {"q": query, "first": shape.prs, "after": task.after})
            except GitHubServerError as exc:
                if exc.status in _TIMEOUT_STATUSES and shape.prs > 1:
                    shape = shape.smaller()  # GitHub gave up on a heavy page: ask for less, go on
                    continue
                raise
            search = data["search"]
            if task.after is None and search["issueCount"] > SEARCH_CAP:
                state.pending[0:1] = _split(task, search["issueCount"])
                self.store.save(self.server, source.key, state)
                continue
            assembly = Assembly()
            for node in search.get("nodes") or ():
                if node and "number" in node:
                    assembly.add_pull(node)
            self._complete_details(assembly, shape)
            info = search["pageInfo"]
            task.after = info["endCursor"] if info["hasNextPage"] else None
            if not info["hasNextPage"]:
                state.pending.pop(0)
                self._finish(state, task)
            pulls = [(record, assembly.updated_at[pr_id]) for pr_id, record in assembly.records.items()]
            self.store.save(self.server, source.key, state, pulls)
            report.pages += 1
            report.fetched += len(pulls)

    def _complete_details(self, assembly: Assembly, shape: PageShape) -> None:
        """Fetch what did not fit in the page: many PRs' lists per GraphQL query; big file lists over REST."""
        while assembly.pending:
            items = assembly.take_pending(CONTINUATIONS_PER_QUERY)
            query, variables = continuation_query(items, shape)
            data = self.client.graphql(query, variables)
            for index, item in enumerate(items):
                node = data.get(f"c{index}") or {}
                name = "comments" if item.field == "review_comments" else item.field
                assembly.add_continued(item, node.get(name))
        for pr_id in assembly.oversized_files:
            record = assembly.records[pr_id]
            path = f"/repos/{record['repo']}/pulls/{record['number']}/files"
            pages = min(math.ceil(record["changed_files"] / 100), REST_FILE_PAGES)
            # The page's first 100 files came over GraphQL: REST continues from its page 2.
            rest: list[Any] = []
            for page in range(2, pages + 1):
                rest += self.client.get(path, {"per_page": 100, "page": page}) or []
            files = record["files"] + rest_files(rest)
            names = [f["filename"] for f in files]
            if len(set(names)) != len(names) or len(files) != min(record["changed_files"], 100 * REST_FILE_PAGES):
                # The two APIs listed the files in different orders: take REST's list whole.
                files = rest_files((self.client.get(path, {"per_page": 100, "page": 1}) or []) + rest)
            record["files"] = files

    def _finish(self, state: SourceState, task: Task) -> None:
        read_up_to = iso(parse_iso(task.as_of) - self.settle)
        if task.field == "merged":
            state.cover(task.lo, task.hi)
            if state.since is None:
                state.since = read_up_to
        elif state.since is None or parse_iso(read_up_to) > parse_iso(state.since):
            state.since = read_up_to


def _range(task: Task) -> str:
    """``merged:A..B`` / ``updated:A..B`` for [lo, hi): GitHub's ``..`` includes both ends, to the second."""
    last = parse_iso(task.hi) - timedelta(seconds=1)
    return f"{task.field}:{task.lo}..{iso(last)}"


def _split(task: Task, count: int) -> list[Task]:
    """Equal time slices expected to hold at most ``SLICE_TARGET`` results each (recursed if not)."""
    lo, hi = parse_iso(task.lo), parse_iso(task.hi)
    seconds = int((hi - lo).total_seconds())
    if seconds <= 1:
        raise GitHubServerError(f"more than {SEARCH_CAP} PRs {task.field} within one second at {task.lo}")
    parts = min(seconds, math.ceil(count / SLICE_TARGET))
    bounds = [lo + timedelta(seconds=seconds * i // parts) for i in range(parts)] + [hi]
    return [Task(task.field, iso(a), iso(b), task.as_of) for a, b in zip(bounds, bounds[1:], strict=False)]


def _combined(failures: list[tuple[Source, GitHubError]]) -> GitHubError:
    """One error for the run, of the first failure's kind, naming every source that failed."""
    if len(failures) == 1:
        return failures[0][1]
    first = failures[0][1]
    message = "; ".join(str(error) for _, error in failures)
    if isinstance(first, GitHubServerError):
        return GitHubServerError(message, first.status)
    return type(first)(message)
