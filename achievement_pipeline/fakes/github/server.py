"""A local HTTP server that answers like GitHub's REST API, from a ``FakeHistory``.

The demo and the tests use the real PyGithub client against this server, so the
collector is exercised exactly as it would be against api.github.com: the same URLs,
bodies, ``Link`` pagination, rate-limit headers, error bodies and status codes. Only
the read endpoints the pipeline needs exist; everything else is GitHub's 404.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from achievement_pipeline.fakes.github.apps import DOC as APP_DOC
from achievement_pipeline.fakes.github.apps import AppError, Apps
from achievement_pipeline.fakes.github.changes import labelled, new_merged_pull
from achievement_pipeline.fakes.github.faults import Fault, FaultPlan
from achievement_pipeline.fakes.github.graphql_api import GraphQLEndpoint, GraphQLReply, Prepared
from achievement_pipeline.fakes.github.graphql_nodes import Graph
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.fakes.github.model import FakeHistory, FakePullRequest
from achievement_pipeline.fakes.github.payloads import DOCS, Json, Payloads, error_body, rate_limit_body
from achievement_pipeline.fakes.github.search import SearchError, sort_pulls

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
SEARCH_RESULT_CAP = 1_000
SEARCH_RATE_LIMIT = 30
CORE_WINDOW_SECONDS = 3_600
SEARCH_WINDOW_SECONDS = 60
OAUTH_SCOPES = "read:org, read:user, repo"

_DOC_USER = "https://docs.github.com/rest/users/users#get-a-user"
_DOC_REPO = "https://docs.github.com/rest/repos/repos#get-a-repository"
_DOC_PULL = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"
_DOC_PULLS = "https://docs.github.com/rest/pulls/pulls#list-pull-requests"
_DOC_ISSUE = "https://docs.github.com/rest/issues/issues#get-an-issue"
_DOC_ISSUES = "https://docs.github.com/rest/issues/issues#list-repository-issues"
_DOC_REPO_ISSUE_COMMENTS = "https://docs.github.com/rest/issues/comments#list-issue-comments-for-a-repository"
_DOC_REPO_REVIEW_COMMENTS = "https://docs.github.com/rest/pulls/comments#list-review-comments-in-a-repository"
_DOC_MILESTONE = "https://docs.github.com/rest/issues/milestones#get-a-milestone"
_DOC_SEARCH = "https://docs.github.com/rest/search/search#search-issues-and-pull-requests"
_DOC_RATE = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
_DOC_SECONDARY = _DOC_RATE + "#about-secondary-rate-limits"
_DOC_GRAPHQL_AUTH = "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


# --------------------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered; tests count these to check pagination and caching."""

    method: str
    path: str
    query: dict[str, str]
    status: int  # 0 when the connection was dropped before an answer
    resource: str  # "core" | "search" | "graphql"
    kind: str = "rest"  # "rest" | "search" (REST search) | "graphql" | "app" (installation tokens) | "control"
    fault: str | None = None  # the injected fault that answered, if any
    prefix: str = ""  # "/api/v3" when REST was addressed the GitHub Enterprise way
    points: int = 0  # GraphQL rate-limit points charged (the query's cost; 0 when refused or faulted)


class RequestLog:
    """A thread-safe record of answered requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def request_count(self, path_prefix: str | None = None, method: str | None = None) -> int:
        """How many requests were answered, optionally only under ``path_prefix`` / for ``method``."""
        return sum(
            1
            for e in self.entries()
            if (path_prefix is None or e.path.startswith(path_prefix)) and (method is None or e.method == method)
        )

    def count(self, kind: str | None = None, status: int | None = None) -> int:
        """Requests of one ``kind`` ("rest", "search", "graphql", ...) and/or answered with ``status``."""
        return sum(
            1 for e in self.entries() if (kind is None or e.kind == kind) and (status is None or e.status == status)
        )

    def counts_by_kind(self) -> dict[str, int]:
        """Requests per kind, plus ``not_modified`` (304s, free on GitHub) and ``faulted``."""
        counts: dict[str, int] = {}
        for entry in self.entries():
            counts[entry.kind] = counts.get(entry.kind, 0) + 1
            if entry.status == 304:
                counts["not_modified"] = counts.get("not_modified", 0) + 1
            if entry.fault:
                counts["faulted"] = counts.get("faulted", 0) + 1
        return counts

    def points(self) -> int:
        """GraphQL rate-limit points charged, summed as GitHub's ``rateLimit.cost`` would report them."""
        return sum(e.points for e in self.entries())

    def reset_counts(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return self.request_count()

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.entries())


