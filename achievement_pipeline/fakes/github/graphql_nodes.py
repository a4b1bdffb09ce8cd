"""The objects a GraphQL query walks through: the fake history seen as GitHub's graph.

Each class wraps one history object and answers the fields of the GitHub type it stands
for, under GitHub's own (camelCase) names: plain attributes for scalars, methods taking
the field's arguments for everything else. ``graphql_api`` hands graphql-core a field
resolver that looks those names up, so adding a field the collector needs is adding an
attribute here; a field nobody has written yet fails loudly with its type and name.
Connections page like GitHub's: opaque cursors, ``first``/``after`` and ``last``/``before``,
``pageInfo``, and search capped at its first 1,000 results whatever ``issueCount`` says.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from achievement_pipeline.fakes.github.model import (
    FakeComment,
    FakeFile,
    FakeHistory,
    FakeMilestone,
    FakePullRequest,
    FakeRepo,
    FakeReview,
    FakeUser,
    legacy_node_id,
)
from achievement_pipeline.fakes.github.payloads import WEB, timestamp
from achievement_pipeline.fakes.github.search import SearchError, sort_pulls

if TYPE_CHECKING:
    from achievement_pipeline.fakes.github.server import RateSnapshot

SEARCH_RESULT_CAP = 1_000
_CHANGE_TYPES = {"added": "ADDED", "removed": "DELETED", "modified": "MODIFIED", "renamed": "RENAMED"}


class GraphQLFailure(Exception):
    """An error GitHub reports inside a 200 answer, e.g. ``NOT_FOUND`` for a missing repository."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Graph:
    """What every resolver may need: the history, who asks, and the query's price."""

    history: FakeHistory
    viewer: str
    cost: int
    nodes: int
    rate: Callable[[], RateSnapshot]
    search: Callable[[str], list[FakePullRequest]]

    def actor(self, login: str | None) -> Actor | None:
        return Actor(self, login) if login else None

    def repo(self, full_name: str) -> Repository | None:
        repo = self.history.repo(full_name)
        return Repository(self, repo) if repo is not None else None


def cursor(position: int) -> str:
    """GitHub-style opaque cursor for the item at 1-based ``position``."""
    return base64.b64encode(f"cursor:{position}".encode()).decode()


