"""One conversation with GitHub: PyGithub's requester, its retries, and an account of what it cost.

PyGithub does the HTTP: authentication (a token or a GitHub App installation), base URLs
for github.com and Enterprise, and ``GithubRetry`` (urllib3's ``Retry`` taught GitHub's
rate-limit answers) for 5xx, 403/429 with ``Retry-After``, the primary limit's reset and
connections dropped before an answer. What urllib3 cannot retry is an answer cut off
mid-body: requests reads the body after urllib3 has handed the response over. Those are
retried here, with the same ``Retry`` policy. Every answer's rate-limit headers are kept,
so the materialization can show the budget left per resource.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import github
import requests
from github.GithubException import (
    GithubException,
    RateLimitExceededExceedsMaxWait,
)
from github.GithubRetry import GithubRetry
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from achievement_pipeline.sources.github.errors import (
    GitHubCredentialsRejected,
    GitHubRateLimited,
    GitHubServerError,
    GitHubUnavailable,
)

MAX_WAIT_SETTING = "ACHIEVEMENT_GITHUB_MAX_WAIT"


class CollectorRetry(GithubRetry):
    """``GithubRetry`` that also refuses a ``Retry-After`` longer than ``max_rate_limit_wait``.

    ``GithubRetry`` caps the wait for a primary limit's reset but sleeps any ``Retry-After``
    (secondary limits); a run that may not wait that long should fail at once, saying so.
    """

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[no-untyped-def, override]
        if response is not None and response.status in (403, 429) and self.max_rate_limit_wait is not None:
            value = (response.headers.get("Retry-After") or "").strip()
            if value.isdigit() and int(value) > self.max_rate_limit_wait:
                raise RateLimitExceededExceedsMaxWait(
                    response.status,
                    {"message": f"secondary rate limit: Retry-After {value}s"},
                    dict(response.headers),
                    wait=float(value),
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_retry(retries: int, backoff_seconds: float, max_wait_seconds: float) -> CollectorRetry:
    """The retry policy of every request: 5xx, 403/429 rate limits, dropped connections, timeouts."""
    return CollectorRetry(
        total=retries,
        backoff_factor=backoff_seconds,
        max_rate_limit_wait=max_wait_seconds,
        status_forcelist=[429, *range(500, 600)],
        # After the last retry, hand the error answer to PyGithub (which raises it with its body)
        # instead of urllib3's bare "too many 502 error responses".
        raise_on_status=False,
    )


def open_client(
    base_url: str,
    auth: github.Auth.Auth,
    *,
    retries: int = 4,
    backoff_seconds: float = 0.5,
    max_wait_seconds: float = 900,
    spacing_seconds: float | None = None,
    timeout_seconds: int = 30,
) -> GitHubClient:
    """A client on a new PyGithub ``Github``, with the collector's retry policy and request spacing."""
    retry = build_retry(retries, backoff_seconds, max_wait_seconds)
    gh = github.Github(
        base_url=base_url,
        auth=auth,
        retry=retry,
        timeout=timeout_seconds,
        per_page=100,
        seconds_between_requests=spacing_seconds,
        # GraphQL queries are POSTs, which PyGithub would otherwise space a full second apart.
        seconds_between_writes=spacing_seconds,
    )
    return GitHubClient(gh, base_url=base_url, retry=retry, max_wait_seconds=max_wait_seconds)


@dataclass(frozen=True)
class RateState:
    """One rate-limit resource as GitHub last reported it."""

    resource: str
    limit: int
    remaining: int
    reset: int  # epoch seconds

    def as_dict(self) -> dict[str, int | str]:
        reset = datetime.fromtimestamp(self.reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"limit": self.limit, "remaining": self.remaining, "reset": reset}


@dataclass(frozen=True)
class Probe:
    """The answer to a conditional GET: 304 (unchanged, free) or 200 with a new ETag."""

    status: int
    etag: str | None
    server_time: datetime
    data: Any

    @property
    def changed(self) -> bool:
        return self.status != 304


