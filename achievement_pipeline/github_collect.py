"""Collect merged pull requests for a UTC date window through PyGithub.

This is the straightforward REST collector: a search (or a repository listing) for the
window, then each PR's files, reviews, review comments and conversation comments.
Errors from GitHub are turned into messages that name the input at fault and what to do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import github
from github.GithubException import BadCredentialsException, GithubException, UnknownObjectException

from achievement_pipeline.features import linked_issues
from achievement_pipeline.records import Comment, FileChange, PullRequestRecord, Review


class GitHubInputError(ValueError):
    """The configuration names something GitHub does not have, or a token it refuses."""


class GitHubUnavailable(ConnectionError):
    """GitHub (or the configured GitHub Enterprise URL) could not be reached."""


class _RequestCounter(logging.Handler):
    """Counts the HTTP requests PyGithub makes, from its own per-request debug record.

    PyGithub has no public request hook; its Requester logs one DEBUG record per HTTP
    exchange. The handler only counts (it formats nothing), and the logger does not
    propagate, so enabling DEBUG here prints nothing anywhere.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._count = 0
        self._lock_ = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith("%s %s://"):
            with self._lock_:
                self._count += 1

    @property
    def count(self) -> int:
        return self._count


_counter = _RequestCounter()
_requester_logger = logging.getLogger("github.Requester")
_requester_logger.addHandler(_counter)
_requester_logger.setLevel(logging.DEBUG)
_requester_logger.propagate = False


def requests_made() -> int:
    """Total GitHub HTTP requests made by this process so far (take differences)."""
    return _counter.count


@dataclass
class Collection:
    prs: list[PullRequestRecord] = field(default_factory=list)
    requests: int = 0
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _login(user: object) -> str:
    return getattr(user, "login", None) or "ghost"


def pull_request_record(pr: github.PullRequest.PullRequest, labels: list[str]) -> PullRequestRecord:
    """Read one PR and its review activity into the warehouse row shape."""
    files: list[FileChange] = [
        {"filename": f.filename, "status": f.status, "additions": f.additions, "deletions": f.deletions}
        for f in pr.get_files()
    ]
    reviews: list[Review] = [
        {
            "author": _login(r.user),
            "state": r.state,
            "body": r.body or "",
            "submitted_at": _iso(r.submitted_at),
        }
        for r in pr.get_reviews()
    ]
    review_comments: list[Comment] = [
        {"author": _login(c.user), "body": c.body or "", "path": c.path or ""} for c in pr.get_review_comments()
    ]
    issue_comments: list[Comment] = [
        {"author": _login(c.user), "body": c.body or "", "path": ""} for c in pr.get_issue_comments()
    ]
    merged_at = _iso(pr.merged_at)
    body = pr.body or ""
    return {
        "pr_id": f"{pr.base.repo.full_name}#{pr.number}",
        "repo": pr.base.repo.full_name,
        "number": pr.number,
        "title": pr.title or "",
        "body": body,
        "author": _login(pr.user),
        "url": pr.html_url,
        "created_at": _iso(pr.created_at),
        "merged_at": merged_at,
        "merge_date": merged_at[:10],
        "base_ref": pr.base.ref,
        "head_ref": pr.head.ref,
        "additions": pr.additions,
        "deletions": pr.deletions,
        "changed_files": pr.changed_files,
        "labels": sorted(labels),
        "files": files,
        "reviews": reviews,
        "review_comments": review_comments,
        "issue_comments": issue_comments,
        "linked_issues": linked_issues(body),
    }


def _in_window(merged: datetime | None, start: date, end: date) -> bool:
    return merged is not None and start <= merged.astimezone(UTC).date() < end


def _user_prs(gh: github.Github, user: str, start: date, end: date) -> Iterable[PullRequestRecord]:
    try:
        gh.get_user(user).login  # noqa: B018 - a cheap existence check with a clear error
    except UnknownObjectException:
        raise GitHubInputError(
            f"GitHub user {user!r} (ACHIEVEMENT_GITHUB_USER) does not exist or is not visible to the token: "
            "check the login spelling"
        ) from None
    last = end - timedelta(days=1)
    query = f"is:pr is:merged author:{user} merged:{start.isoformat()}..{last.isoformat()}"
    repos: dict[str, github.Repository.Repository] = {}
    for issue in gh.search_issues(query, sort="created", order="asc"):
        full_name = issue.repository_url.rsplit("/repos/", 1)[-1]
        repo = repos.get(full_name) or repos.setdefault(full_name, gh.get_repo(full_name))
        pr = repo.get_pull(issue.number)
        if _in_window(pr.merged_at, start, end):
            yield pull_request_record(pr, [label.name for label in issue.labels])


def _repo_prs(gh: github.Github, full_name: str, start: date, end: date) -> Iterable[PullRequestRecord]:
    try:
        repo = gh.get_repo(full_name)
    except UnknownObjectException:
        raise GitHubInputError(
            f"repository {full_name!r} (ACHIEVEMENT_GITHUB_REPOS) was not found or is not visible to the token: "
            "check the owner/name spelling and the token's access"
        ) from None
    window_start = datetime.combine(start, datetime.min.time(), UTC)
    for pr in repo.get_pulls(state="closed", sort="updated", direction="desc"):
        # Listing is by last update, newest first: once updates predate the window, no
        # PR further down can have merged inside it.
        if pr.updated_at and pr.updated_at.astimezone(UTC) < window_start:
            break
        if _in_window(pr.merged_at, start, end):
            yield pull_request_record(pr, [label.name for label in pr.labels])


def collect_merged_prs(
    gh: github.Github, *, users: list[str], repos: list[str], start: date, end: date, base_url: str
) -> Collection:
    """Merged PRs with merge date in [start, end) for every configured source, without repeats."""
    if end <= start:
        raise GitHubInputError(f"empty or reversed date window {start}..{end}: the end must be after the start")
    before = requests_made()
    found: dict[str, PullRequestRecord] = {}
    try:
        for user in users:
            for record in _user_prs(gh, user, start, end):
                found[record["pr_id"]] = record
        for full_name in repos:
            for record in _repo_prs(gh, full_name, start, end):
                found[record["pr_id"]] = record
    except BadCredentialsException:
        raise GitHubInputError(
            "GitHub rejected the token in GITHUB_TOKEN (401 Bad credentials): create a new token with "
            "read access to the repositories, or unset GITHUB_TOKEN and GITHUB_API_URL to run the demo"
        ) from None
    except GithubException as exc:
        if exc.status == 422:
            raise GitHubInputError(
                f"GitHub refused the search for {users}: {exc.data.get('message') if exc.data else exc}. "
                "Check ACHIEVEMENT_GITHUB_USER names an existing account"
            ) from None
        raise
    except (ConnectionError, OSError) as exc:
        raise GitHubUnavailable(
            f"GitHub at {base_url} could not be reached ({type(exc).__name__}): check GITHUB_API_URL and the "
            "network, or unset it to use the demo"
        ) from exc
    remaining, limit = gh.rate_limiting
    return Collection(
        prs=sorted(found.values(), key=lambda r: (r["merge_date"], r["pr_id"])),
        requests=requests_made() - before,
        rate_limit_remaining=remaining if remaining >= 0 else None,
        rate_limit_limit=limit if limit >= 0 else None,
    )