def _position(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        return int(text.removeprefix("cursor:"))
    except (ValueError, UnicodeDecodeError):
        raise GraphQLFailure("INVALID_CURSOR_ARGUMENTS", f"`{value}` does not appear to be a valid cursor.") from None


class Connection:
    """A page of a list: ``nodes``, ``edges``, ``pageInfo`` and ``totalCount``."""

    def __init__(
        self,
        items: Sequence[Any],
        wrap: Callable[[Any], Any],
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        total: int | None = None,
    ) -> None:
        start = _position(after) or 0
        stop = (_position(before) or len(items) + 1) - 1
        start, stop = max(0, min(start, len(items))), max(0, min(stop, len(items)))
        window = range(start, max(start, stop))
        has_next = has_previous = False
        if first is not None:
            has_next = len(window) > first
            window = window[:first]
        if last is not None:
            has_previous = len(window) > last
            window = window[-last:] if last else window[:0]
        self._items = [(index + 1, items[index]) for index in window]
        self._wrap = wrap
        self.totalCount = len(items) if total is None else total
        self.pageInfo = {
            "hasNextPage": has_next or (first is None and stop < len(items)),
            "hasPreviousPage": has_previous or start > 0,
            "startCursor": cursor(self._items[0][0]) if self._items else None,
            "endCursor": cursor(self._items[-1][0]) if self._items else None,
        }

    def nodes(self) -> list[Any]:
        return [self._wrap(item) for _, item in self._items]

    def edges(self) -> list[dict[str, Any]]:
        return [{"cursor": cursor(position), "node": self._wrap(item)} for position, item in self._items]


class SearchResults(Connection):
    """``SearchResultItemConnection``: counts by kind; only PRs exist in a fake history."""

    def __init__(self, found: Sequence[FakePullRequest], wrap: Callable[[Any], Any], **page: Any) -> None:
        super().__init__(found[:SEARCH_RESULT_CAP], wrap, **page)
        self.issueCount = len(found)
        self.repositoryCount = self.userCount = self.discussionCount = self.wikiCount = self.codeCount = 0


def _page_args(args: dict[str, Any]) -> dict[str, Any]:
    return {key: args.get(key) for key in ("first", "after", "last", "before")}


class Node:
    typename = "Node"


class Actor(Node):
    """``User``, ``Bot`` or ``Organization`` by login; unknown logins read as users, like deleted ones."""

    def __init__(self, graph: Graph, login: str) -> None:
        self.graph = graph
        self.user: FakeUser | None = graph.history.user(login)
        self.login = self.user.login if self.user else login
        self.typename = self.user.type if self.user else "User"
        self.url = f"{WEB}/{self.login}"
        self.resourcePath = f"/{self.login}"

    @property
    def id(self) -> str:
        return self.user.node_id if self.user else legacy_node_id("User", 0)

    @property
    def databaseId(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None

    def avatarUrl(self, size: int | None = None) -> str:
        suffix = f"&s={size}" if size else ""
        return f"https://avatars.githubusercontent.com/u/{self.databaseId or 0}?v=4{suffix}"

    def repositories(self, **args: Any) -> Connection:
        """An organisation's (or user's) repositories, by name."""
        owned = sorted(
            (r for r in self.graph.history.repos if r.owner.lower() == self.login.lower()), key=lambda r: r.full_name
        )
        privacy = args.get("privacy")
        if privacy in ("PUBLIC", "PRIVATE"):
            owned = [r for r in owned if r.private == (privacy == "PRIVATE")]
        return Connection(owned, lambda r: Repository(self.graph, r), **_page_args(args))


class Repository(Node):
    typename = "Repository"

    def __init__(self, graph: Graph, repo: FakeRepo) -> None:
        self.graph = graph
        self.repo = repo
        self.id = repo.node_id
        self.databaseId = repo.id
        self.name = repo.name
        self.nameWithOwner = repo.full_name
        self.url = f"{WEB}/{repo.full_name}"
        self.isPrivate = repo.private
        self.isArchived = False
        self.isFork = repo.fork
        self.stargazerCount = repo.stars
        self.forkCount = repo.forks
        self.description = repo.description
        self.createdAt = timestamp(repo.created_at)
        self.hasIssuesEnabled = True

    def owner(self) -> Actor:
        return Actor(self.graph, self.repo.owner)

    def pullRequests(self, **args: Any) -> Connection:
        pulls = self.graph.history.pulls_in(self.repo.full_name)
        states = args.get("states")
        if states:
            pulls = [p for p in pulls if _pull_state(p) in states]
        if args.get("baseRefName"):
            pulls = [p for p in pulls if p.base_ref == args["baseRefName"]]
        if args.get("headRefName"):
            pulls = [p for p in pulls if p.head_ref == args["headRefName"]]
        if args.get("labels"):
            wanted = {label.lower() for label in args["labels"]}
            pulls = [p for p in pulls if wanted & {label.lower() for label in p.labels}]
        order = args.get("orderBy") or {}
        if order.get("field") in ("CREATED_AT", "UPDATED_AT"):
            field = "created" if order["field"] == "CREATED_AT" else "updated"
            pulls = sort_pulls(pulls, field, "desc" if order.get("direction") == "DESC" else "asc")
        return Connection(pulls, lambda p: PullRequest(self.graph, p), **_page_args(args))


def _pull_state(pr: FakePullRequest) -> str:
    if pr.merged:
        return "MERGED"
    return "CLOSED" if pr.closed_at is not None else "OPEN"


def _body_html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<p>{escaped}</p>" if escaped else ""


class PullRequest(Node):
    typename = "PullRequest"

    def __init__(self, graph: Graph, pr: FakePullRequest) -> None:
        self.graph = graph
        self.pr = pr
        self.id = legacy_node_id("PullRequest", pr.id)
        self.databaseId = pr.id
        self.number = pr.number
        self.title = pr.title
        self.body = pr.body or ""
        self.bodyText = self.body
        self.bodyHTML = _body_html(self.body)
        self.url = f"{WEB}/{pr.repo}/pull/{pr.number}"
        self.permalink = self.url
        self.resourcePath = f"/{pr.repo}/pull/{pr.number}"
        self.createdAt = timestamp(pr.created_at)
        self.updatedAt = timestamp(pr.updated_at)
        self.closedAt = timestamp(pr.closed_at)
        self.mergedAt = timestamp(pr.merged_at)
        self.merged = pr.merged
        self.closed = pr.closed_at is not None
        self.state = _pull_state(pr)
        self.isDraft = pr.draft
        self.locked = False
        self.additions = pr.additions
        self.deletions = pr.deletions
        self.changedFiles = pr.changed_files
        self.baseRefName = pr.base_ref
        self.headRefName = pr.head_ref
        self.baseRefOid = pr.base_sha
        self.headRefOid = pr.head_sha
        self.authorAssociation = "MEMBER"

    def author(self) -> Actor | None:
        return self.graph.actor(self.pr.author)

    def mergedBy(self) -> Actor | None:
        return self.graph.actor(self.pr.merged_by)

    def repository(self) -> Repository | None:
        return self.graph.repo(self.pr.repo)

    def mergeCommit(self) -> dict[str, Any] | None:
        """The commit the merge made on the base branch; null, as on GitHub, until the PR is merged.

        The fake's repositories allow no merge commits, so it carries a squash merge's message.
        """
        sha, merged_at = self.pr.merge_commit_sha, self.pr.merged_at
        if not sha or merged_at is None:
            return None
        return _commit(self.pr, sha, merged_at, f"{self.pr.title} (#{self.pr.number})")

    def milestone(self) -> Milestone | None:
        return Milestone(self.graph, self.pr.milestone) if self.pr.milestone is not None else None

    def labels(self, **args: Any) -> Connection:
        return Connection(self.pr.labels, lambda name: Label(self.pr.repo, name), **_page_args(args))

    def files(self, **args: Any) -> Connection:
        return Connection(self.pr.files, ChangedFile, **_page_args(args))

    def reviews(self, **args: Any) -> Connection:
        reviews = list(self.pr.reviews)
        if args.get("states"):
            reviews = [r for r in reviews if r.state in args["states"]]
        if args.get("author"):
            reviews = [r for r in reviews if r.user.lower() == args["author"].lower()]
        return Connection(reviews, lambda r: Review(self.graph, self.pr, r), **_page_args(args))

    def comments(self, **args: Any) -> Connection:
        return Connection(self.pr.issue_comments, lambda c: IssueComment(self.graph, self.pr, c), **_page_args(args))

    def closingIssuesReferences(self, **args: Any) -> Connection:
        return Connection(self.pr.linked_issues, lambda n: Issue(self.graph, self.pr.repo, n), **_page_args(args))

    def commits(self, **args: Any) -> Connection:
        return Connection(range(1, self.pr.commits + 1), lambda n: PullRequestCommit(self.pr, n), **_page_args(args))

    def assignees(self, **args: Any) -> Connection:
        """Nobody: the fake's PRs are not assigned (DevLake's query asks)."""
        return Connection([], lambda login: Actor(self.graph, login), **_page_args(args))

    def reviewRequests(self, **args: Any) -> Connection:
        """None pending: every fake PR is reviewed or merged without asking (DevLake's query asks)."""
        return Connection([], lambda request: request, **_page_args(args))


class Milestone(Node):
    """A repository's milestone; its pull requests are the history's PRs that carry it."""

    typename = "Milestone"

    def __init__(self, graph: Graph, milestone: FakeMilestone) -> None:
        self.graph = graph
        self.milestone = milestone
        self.id = milestone.node_id
        self.number = milestone.number
        self.title = milestone.title
        self.description = milestone.description
        self.state = milestone.state.upper()
        self.closed = milestone.closed_at is not None
        self.closedAt = timestamp(milestone.closed_at)
        self.createdAt = timestamp(milestone.created_at)
        self.dueOn = timestamp(milestone.due_on)
        self.url = f"{WEB}/{milestone.repo}/milestone/{milestone.number}"
        self.resourcePath = f"/{milestone.repo}/milestone/{milestone.number}"

    def _members(self) -> list[FakePullRequest]:
        return self.graph.history.milestone_pulls(self.milestone.repo, self.milestone.number)

    @property
    def updatedAt(self) -> str | None:
        return timestamp(self.graph.history.milestone_updated_at(self.milestone))

    @property
    def progressPercentage(self) -> float:
        """The share of its issues and PRs that are closed, in percent, as on the milestone's page."""
        members = self._members()
        return 100.0 * sum(p.closed_at is not None for p in members) / len(members) if members else 0.0

    def creator(self) -> Actor | None:
        return self.graph.actor(self.milestone.creator)

    def repository(self) -> Repository | None:
        return self.graph.repo(self.milestone.repo)

    def pullRequests(self, **args: Any) -> Connection:
        pulls = self._members()
        if args.get("states"):
            pulls = [p for p in pulls if _pull_state(p) in args["states"]]
        return Connection(pulls, lambda p: PullRequest(self.graph, p), **_page_args(args))

    def issues(self, **args: Any) -> Connection:
        """Plain issues only, as on GitHub: the fake's repositories have none."""
        return Connection([], lambda item: item, **_page_args(args))


class Label(Node):
    typename = "Label"

    def __init__(self, repo: str, name: str) -> None:
        from achievement_pipeline.fakes.github.vocabulary import LABELS

        self.name = name
        self.color, self.description = LABELS.get(name, ("ededed", ""))
        self.id = legacy_node_id("Label", int(hashlib.sha1(f"{repo}:{name}".encode()).hexdigest()[:8], 16))


class ChangedFile:
    typename = "PullRequestChangedFile"

    def __init__(self, file: FakeFile) -> None:
        self.path = file.filename
        self.additions = file.additions
        self.deletions = file.deletions
        self.changeType = _CHANGE_TYPES.get(file.status, "MODIFIED")
        self.viewerViewedState = "UNVIEWED"


class Review(Node):
    typename = "PullRequestReview"

    def __init__(self, graph: Graph, pr: FakePullRequest, review: FakeReview) -> None:
        self.graph = graph
        self.pr = pr
        self.review = review
        self.id = legacy_node_id("PullRequestReview", review.id)
        self.databaseId = review.id
        self.state = review.state
        self.body = review.body
        self.bodyText = review.body
        self.submittedAt = timestamp(review.submitted_at)
        self.createdAt = self.submittedAt
        self.url = f"{WEB}/{pr.repo}/pull/{pr.number}#pullrequestreview-{review.id}"
        self.authorAssociation = "MEMBER"

    def author(self) -> Actor | None:
        return self.graph.actor(self.review.user)

    def commit(self) -> dict[str, Any]:
        """The head commit the review was given on."""
        return _commit(self.pr, self.review.commit_id, self.review.submitted_at, f"Head of #{self.pr.number}")

    def comments(self, **args: Any) -> Connection:
        mine = [c for c in self.pr.review_comments if c.review_id == self.review.id]
        return Connection(mine, lambda c: ReviewComment(self.graph, self.pr, c), **_page_args(args))


class ReviewComment(Node):
    typename = "PullRequestReviewComment"

    def __init__(self, graph: Graph, pr: FakePullRequest, comment: FakeComment) -> None:
        self.graph = graph
        self.comment = comment
        self.id = legacy_node_id("PullRequestReviewComment", comment.id)
        self.databaseId = comment.id
        self.body = comment.body
        self.bodyText = comment.body
        self.path = comment.path
        self.line = comment.line
        self.originalLine = comment.line
        self.createdAt = timestamp(comment.created_at)
        self.url = f"{WEB}/{pr.repo}/pull/{pr.number}#discussion_r{comment.id}"

    def author(self) -> Actor | None:
        return self.graph.actor(self.comment.user)


class IssueComment(Node):
    typename = "IssueComment"

    def __init__(self, graph: Graph, pr: FakePullRequest, comment: FakeComment) -> None:
        self.graph = graph
        self.comment = comment
        self.id = legacy_node_id("IssueComment", comment.id)
        self.databaseId = comment.id
        self.body = comment.body
        self.bodyText = comment.body
        self.createdAt = timestamp(comment.created_at)
        self.url = f"{WEB}/{pr.repo}/pull/{pr.number}#issuecomment-{comment.id}"

    def author(self) -> Actor | None:
        return self.graph.actor(self.comment.user)


class Issue(Node):
    """An issue a PR closes: the fake knows only its number and repository."""

    typename = "Issue"

    def __init__(self, graph: Graph, repo: str, number: int) -> None:
        self.graph = graph
        self._repo = repo
        self.number = number
        self.id = legacy_node_id("Issue", number)
        self.title = f"Issue #{number}"
        self.url = f"{WEB}/{repo}/issues/{number}"
        self.state = "CLOSED"

    def repository(self) -> Repository | None:
        return self.graph.repo(self._repo)


def _commit(pr: FakePullRequest, oid: str, authored: datetime, message: str) -> dict[str, Any]:
    """A ``Commit``'s scalar fields; the fake's commits are authored and committed at once."""
    moment = timestamp(authored)
    person = {"name": pr.author, "email": f"{pr.author}@users.noreply.github.com", "date": moment}
    return {
        "oid": oid,
        "abbreviatedOid": oid[:7],
        "message": message,
        "authoredDate": moment,
        "committedDate": moment,
        "author": person,  # a GitActor, as REST's commit.author (same name, e-mail and date)
        "committer": person,
        "url": f"{WEB}/{pr.repo}/commit/{oid}",
    }


class PullRequestCommit(Node):
    typename = "PullRequestCommit"

    def __init__(self, pr: FakePullRequest, position: int) -> None:
        oid = hashlib.sha1(f"{pr.pr_id}:{position}".encode()).hexdigest()
        self.id = legacy_node_id("PullRequestCommit", pr.id * 1000 + position)
        self.url = f"{WEB}/{pr.repo}/pull/{pr.number}/commits/{oid}"
        self.commit = _commit(pr, oid, pr.commit_authored_at(position), f"Commit {position} of #{pr.number}")


class Query:
    """The root: search, repositories, owners, nodes by id, and the rate limit."""

    typename = "Query"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def search(self, **args: Any) -> SearchResults:
        try:
            found = self.graph.search(args["query"]) if args.get("type") in ("ISSUE", "ISSUE_ADVANCED") else []
        except SearchError as exc:
            raise GraphQLFailure("INVALID", str(exc)) from None
        return SearchResults(found, lambda p: PullRequest(self.graph, p), **_page_args(args))

    def repository(self, owner: str, name: str, followRenames: bool = True) -> Repository:
        repo = self.graph.repo(f"{owner}/{name}")
        if repo is None:
            raise GraphQLFailure("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return repo

    def _owner(self, login: str, kind: str) -> Actor:
        user = self.graph.history.user(login)
        if user is None or (kind == "Organization") != (user.type == "Organization"):
            raise GraphQLFailure(
                "NOT_FOUND",
                f"Could not resolve to {'an' if kind[0] in 'AEIOU' else 'a'} {kind} with the login of '{login}'.",
            )
        return Actor(self.graph, user.login)

    def organization(self, login: str) -> Actor:
        return self._owner(login, "Organization")

    def user(self, login: str) -> Actor:
        return self._owner(login, "User")

    def repositoryOwner(self, login: str) -> Actor | None:
        return self.graph.actor(login) if self.graph.history.user(login) else None

    def viewer(self) -> Actor:
        return Actor(self.graph, self.graph.viewer)

    def rateLimit(self, dryRun: bool = False) -> dict[str, Any]:
        snapshot = self.graph.rate()
        return {
            "cost": self.graph.cost,
            "limit": snapshot.limit,
            "remaining": snapshot.remaining,
            "used": snapshot.used,
            "resetAt": timestamp(_utc(snapshot.reset)),
            "nodeCount": self.graph.nodes,
        }

    def node(self, id: str) -> Node | None:  # noqa: A002 - GitHub's argument name
        return _find_node(self.graph, id)

    def nodes(self, ids: list[str]) -> list[Node | None]:
        return [_find_node(self.graph, node_id) for node_id in ids]


def _utc(epoch: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def _find_node(graph: Graph, node_id: str) -> Node | None:
    """Look up a PR, review or repository by its global id; ``None`` when nothing has it."""
    try:
        raw = base64.b64decode(node_id.encode(), validate=True).decode()
        _, _, rest = raw.partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    kind = rest.rstrip("0123456789")
    number = rest[len(kind) :]
    if not number.isdigit():
        return None
    wanted = int(number)
    if kind == "PullRequest":
        pr = graph.history.pull_by_id(wanted)
        return PullRequest(graph, pr) if pr else None
    if kind == "PullRequestReview":
        found = graph.history.review_by_id(wanted)
        return Review(graph, *found) if found else None
    if kind == "Repository":
        repo = next((r for r in graph.history.repos if r.id == wanted), None)
        return Repository(graph, repo) if repo else None
    return None
