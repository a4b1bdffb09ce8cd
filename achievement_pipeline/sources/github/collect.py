"""Collect merged pull requests for a UTC date window in the fewest GitHub requests.

For each source (a user, an organisation, a repository; see ``sources``):

1. **Probe**: one conditional REST search for the source's most recently updated merged
   PR, with the ETag from last time. A 304 means nothing changed; it is free.
2. **Resume** work an earlier run left unfinished, from the GraphQL cursor it stored.
3. **Changes**: if the probe says something changed, read the merged PRs updated since
   the source's cursor (a PR merged into an old day, a late review, a new label).
4. **Fill**: fetch the parts of the window no earlier run covered, oldest first, 100 PRs
   per GraphQL request. Search stops at 1,000 results: the same search then goes on from
   the creation time of the last PR it gave (``created:>=``), so no page is read twice
   and no count has to be guessed.

A page's review comments (and the rare list longer than a page) are looked up in the
query that fetches the next page (``queries``), so a page of 100 PRs costs about 7
rate-limit points in one request. Each page is stored with the cursor that follows it
and the lookups it still needs (``store``); the lookups' answers complete it in the next
transaction, so an interrupted collection resumes where it stopped without fetching a
page twice, and a re-collection over unchanged history costs one request per source. A
task's last page gets its lookups at once, so a task leaves nothing behind. The window's
rows are read from the store only after every source's work is done. A failing source
does not stop the others; the run fails afterwards, naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from achievement_pipeline.core.records import PullRequestRecord
from achievement_pipeline.core.token_visibility import SourceVisibility, VisibilityStore
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
    Continuation,
    PageShape,
    continuation_query,
    page_query,
    rest_files,
)
from achievement_pipeline.sources.github.sources import Source
from achievement_pipeline.sources.github.store import GitHubStore, SetAside, SourceState, Task, iso, parse_iso
from achievement_pipeline.sources.github.visibility import what_the_token_sees

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
# Lookups per query: 149 one-request lookups round down to 1 point on their own; riding with a page
# of 100 (601 requests), 248 keep it at 8 points. More wait for the next query.
CONTINUATIONS_PER_QUERY = 149
CARRIED_PER_PAGE = 248
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
    # What the token could see of each source, as last checked (``core.token_visibility``).
    visibility: list[SourceVisibility] = field(default_factory=list)

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
        visibility = self._visibility(sources, reports)  # before the counts, which include its question
        return Collection(
            prs=prs,
            requests=dict(self.client.counts),
            points=self.client.points,
            rates=dict(self.client.rates),
            sources=reports,
            set_aside=self.store.set_aside(self.server, keys, start, end),
            visibility=visibility,
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

    def _visibility(self, sources: Sequence[Source], reports: Sequence[SourceReport]) -> list[SourceVisibility]:
        """What the token can see of each source, asked again whenever something was fetched or nothing is known.

        A collection that changed nothing (every probe a free 304) asks nothing: the last record stands.
        The question is about the portfolio's wording, not its data, so when GitHub will not answer it the
        last record stands too, and the collection succeeds.
        """
        store = VisibilityStore(self.store.engine)
        keys = [source.key for source in sources]
        known = store.read(self.server, keys)
        if {item.source for item in known} >= set(keys) and all(r.outcome == "unchanged" for r in reports):
            return known
        try:
            seen = what_the_token_sees(self.client, sources)
        except GitHubError:
            return known
        store.save(self.server, seen)
        return store.read(self.server, keys)

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
            shape = self._run_task(source, state, state.pending[0], report, shape)

    def _run_task(
        self, source: Source, state: SourceState, task: Task, report: SourceReport, shape: PageShape
    ) -> PageShape:
        """Page through one task; each request brings a page and completes the one stored before it."""
        waiting = self._waiting(source, task)  # the stored page whose lookups ride with the next page
        while True:
            first, nested = _plan(task, shape)
            carried = waiting.take_pending(CARRIED_PER_PAGE) if waiting is not None else []
            query, variables = page_query(shape, carried, nested=nested)
            variables.update(q=_search(source, task), first=first, after=task.after)
            try:
                data = self.client.graphql(query, variables)
            except GitHubServerError as exc:
                if waiting is not None:
                    waiting.pending[0:0] = carried
                if exc.status in _TIMEOUT_STATUSES and shape.prs > 1:
                    shape = shape.smaller()  # GitHub gave up on a heavy page: ask for less, go on
                    continue
                raise
            completed: list[tuple[PullRequestRecord, str]] = []
            if waiting is not None:
                waiting.add_answers(carried, data)
                self._complete_details(waiting, shape)
                completed = waiting.rows()
            search = data["search"]
            nodes = [node for node in search.get("nodes") or () if node]
            page = Assembly()
            for node in nodes:
                if "number" in node:
                    page.add_pull(node)
            self._fetch_files(page)
            finished = _advance(task, search, nodes)
            if finished or nested:  # nothing to ride with, or (rarely) more than a small page holds
                self._complete_details(page, shape)
            task.waiting = [item.to_json() for item in page.pending]
            if finished:
                state.pending.pop(0)
                self._finish(state, task)
            rows = page.rows()
            fresh = {record["pr_id"] for record, _ in rows}  # a PR on both pages: its newer copy wins
            self.store.save(
                self.server, source.key, state, [row for row in completed if row[0]["pr_id"] not in fresh] + rows
            )
            report.pages += 1
            report.fetched += len(rows)
            if finished:
                return shape
            waiting = page if page.pending else None

    def _waiting(self, source: Source, task: Task) -> Assembly | None:
        """The page an interrupted run stored before its lookups were answered, read back to finish."""
        if not task.waiting:
            return None
        items = [Continuation.from_json(item) for item in task.waiting]
        rows = self.store.read_pulls(self.server, source.key, (item.pr_id for item in items))
        waiting = Assembly.resumed(rows, items)
        return waiting if waiting.pending else None

    def _complete_details(self, assembly: Assembly, shape: PageShape) -> None:
        """Answer every lookup still pending (and those the answers lead to), many per GraphQL query."""
        while assembly.pending:
            items = assembly.take_pending(CONTINUATIONS_PER_QUERY)
            query, variables = continuation_query(items, shape)
            assembly.add_answers(items, self.client.graphql(query, variables))

    def _fetch_files(self, assembly: Assembly) -> None:
        """Files beyond a page's first 100, over REST (its lists give up to 3,000 files, 100 a request)."""
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
        assembly.oversized_files = []

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