# --------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateSnapshot:
    """The state of one rate-limit resource, as sent in ``X-RateLimit-*`` headers."""

    resource: str
    limit: int
    remaining: int
    used: int
    reset: int

    def as_json(self) -> Json:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining, "reset": self.reset}

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Resource": self.resource,
        }


@dataclass
class _Window:
    limit: int
    seconds: int
    used: int = 0
    reset: float = 0.0


class RateLimiter:
    """GitHub's primary rate limits: a fixed window per resource.

    "core" counts REST requests per hour, "search" per minute, "graphql" counts points per
    hour (a query's cost, not one per request). ``exhaust`` empties a window until a given
    reset, as a burst of other clients sharing the token would; an exhausted window is
    enforced even when the server does not enforce limits otherwise.
    """

    def __init__(
        self,
        core_limit: int,
        search_limit: int,
        clock: Callable[[], float] = time.time,
        graphql_limit: int = 5_000,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = {
            "core": _Window(core_limit, CORE_WINDOW_SECONDS),
            "search": _Window(search_limit, SEARCH_WINDOW_SECONDS),
            "graphql": _Window(graphql_limit, CORE_WINDOW_SECONDS),
        }
        self._forced: dict[str, float] = {}

    def _current(self, resource: str) -> _Window:
        window = self._windows[resource]
        now = self._clock()
        if now >= window.reset:
            window.used, window.reset = 0, now + window.seconds
        return window

    def _snapshot(self, resource: str, window: _Window) -> RateSnapshot:
        remaining = max(0, window.limit - window.used)
        return RateSnapshot(resource, window.limit, remaining, window.used, int(window.reset))

    def peek(self, resource: str) -> RateSnapshot:
        with self._lock:
            return self._snapshot(resource, self._current(resource))

    def consume(self, resource: str, amount: int = 1) -> RateSnapshot:
        """Count ``amount`` (a request, or a query's points; never past the limit) and return the state after it."""
        with self._lock:
            window = self._current(resource)
            window.used = min(window.limit, window.used + amount)
            return self._snapshot(resource, window)

    def exhaust(self, resource: str, seconds: float) -> RateSnapshot:
        """Use up ``resource`` until ``seconds`` from now, and enforce that."""
        with self._lock:
            window = self._windows[resource]
            window.used, window.reset = window.limit, self._clock() + seconds
            self._forced[resource] = window.reset
            return self._snapshot(resource, window)

    def forced(self, resource: str) -> bool:
        """Whether ``resource`` was exhausted by ``exhaust`` and has not reset yet."""
        with self._lock:
            until = self._forced.get(resource)
            if until is not None and self._clock() >= until:
                del self._forced[resource]
                return False
            return until is not None

    def reset(self) -> None:
        with self._lock:
            for window in self._windows.values():
                window.used, window.reset = 0, 0.0
            self._forced.clear()


# --------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer with GitHub's body."""

    def __init__(
        self, status: int, message: str, documentation_url: str = DOCS, errors: list[Json] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message, status, documentation_url, errors)


def _not_found(documentation_url: str = DOCS) -> ApiError:
    return ApiError(404, "Not Found", documentation_url)


@dataclass
class _Request:
    """What a route handler needs to know about a GET."""

    path: str  # percent-decoded
    raw_path: str  # as sent, for building Link URLs
    params: list[tuple[str, str]]
    api: str
    payloads: Payloads

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = [v for k, v in self.params if k == name]
        return values[-1] if values else default


@dataclass
class _Answer:
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


_Route = Callable[["FakeGitHub", _Request, re.Match[str]], _Answer]


def _page_args(request: _Request) -> tuple[int, int]:
    """``per_page`` (default 30, at most 100) and ``page`` (from 1), forgiving bad values like GitHub."""
    try:
        per_page = int(request.arg("per_page") or DEFAULT_PER_PAGE)
    except ValueError:
        per_page = DEFAULT_PER_PAGE
    try:
        page = int(request.arg("page") or 1)
    except ValueError:
        page = 1
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    return per_page, max(page, 1)


def _link_header(request: _Request, page: int, last_page: int) -> str | None:
    """GitHub's ``Link`` header: prev, next, last, first, as absolute URLs keeping the other params."""
    if last_page <= 1 and page <= 1:
        return None

    def url(target: int) -> str:
        params = [(k, v) for k, v in request.params if k != "page"] + [("page", str(target))]
        return f"{request.api}{request.raw_path}?{urlencode(params)}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last_page))}>; rel="prev"')
    if page < last_page:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last_page)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links) or None