class GitHubClient:
    """Requests for one collection, through one PyGithub ``Github``; counts and rate limits kept."""

    def __init__(self, gh: github.Github, *, base_url: str, retry: Retry, max_wait_seconds: float) -> None:
        self.gh = gh
        self.requester = gh.requester
        self.base_url = base_url
        self._retry = retry
        self._max_wait = max_wait_seconds
        self.counts: Counter[str] = Counter()
        self.points = 0
        self.rates: dict[str, RateState] = {}

    def close(self) -> None:
        self.gh.close()

    # ------------------------------------------------------------------ calls

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """``data`` of a GraphQL query; errors GitHub reports inside a 200 are raised."""
        for _ in range(2):
            status, headers, body = self._call(
                "graphql",
                "POST",
                self.requester.graphql_url,
                payload={
                    "query": query,
                    "variables": variables,
                },
            )
            errors = (body or {}).get("errors") or []
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                # GitHub may answer a spent GraphQL budget with 200 + RATE_LIMITED instead of a 403.
                self._wait_for_reset(headers)
                continue
            if body is None:
                raise GitHubServerError(f"GitHub's GraphQL API answered {status} without a body", status)
            if errors:
                raise GitHubServerError("GitHub's GraphQL API answered with errors: " + _messages(errors), status)
            data = body.get("data") or {}
            cost = (data.get("rateLimit") or {}).get("cost")
            self.points += int(cost) if isinstance(cost, int) else 0
            return data
        raise GitHubRateLimited("GitHub's GraphQL rate limit stayed exhausted after waiting for its reset")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        _, _, body = self._call("search" if path.startswith("/search/") else "rest", "GET", path, params)
        return body

    def probe(self, path: str, params: dict[str, Any], etag: str | None) -> Probe:
        """A conditional GET: with GitHub's ETag from last time, an unchanged answer is a free 304."""
        headers = {"If-None-Match": etag} if etag else None
        kind = "search" if path.startswith("/search/") else "rest"
        status, answer_headers, body = self._call(kind, "GET", path, params, headers=headers)
        if status == 304:
            self.counts["not_modified"] += 1
        return Probe(status, answer_headers.get("etag"), _server_time(answer_headers), body)

    # ------------------------------------------------------------------ plumbing

    def _call(
        self,
        kind: str,
        verb: str,
        url: str,
        parameters: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        payload: Any = None,
    ) -> tuple[int, dict[str, Any], Any]:
        """One logical request: PyGithub + urllib3 retries, plus retries of answers cut off mid-body."""
        retry = self._retry.new()
        while True:
            self.counts[kind] += 1
            try:
                status, answer_headers, text = self.requester.requestJson(
                    verb, url, parameters=parameters, headers=headers, input=payload
                )
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                if _already_retried(exc):
                    raise self._unreachable(exc) from exc
                try:
                    retry = retry.increment(method=verb, url=url, error=exc)  # type: ignore[arg-type]
                except MaxRetryError:
                    raise self._unreachable(exc) from exc
                retry.sleep()
                continue
            except RateLimitExceededExceedsMaxWait as exc:
                raise self._too_long(exc) from None
            except GithubException as exc:
                raise _http_error(exc.status, exc.headers or {}, exc.data) from None
            except (OSError, requests.exceptions.RequestException) as exc:
                raise self._unreachable(exc) from exc
            self._note_rate(answer_headers)
            body = _json(text)
            if status >= 400:
                raise _http_error(status, answer_headers, body)
            return status, answer_headers, body

    def _note_rate(self, headers: dict[str, Any]) -> None:
        resource = headers.get("x-ratelimit-resource")
        try:
            state = RateState(
                resource or "core",
                int(headers["x-ratelimit-limit"]),
                int(headers["x-ratelimit-remaining"]),
                int(headers["x-ratelimit-reset"]),
            )
        except (KeyError, TypeError, ValueError):
            return
        self.rates[state.resource] = state

    def _wait_for_reset(self, headers: dict[str, Any]) -> None:
        reset = int(headers.get("x-ratelimit-reset") or 0)
        wait = max(0.0, reset - time.time()) + 1
        if wait > self._max_wait:
            raise GitHubRateLimited(_too_long_message(wait, self._max_wait))
        time.sleep(wait)

    def _too_long(self, exc: RateLimitExceededExceedsMaxWait) -> GitHubRateLimited:
        return GitHubRateLimited(_too_long_message(exc.wait or 0.0, self._max_wait))

    def _unreachable(self, exc: BaseException) -> GitHubUnavailable:
        return GitHubUnavailable(
            f"GitHub at {self.base_url} could not be reached ({type(exc).__name__}): check GITHUB_API_URL and the "
            "network, or unset it to use the demo"
        )


def _too_long_message(wait: float, allowed: float) -> str:
    resumes = datetime.now(UTC).timestamp() + wait
    at = datetime.fromtimestamp(resumes, UTC).strftime("%H:%M:%S UTC")
    return (
        f"GitHub's rate limit is used up until {at} ({wait:.0f} s from now), longer than the {allowed:.0f} s "
        f"the pipeline may wait ({MAX_WAIT_SETTING}): run again after the reset, or allow a longer wait. "
        "Everything collected so far is kept and the next run resumes from there"
    )


def _http_error(status: int, headers: dict[str, Any], body: Any) -> Exception:
    """A GitHub error answer as the exception that says what to do about it."""
    if status == 401:
        return GitHubCredentialsRejected(
            "GitHub rejected the credentials (401 Bad credentials): create a new token with read access to the "
            "repositories (GITHUB_TOKEN) or check the GitHub App settings (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, "
            "GITHUB_APP_PRIVATE_KEY); unset them and GITHUB_API_URL to run the demo"
        )
    message = _message(body)
    if status in (403, 429) and ("rate limit" in message.lower() or headers.get("x-ratelimit-remaining") == "0"):
        return GitHubRateLimited(
            f"GitHub's rate limit is used up ({message}); the retries allowed were spent waiting. Run again after "
            "the reset: everything collected so far is kept"
        )
    return GitHubServerError(f"GitHub answered {status}: {message}", status)


def _message(body: Any) -> str:
    if isinstance(body, dict):
        if body.get("errors"):
            return _messages(body["errors"])
        return str(body.get("message") or body)[:300]
    return str(body)[:300]


def _messages(errors: list[Any]) -> str:
    return "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors)[:500]


def _json(text: str) -> Any:
    import json

    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"message": text[:300]}


def _already_retried(exc: BaseException) -> bool:
    """A ConnectionError urllib3 raised after spending its own retries (refused, unreachable host)."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError)


def _server_time(headers: dict[str, Any]) -> datetime:
    """GitHub's clock from the ``Date`` header, so cursors do not depend on the local clock."""
    value = headers.get("date")
    if value:
        try:
            return parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
