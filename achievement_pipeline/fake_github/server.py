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
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from achievement_pipeline.fake_github.history import generate_history
from achievement_pipeline.fake_github.model import FakeHistory, FakePullRequest
from achievement_pipeline.fake_github.payloads import DOCS, Json, Payloads, error_body, rate_limit_body
from achievement_pipeline.fake_github.search import SearchError, sort_pulls

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
_DOC_SEARCH = "https://docs.github.com/rest/search/search#search-issues-and-pull-requests"
_DOC_RATE = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
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
    status: int
    resource: str  # "core" | "search"


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
    """GitHub's primary rate limits: a fixed window per resource ("core" hourly, "search" per minute)."""

    def __init__(self, core_limit: int, search_limit: int, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = {
            "core": _Window(core_limit, CORE_WINDOW_SECONDS),
            "search": _Window(search_limit, SEARCH_WINDOW_SECONDS),
        }

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

    def consume(self, resource: str) -> RateSnapshot:
        """Count one request (never past the limit) and return the state after it."""
        with self._lock:
            window = self._current(resource)
            window.used = min(window.limit, window.used + 1)
            return self._snapshot(resource, window)

    def reset(self) -> None:
        with self._lock:
            for window in self._windows.values():
                window.used, window.reset = 0, 0.0


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
        found = app.history.search(q)
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


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES: tuple[tuple[re.Pattern[str], _Route], ...] = tuple(
    (re.compile(pattern + "$"), handler)
    for pattern, handler in (
        (r"/user", _get_authenticated_user),
        (r"/user/(?P<id>\d+)", _get_user_by_id),
        (r"/users/(?P<login>[^/]+)", _get_user),
        (r"/rate_limit", _get_rate_limit),
        (r"/search/issues", _search_issues),
        (_REPO, _get_repo),
        (_REPO + r"/pulls", _list_pulls),
        (_REPO + r"/pulls/(?P<number>\d+)", _get_pull),
        (_REPO + r"/pulls/(?P<number>\d+)/files", _list_files),
        (_REPO + r"/pulls/(?P<number>\d+)/reviews", _list_reviews),
        (_REPO + r"/pulls/(?P<number>\d+)/comments", _list_review_comments),
        (_REPO + r"/issues/(?P<number>\d+)", _get_issue),
        (_REPO + r"/issues/(?P<number>\d+)/comments", _list_issue_comments),
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
    """A complete HTTP answer, independent of the socket it goes to."""

    status: int
    headers: dict[str, str]
    body: bytes


class FakeGitHub:
    """GitHub's REST API for one ``FakeHistory``, served on a local port.

    ``tokens=None`` accepts any token and none; otherwise a request must carry one of
    ``tokens`` (401 "Bad credentials" for others, 401 "Requires authentication" without
    one). Rate limits are counted and reported in headers; they are only enforced (403
    "API rate limit exceeded") with ``enforce_rate_limit=True``, so a long demo never stalls.
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
        enforce_rate_limit: bool = False,
    ) -> None:
        self.history = history if history is not None else generate_history()
        self.tokens = frozenset(tokens) if tokens is not None else None
        self.host = host
        self.port = port
        self.enforce_rate_limit = enforce_rate_limit
        self.rate_limiter = RateLimiter(rate_limit, search_rate_limit)
        self.requests = RequestLog()
        self._payloads: dict[str, Payloads] = {}
        self._payloads_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._request_ids = itertools.count(1)

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

    # ------------------------------------------------------------------ counters

    def request_count(self, path_prefix: str | None = None, method: str | None = None) -> int:
        return self.requests.request_count(path_prefix, method)

    def reset_counts(self) -> None:
        self.requests.reset_counts()

    def reset_rate_limits(self) -> None:
        self.rate_limiter.reset()

    # ------------------------------------------------------------------ answering

    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> Reply:
        """Answer one request; ``headers`` must have lower-case names. Thread-safe."""
        split = urlsplit(target)
        raw_path = split.path.rstrip("/") or "/"
        path = unquote(raw_path)
        params = parse_qsl(split.query, keep_blank_values=True)
        resource = "search" if path.startswith("/search/") else "core"
        status, body, extra, snapshot = self._answer(method, path, raw_path, params, headers, resource)
        # GET /rate_limit is free on GitHub, so checking the budget does not spend it.
        free = path == "/rate_limit"
        reply = self._reply(status, body, extra, snapshot, headers, resource, free)
        self.requests.record(RecordedRequest(method, path, dict(params), reply.status, resource))
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        raw_path: str,
        params: list[tuple[str, str]],
        headers: Mapping[str, str],
        resource: str,
    ) -> tuple[int, Any, dict[str, str], RateSnapshot | None]:
        """(status, JSON body, extra headers, rate snapshot or None when not yet counted)."""
        auth_error = self._check_token(headers.get("authorization"))
        if auth_error is not None:
            return auth_error.status, auth_error.body, {}, self.rate_limiter.peek(resource)
        if self.enforce_rate_limit and path != "/rate_limit":
            current = self.rate_limiter.peek(resource)
            if current.remaining == 0:
                user_id = self.history.users[0].id
                error = ApiError(403, f"API rate limit exceeded for user ID {user_id}.", _DOC_RATE)
                return error.status, error.body, {}, current
        found = _route(path) if method in ("GET", "HEAD") else None
        if found is None:
            return 404, error_body("Not Found", 404), {}, None
        handler, match = found
        request = _Request(path, raw_path, params, self._api_base(headers), self._payloads_for(headers))
        try:
            answer = handler(self, request, match)
        except ApiError as error:
            return error.status, error.body, {}, None
        return 200, answer.body, answer.headers, None

    def _reply(
        self,
        status: int,
        body: Any,
        extra: dict[str, str],
        snapshot: RateSnapshot | None,
        headers: Mapping[str, str],
        resource: str,
        free: bool,
    ) -> Reply:
        """Encode, tag and count an answer (unless ``snapshot`` says it was already accounted for)."""
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        etag = _etag(encoded) if status == 200 else None
        if etag is not None and _etag_matches(headers.get("if-none-match"), etag):
            status, encoded = 304, b""
        if snapshot is None:
            # A 304 is free on GitHub: conditional requests do not count against the limit.
            free = free or status == 304
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

    def _check_token(self, authorization: str | None) -> ApiError | None:
        if self.tokens is None:
            return None
        token = _token_of(authorization)
        if token is None:
            return ApiError(401, "Requires authentication", DOCS)
        if token not in self.tokens:
            return ApiError(401, "Bad credentials", DOCS)
        return None

    def _api_base(self, headers: Mapping[str, str]) -> str:
        """Links use the host the client used, so PyGithub accepts them as its own server's."""
        host = headers.get("host", "")
        return f"http://{host}" if host and _HOST.fullmatch(host) else self.base_url

    def _payloads_for(self, headers: Mapping[str, str]) -> Payloads:
        api = self._api_base(headers)
        with self._payloads_lock:
            if api not in self._payloads:
                self._payloads[api] = Payloads(self.history, api)
            return self._payloads[api]


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
        if length:
            self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply = self.server.app.handle(self.command, self.path, headers)
        except Exception:  # a bug in the fake must answer 500, not hang the client
            body = json.dumps(error_body("Server Error", 500)).encode()
            reply = Reply(500, {"Content-Type": "application/json; charset=utf-8"}, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
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