def _paginate(request: _Request, items: Sequence[Any], render: Callable[[Any], Json]) -> _Answer:
    per_page, page = _page_args(request)
    chunk = items[(page - 1) * per_page : page * per_page]
    answer = _Answer([render(item) for item in chunk])
    link = _link_header(request, page, max(1, -(-len(items) // per_page)))
    if link:
        answer.headers["Link"] = link
    return answer


# --------------------------------------------------------------------------------------
# Endpoint handlers
# --------------------------------------------------------------------------------------


def _get_authenticated_user(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    return _Answer(request.payloads.authenticated_user())


def _get_user(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    user = app.history.user(match["login"])
    if user is None:
        raise _not_found(_DOC_USER)
    return _Answer(request.payloads.user_full(user))


def _get_user_by_id(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    user = app.history.user_by_id(int(match["id"]))
    if user is None:
        raise _not_found(_DOC_USER)
    return _Answer(request.payloads.user_full(user))


def _get_rate_limit(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    core, search = app.rate_limiter.peek("core"), app.rate_limiter.peek("search")
    return _Answer(rate_limit_body(core.as_json(), search.as_json()))


def _search_issues(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    q = request.arg("q")
    if not q or not q.strip():
        errors = [{"resource": "Search", "field": "q", "code": "missing"}]
        raise ApiError(422, "Validation Failed", _DOC_SEARCH, errors)
    try:
        found = app.search(q)
    except SearchError as exc:
        errors = [{"message": str(exc), "resource": "Search", "field": "q", "code": "invalid"}]
        raise ApiError(422, "Validation Failed", _DOC_SEARCH, errors) from exc
    sort, order = request.arg("sort"), request.arg("order")
    if sort in ("created", "updated", "comments"):
        found = sort_pulls(found, sort, order if order in ("asc", "desc") else "desc")
    per_page, page = _page_args(request)
    if (page - 1) * per_page >= SEARCH_RESULT_CAP:
        raise ApiError(422, "Only the first 1000 search results are available", _DOC_SEARCH)
    reachable = found[:SEARCH_RESULT_CAP]
    listed = _paginate(request, reachable, request.payloads.search_item)
    body = {
        "total_count": len(found),
        "incomplete_results": False,
        "search_type": "lexical",
        "items": listed.body,
    }
    return _Answer(body, listed.headers)


def _repo_or_404(app: FakeGitHub, match: re.Match[str]) -> str:
    repo = app.history.repo(f"{match['owner']}/{match['repo']}")
    if repo is None:
        raise _not_found(_DOC_REPO)
    return repo.full_name


def _pull_or_404(app: FakeGitHub, match: re.Match[str], doc: str = _DOC_PULL) -> FakePullRequest:
    pr = app.history.pull(_repo_or_404(app, match), int(match["number"]))
    if pr is None:
        raise _not_found(doc)
    return pr


def _get_repo(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    repo = app.history.repo(_repo_or_404(app, match))
    assert repo is not None
    return _Answer(request.payloads.repo(repo))


def _list_pulls(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    """``GET /repos/{o}/{r}/pulls`` with GitHub's defaults: open PRs, newest first."""
    full_name = _repo_or_404(app, match)
    state = request.arg("state", "open")
    if state not in ("open", "closed", "all"):
        errors = [{"resource": "PullRequest", "field": "state", "code": "invalid"}]
        raise ApiError(422, "Validation Failed", _DOC_PULLS, errors)
    pulls = [p for p in app.history.pulls_in(full_name) if state == "all" or p.state == state]
    base, head = request.arg("base"), request.arg("head")
    if base:
        pulls = [p for p in pulls if p.base_ref == base]
    if head:
        ref = head.split(":", 1)[-1]
        pulls = [p for p in pulls if p.head_ref == ref]
    sort = request.arg("sort", "created")
    direction = request.arg("direction") or ("desc" if sort == "created" else "asc")
    keys: dict[str, Callable[[FakePullRequest], Any]] = {
        "created": lambda p: p.created_at,
        "updated": lambda p: p.updated_at,
        "popularity": lambda p: len(p.issue_comments),
        "long-running": lambda p: p.created_at,
    }
    pulls = sorted(pulls, key=keys.get(sort or "created", keys["created"]), reverse=direction == "desc")
    return _paginate(request, pulls, request.payloads.pull_simple)


def _get_pull(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    return _Answer(request.payloads.pull(_pull_or_404(app, match)))


def _list_files(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    pr = _pull_or_404(app, match)
    return _paginate(request, pr.files, lambda f: request.payloads.file(pr, f))


def _list_reviews(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    pr = _pull_or_404(app, match)
    return _paginate(request, pr.reviews, lambda r: request.payloads.review(pr, r))


def _list_review_comments(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    pr = _pull_or_404(app, match)
    comments = sorted(pr.review_comments, key=lambda c: (c.created_at, c.id))
    return _paginate(request, comments, lambda c: request.payloads.review_comment(pr, c))


def _get_issue(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    return _Answer(request.payloads.issue(_pull_or_404(app, match, _DOC_ISSUE)))


def _list_issue_comments(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    pr = _pull_or_404(app, match, _DOC_ISSUE)
    return _paginate(request, pr.issue_comments, lambda c: request.payloads.issue_comment(pr, c))


def _repo_comments(
    app: FakeGitHub, request: _Request, match: re.Match[str], review: bool, doc: str
) -> list[tuple[FakePullRequest, Any]]:
    """A repository's comments of one kind across its PRs: ``since`` (updated at or after), ``sort``, ``direction``.

    GitHub lists them by id ascending unless ``sort`` is given; ``direction`` is read only with ``sort``.
    """
    full_name = _repo_or_404(app, match)
    found = [
        (pr, c) for pr in app.history.pulls_in(full_name) for c in (pr.review_comments if review else pr.issue_comments)
    ]
    since = _moment_param(request, "since", doc)
    if since is not None:  # a fake comment is never edited: updated when created
        found = [(pr, c) for pr, c in found if c.created_at >= since]
    if request.arg("sort") in ("created", "updated"):
        found.sort(key=lambda item: (item[1].created_at, item[1].id), reverse=request.arg("direction") == "desc")
    else:
        found.sort(key=lambda item: item[1].id)
    return found


def _list_repo_review_comments(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    """``GET /repos/{o}/{r}/pulls/comments``: every review comment of the repository (DevLake collects these)."""
    found = _repo_comments(app, request, match, True, _DOC_REPO_REVIEW_COMMENTS)
    return _paginate(request, found, lambda item: request.payloads.review_comment(*item))


def _list_repo_issue_comments(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    """``GET /repos/{o}/{r}/issues/comments``: every conversation comment of the repository's issues and PRs."""
    found = _repo_comments(app, request, match, False, _DOC_REPO_ISSUE_COMMENTS)
    return _paginate(request, found, lambda item: request.payloads.issue_comment(*item))


def _moment_param(request: _Request, name: str, doc: str) -> datetime | None:
    value = request.arg(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            422, "Validation Failed", doc, [{"resource": "Issue", "field": name, "code": "invalid"}]
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _list_repo_issues(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    """``GET /repos/{o}/{r}/issues``: PRs listed as issues (the fake has no plain issues), oldest first or not."""
    full_name = _repo_or_404(app, match)
    state = request.arg("state", "open")
    pulls = [p for p in app.history.pulls_in(full_name) if state == "all" or p.state == state]
    since = _moment_param(request, "since", _DOC_ISSUES)
    if since is not None:
        pulls = [p for p in pulls if p.updated_at >= since]
    sort = request.arg("sort") or "created"
    direction = request.arg("direction") or "desc"
    pulls = sort_pulls(pulls, sort if sort in ("created", "updated", "comments") else "created", direction)
    return _paginate(request, pulls, request.payloads.issue)


def _list_commits(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    pr = _pull_or_404(app, match)
    positions = list(range(1, pr.commits + 1))
    return _paginate(request, positions, lambda n: request.payloads.pull_commit(pr, n))


def _requested_reviewers(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    _pull_or_404(app, match)
    return _Answer({"users": [], "teams": []})


def _get_milestone(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    milestone = app.history.milestone(_repo_or_404(app, match), int(match["number"]))
    if milestone is None:
        raise _not_found(_DOC_MILESTONE)
    return _Answer(request.payloads.milestone(milestone))


def _list_user_orgs(app: FakeGitHub, request: _Request, match: re.Match[str]) -> _Answer:
    user = app.history.user(match["login"])
    if user is None:
        raise _not_found(_DOC_USER)
    owners = dict.fromkeys(r.owner for r in app.history.repos_of(user.login))
    orgs = [o for o in owners if (app.history.user(o) or user).type == "Organization"]
    return _paginate(request, orgs, request.payloads.org_simple)


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES: tuple[tuple[re.Pattern[str], _Route], ...] = tuple(
    (re.compile(pattern + "$"), handler)
    for pattern, handler in (
        (r"/user", _get_authenticated_user),
        (r"/user/(?P<id>\d+)", _get_user_by_id),
        (r"/users/(?P<login>[^/]+)", _get_user),
        (r"/users/(?P<login>[^/]+)/orgs", _list_user_orgs),
        (r"/rate_limit", _get_rate_limit),
        (r"/search/issues", _search_issues),
        (_REPO, _get_repo),
        (_REPO + r"/pulls", _list_pulls),
        (_REPO + r"/pulls/comments", _list_repo_review_comments),
        (_REPO + r"/issues/comments", _list_repo_issue_comments),
        (_REPO + r"/pulls/(?P<number>\d+)", _get_pull),
        (_REPO + r"/pulls/(?P<number>\d+)/files", _list_files),
        (_REPO + r"/pulls/(?P<number>\d+)/reviews", _list_reviews),
        (_REPO + r"/pulls/(?P<number>\d+)/comments", _list_review_comments),
        (_REPO + r"/pulls/(?P<number>\d+)/commits", _list_commits),
        (_REPO + r"/pulls/(?P<number>\d+)/requested_reviewers", _requested_reviewers),
        (_REPO + r"/issues", _list_repo_issues),
        (_REPO + r"/issues/(?P<number>\d+)", _get_issue),
        (_REPO + r"/issues/(?P<number>\d+)/comments", _list_issue_comments),
        (_REPO + r"/milestones/(?P<number>\d+)", _get_milestone),
    )
)


def _route(path: str) -> tuple[_Route, re.Match[str]] | None:
    for pattern, handler in _ROUTES:
        match = pattern.match(path)
        if match:
            return handler, match
    return None


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


def _token_of(authorization: str | None) -> str | None:
    """The token of ``Authorization: token X`` or ``Bearer X``; "" for any other scheme."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() in ("token", "bearer") else ""


def _etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer, independent of the socket it goes to.

    ``drop`` makes the handler hang up instead: "before" answering anything, or "mid"-way
    through the body after promising all of it in ``Content-Length``.
    """

    status: int
    headers: dict[str, str]
    body: bytes
    drop: str | None = None


_API_PREFIX = "/api/v3"  # GitHub Enterprise serves REST under /api/v3 and GraphQL at /api/graphql
_GRAPHQL_PATHS = ("/graphql", "/api/graphql")
_APP_TOKENS = re.compile(r"/app/installations/(?P<id>\d+)/access_tokens$")
_CONTROL = "/_fake/pulls"


def _split_prefix(raw_path: str) -> tuple[str, str]:
    """(prefix, path): the Enterprise ``/api/v3`` prefix is accepted and kept for the links it answers with."""
    if raw_path == _API_PREFIX or raw_path.startswith(_API_PREFIX + "/"):
        return _API_PREFIX, raw_path[len(_API_PREFIX) :] or "/"
    return "", raw_path


def _kind_of(method: str, path: str) -> str:
    if path in _GRAPHQL_PATHS:
        return "graphql"
    if path.startswith("/search/"):
        return "search"
    if method == "POST" and _APP_TOKENS.match(path):
        return "app"
    if path == _CONTROL:
        return "control"
    return "rest"


class FakeGitHub:
    """GitHub's REST and GraphQL APIs for one ``FakeHistory``, served on a local port.

    ``tokens=None`` accepts any token and none; otherwise a request must carry one of
    ``tokens`` or an installation token issued to one of ``apps`` (401 "Bad credentials"
    for others, 401 "Requires authentication" without one; GraphQL always needs a token).
    Rate limits are counted and reported in headers; they are only enforced (403 "API rate
    limit exceeded") with ``enforce_rate_limit=True`` or after a ``primary_rate_limit``
    fault, so a long demo never stalls. ``faults`` injects failures (see ``faults``);
    ``apply`` changes the history while it is served. REST is served at the root and
    under ``/api/v3``, GraphQL at ``/graphql`` and ``/api/graphql``, as GitHub Enterprise does.
    """

    def __init__(
        self,
        history: FakeHistory | None = None,
        *,
        tokens: Collection[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int = 5_000,
        search_rate_limit: int = SEARCH_RATE_LIMIT,
        graphql_rate_limit: int = 5_000,
        enforce_rate_limit: bool = False,
        apps: Mapping[int, str] | None = None,
        installations: Mapping[int, int] | None = None,
        schema_path: str | None = None,
    ) -> None:
        self.history = history if history is not None else generate_history()
        self.tokens = frozenset(tokens) if tokens is not None else None
        self.host = host
        self.port = port
        self.enforce_rate_limit = enforce_rate_limit
        self.rate_limiter = RateLimiter(rate_limit, search_rate_limit, graphql_limit=graphql_rate_limit)
        self.requests = RequestLog()
        self.faults = FaultPlan()
        self.apps = Apps(apps, installations)
        self.graphql = GraphQLEndpoint(schema_path)
        self._payloads: dict[str, Payloads] = {}
        self._searches: dict[str, list[FakePullRequest]] = {}
        self._state_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._request_ids = itertools.count(1)
        self._limit_as_200 = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGitHub:
        """Bind and serve in a daemon thread; returns self so ``FakeGitHub().start()`` chains."""
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.app = self
        self.port = server.server_address[1]
        self._server = server
        name = f"fake-github:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections so nothing answers afterwards."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server, self._thread = None, None
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``, the value for ``github.Github(base_url=...)``."""
        if self._server is None:
            raise RuntimeError("FakeGitHub is not running; call start() or use it as a context manager")
        return f"http://{self.host}:{self.port}"

    @property
    def enterprise_url(self) -> str:
        """``http://HOST:PORT/api/v3``: the same server addressed the way GitHub Enterprise is."""
        return self.base_url + _API_PREFIX

    # ------------------------------------------------------------------ counters and changes

    def request_count(self, path_prefix: str | None = None, method: str | None = None) -> int:
        return self.requests.request_count(path_prefix, method)

    def reset_counts(self) -> None:
        self.requests.reset_counts()

    def reset_rate_limits(self) -> None:
        self.rate_limiter.reset()

    def apply(self, pulls: Iterable[FakePullRequest]) -> None:
        """Merge new PRs or replace changed ones while serving (see ``changes``)."""
        with self._state_lock:
            self.history = self.history.with_pulls(pulls)
            self._payloads.clear()
            self._searches.clear()

    def search(self, query: str) -> list[FakePullRequest]:
        """``history.search`` remembered per query until the history changes (pages repeat the query)."""
        with self._state_lock:
            history, found = self.history, self._searches.get(query)
        if found is None:
            found = history.search(query)
            with self._state_lock:
                if history is self.history:
                    self._searches[query] = found
        return found

    # ------------------------------------------------------------------ answering

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> Reply:
        """Answer one request; ``headers`` must have lower-case names. Thread-safe."""
        split = urlsplit(target)
        prefix, raw_path = _split_prefix(split.path.rstrip("/") or "/")
        path = unquote(raw_path)
        params = parse_qsl(split.query, keep_blank_values=True)
        kind = _kind_of(method, path)
        resource = {"search": "search", "graphql": "graphql"}.get(kind, "core")
        prepared = self.graphql.prepare(body) if kind == "graphql" and method == "POST" else None
        nodes = prepared.limits.nodes if isinstance(prepared, Prepared) else None
        fault = self.faults.pick(kind, nodes) if kind not in ("control", "app") else None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        points = 0
        if fault is not None and fault.kind not in ("slow", "primary_rate_limit"):
            reply = self._fault_reply(fault, resource, kind)
        else:
            if fault is not None and fault.kind == "primary_rate_limit":  # the budget is gone until the reset
                self.rate_limiter.exhaust(resource, fault.reset_in)
                self._limit_as_200 = fault.graphql_200
            status, answer, extra, snapshot, raw = self._answer(
                method, path, prefix, raw_path, params, headers, resource, kind, prepared, body
            )
            # GET /rate_limit is free on GitHub, so checking the budget does not spend it.
            free = path == "/rate_limit" or kind in ("app", "control")
            reply = self._reply(status, answer, extra, snapshot, headers, resource, free, raw)
            if raw and isinstance(prepared, Prepared) and not prepared.errors:  # charged in ``_graphql``
                points = prepared.limits.cost
        fault_name = fault.kind if fault is not None and fault.kind != "slow" else None
        status = 0 if reply.drop else reply.status
        entry = RecordedRequest(method, path, dict(params), status, resource, kind, fault_name, prefix, points)
        self.requests.record(entry)
        return reply

    def _fault_reply(self, fault: Fault, resource: str, kind: str) -> Reply:
        snapshot = self.rate_limiter.peek(resource)
        request_id = f"FAKE:{next(self._request_ids):08X}"
        headers = {"Content-Type": "application/json; charset=utf-8", "X-GitHub-Request-Id": request_id}
        headers.update(snapshot.headers())
        if fault.kind == "secondary_rate_limit":
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                f"If you reach out to GitHub Support for help, please include the request ID {request_id}."
            )
            headers["Retry-After"] = str(fault.retry_after)
            body: Any = error_body(message, 403, _DOC_SECONDARY)
            return Reply(403, headers, json.dumps(body).encode())
        if kind == "graphql":
            message = (
                "Something went wrong while executing your query. This may be the result of a timeout, or it "
                f"could be a GitHub bug. Please include `{request_id}` when reporting this issue."
            )
            body = {"data": None, "errors": [{"message": message}]}
        else:
            body = error_body("Server Error", fault.status)
        encoded = json.dumps(body).encode()
        status = fault.status if fault.kind == "server_error" else 200
        drop = ("mid" if fault.mid_body else "before") if fault.kind == "drop_connection" else None
        return Reply(status, headers, encoded, drop)

    def _answer(
        self,
        method: str,
        path: str,
        prefix: str,
        raw_path: str,
        params: list[tuple[str, str]],
        headers: Mapping[str, str],
        resource: str,
        kind: str,
        prepared: Prepared | GraphQLReply | None,
        body: bytes,
    ) -> tuple[int, Any, dict[str, str], RateSnapshot | None, bool]:
        """(status, JSON body, extra headers, rate snapshot or None when not yet counted, body already charged)."""
        if kind == "app":
            return self._app_token(path, headers)
        if kind == "control":
            return self._control(method, body)
        auth_error = self._check_token(headers.get("authorization"), required=kind == "graphql")
        if auth_error is not None:
            return auth_error.status, auth_error.body, {}, self.rate_limiter.peek(resource), False
        if (self.enforce_rate_limit or self.rate_limiter.forced(resource)) and path != "/rate_limit":
            current = self.rate_limiter.peek(resource)
            if current.remaining == 0:
                user_id = self.history.users[0].id
                message = f"API rate limit exceeded for user ID {user_id}."
                if kind == "graphql" and self._limit_as_200:
                    return 200, {"errors": [{"type": "RATE_LIMITED", "message": message}]}, {}, current, False
                error = ApiError(403, message, _DOC_RATE)
                return error.status, error.body, {}, current, False
        if kind == "graphql":
            return self._graphql(method, prepared)
        found = _route(path) if method in ("GET", "HEAD") else None
        if found is None:
            return 404, error_body("Not Found", 404), {}, None, False
        handler, match = found
        request = _Request(
            path, raw_path, params, self._api_base(headers) + prefix, self._payloads_for(headers, prefix)
        )
        try:
            answer = handler(self, request, match)
        except ApiError as error:
            return error.status, error.body, {}, None, False
        return 200, answer.body, answer.headers, None, False

    def _graphql(
        self, method: str, prepared: Prepared | GraphQLReply | None
    ) -> tuple[int, Any, dict[str, str], RateSnapshot | None, bool]:
        if method != "POST" or prepared is None:
            return 404, error_body("Not Found", 404), {}, None, False
        if isinstance(prepared, GraphQLReply):
            return prepared.status, prepared.body, {}, self.rate_limiter.peek("graphql"), True
        snapshot = self.rate_limiter.consume("graphql", prepared.limits.cost) if not prepared.errors else None
        with self._state_lock:
            history = self.history

        def graph_for(cost: int, nodes: int) -> Graph:
            viewer = history.users[0].login
            return Graph(history, viewer, cost, nodes, lambda: self.rate_limiter.peek("graphql"), self.search)

        reply = self.graphql.answer(prepared, graph_for)
        return reply.status, reply.body, {}, snapshot or self.rate_limiter.peek("graphql"), True

    def _app_token(self, path: str, headers: Mapping[str, str]) -> tuple[int, Any, dict[str, str], None, bool]:
        match = _APP_TOKENS.match(path)
        assert match is not None
        try:
            return 201, self.apps.issue(int(match["id"]), headers.get("authorization")), {}, None, False
        except AppError as error:
            return error.status, error_body(error.message, error.status, APP_DOC), {}, None, False

    def _control(self, method: str, body: bytes) -> tuple[int, Any, dict[str, str], None, bool]:
        """``POST /_fake/pulls``: merge new PRs now, or label an existing one now (not part of GitHub's API).

        {"repo", "author"?, "count"?, "title"?, "merged_at"?} merges ``count`` new PRs;
        {"pr": "owner/repo#N", "label"} adds a label to PR N, as a late change to an old day.
        """
        if method != "POST":
            return 405, error_body("Use POST", 405), {}, None, False
        try:
            spec = json.loads(body or b"{}")
            if "pr" in spec:
                repo, _, number = str(spec["pr"]).partition("#")
                with self._state_lock:
                    pull = self.history.pull(repo, int(number))
                if pull is None:
                    return 404, error_body(f"no PR {spec['pr']}", 404), {}, None, False
                self.apply([labelled(pull, str(spec["label"]), datetime.now(UTC))])
                return 201, {"labelled": pull.pr_id}, {}, None, False
            merged_at = datetime.fromisoformat(spec.get("merged_at", "").replace("Z", "+00:00") or _now_iso())
            with self._state_lock:
                history = self.history
            pulls = []
            for _ in range(int(spec.get("count", 1))):
                pull = new_merged_pull(
                    history.with_pulls(pulls),
                    repo=spec["repo"],
                    author=spec.get("author") or history.users[0].login,
                    merged_at=merged_at,
                    title=spec.get("title", "feat: ship the thing"),
                )
                pulls.append(pull)
        except (ValueError, KeyError, TypeError) as exc:
            return 422, error_body(f"Bad change: {exc}", 422), {}, None, False
        self.apply(pulls)
        return 201, {"merged": [p.pr_id for p in pulls]}, {}, None, False

    def _reply(
        self,
        status: int,
        body: Any,
        extra: dict[str, str],
        snapshot: RateSnapshot | None,
        headers: Mapping[str, str],
        resource: str,
        free: bool,
        charged: bool = False,
    ) -> Reply:
        """Encode, tag and count an answer (unless ``snapshot`` says it was already accounted for)."""
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        etag = _etag(encoded) if status == 200 and resource != "graphql" else None
        if etag is not None and _etag_matches(headers.get("if-none-match"), etag):
            status, encoded = 304, b""
        if snapshot is None:
            # A 304 is free on GitHub: conditional requests do not count against the limit.
            free = free or status == 304 or charged
            snapshot = self.rate_limiter.peek(resource) if free else self.rate_limiter.consume(resource)
        out = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{next(self._request_ids):08X}",
            "Cache-Control": "private, max-age=60, s-maxage=60",
            "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
            **snapshot.headers(),
            **extra,
        }
        if headers.get("authorization"):
            out["X-OAuth-Scopes"] = OAUTH_SCOPES
        if etag is not None:
            out["ETag"] = etag
        return Reply(status, out, encoded)

    def _check_token(self, authorization: str | None, required: bool = False) -> ApiError | None:
        token = _token_of(authorization)
        if required and not token:
            return ApiError(401, "This endpoint requires you to be authenticated.", _DOC_GRAPHQL_AUTH)
        if self.tokens is None:
            return None
        if token is None:
            return ApiError(401, "Requires authentication", DOCS)
        if token not in self.tokens and not self.apps.accepts(token):
            return ApiError(401, "Bad credentials", DOCS)
        return None

    def _api_base(self, headers: Mapping[str, str]) -> str:
        """Links use the host the client used, so PyGithub accepts them as its own server's."""
        host = headers.get("host", "")
        return f"http://{host}" if host and _HOST.fullmatch(host) else self.base_url

    def _payloads_for(self, headers: Mapping[str, str], prefix: str = "") -> Payloads:
        api = self._api_base(headers) + prefix
        with self._state_lock:
            if api not in self._payloads:
                self._payloads[api] = Payloads(self.history, api)
            return self._payloads[api]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Server(ThreadingHTTPServer):
    """Threading server that remembers its open connections so ``stop()`` can close them."""

    daemon_threads = True
    allow_reuse_address = True
    app: FakeGitHub

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up mid-answer is not worth a traceback on stderr."""


class _Handler(BaseHTTPRequestHandler):
    """Adapts ``http.server`` to ``FakeGitHub.handle``; HTTP/1.1 so clients keep connections alive."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every answer on a keep-alive connection.
    disable_nagle_algorithm = True
    server_version = "GitHub.com"
    sys_version = ""
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply = self.server.app.handle(self.command, self.path, headers, body)
        except Exception:  # a bug in the fake must answer 500, not hang the client
            body = json.dumps(error_body("Server Error", 500)).encode()
            reply = Reply(500, {"Content-Type": "application/json; charset=utf-8"}, body)
        if reply.drop == "before":
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.drop == "mid":
            # Promise the whole body, send half of it, hang up: the client sees an incomplete read.
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.command != "HEAD" and reply.status != 304:
            self.wfile.write(reply.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: tests and the demo must keep stderr clean."""


# --------------------------------------------------------------------------------------
# Console script
# --------------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="achievement-fake-github",
        description="Serve a deterministic fake GitHub REST API for the achievement pipeline demo.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765; 0 = any)")
    parser.add_argument("--seed", type=int, default=42, help="history seed (default: 42)")
    parser.add_argument("--users", default="octo-demo", help="comma-separated logins (default: octo-demo)")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1), help="first merge date")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 3, 31), help="last merge date")
    parser.add_argument("--repos-per-user", type=int, default=4)
    parser.add_argument("--prs-per-week", type=float, default=6.0)
    parser.add_argument(
        "--token", action="append", default=None, help="accepted token (repeatable; default: accept any)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the base URL on stdout, a summary on stderr, and serve until Ctrl-C."""
    args = _parse_args(argv)
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    history = generate_history(
        seed=args.seed,
        users=users,
        start=args.start,
        end=args.end,
        repos_per_user=args.repos_per_user,
        prs_per_week=args.prs_per_week,
    )
    server = FakeGitHub(history, tokens=args.token, host=args.host, port=args.port).start()
    print(server.base_url, flush=True)
    for login in history.authors:
        merged = history.merged_pulls(login)
        repos = sorted({p.repo for p in merged})
        summary = f"{login}: {len(merged)} merged PRs in {len(repos)} repos ({', '.join(repos)})"
        print(summary, file=sys.stderr)
    try:
        while True:
            time.sleep(3_600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