def _search(source: Source, task: Task) -> str:
    """The task's search: its range, past the 1,000-result cap from where the cap stopped, oldest first."""
    beyond = (f"created:>={task.created_from}",) if task.created_from else ()
    return source.search(_range(task), *beyond, "sort:created-asc")


def _plan(task: Task, shape: PageShape) -> tuple[int, bool]:
    """How many PRs the next page asks for, and whether it reads review comments nested.

    GitHub prices a page by its ``first``, not by what it holds: once the count is known,
    the last page asks for what is left. A small last page reads review comments nested,
    as does the first page of changes, which is usually all of them (a few late reviews
    or labels): either way the task ends in that one request.
    """
    small = min(shape.small_page, shape.prs)
    if task.total is None:  # a search's first page: its count is not known yet
        if task.field == "updated" and task.created_from is None and task.after is None:
            return small, True
        return shape.prs, False
    remaining = min(task.total, SEARCH_CAP) - task.seen
    if remaining <= 0:  # GitHub's count moved since: read on at full size
        return shape.prs, False
    first = min(shape.prs, remaining)
    ends_task = remaining <= shape.prs and task.total <= SEARCH_CAP
    return first, ends_task and first <= small


def _advance(task: Task, search: dict[str, Any], nodes: list[dict[str, Any]]) -> bool:
    """Move the task past a page; True when its search is read to the end.

    At the cap the search goes on from the newest creation time read so far: PRs created
    in that very second come again (their copies are replaced), every other one once.
    """
    info = search["pageInfo"]
    task.seen += len(nodes)
    task.total = search["issueCount"]
    if info["hasNextPage"] and info["endCursor"]:
        task.after = info["endCursor"]
        return False
    if task.seen >= SEARCH_CAP and search["issueCount"] > task.seen:
        created = [parse_iso(n["createdAt"]) for n in nodes if n.get("createdAt")]
        if not created:
            raise GitHubServerError(f"GitHub's search stopped at {task.seen} results without saying where")
        newest = iso(max(created))
        if newest == task.created_from:
            raise GitHubServerError(f"more than {SEARCH_CAP} PRs created within one second at {newest}")
        task.created_from, task.after, task.seen, task.total = newest, None, 0, None
        return False
    return True


def _combined(failures: list[tuple[Source, GitHubError]]) -> GitHubError:
    """One error for the run, of the first failure's kind, naming every source that failed."""
    if len(failures) == 1:
        return failures[0][1]
    first = failures[0][1]
    message = "; ".join(str(error) for _, error in failures)
    if isinstance(first, GitHubServerError):
        return GitHubServerError(message, first.status)
    return type(first)(message)
