"""The data model of a fake GitHub: accounts, repositories, pull requests and their details.

These frozen dataclasses are the contract between the generator (``history``), which
invents them, and the server (``payloads``/``server``), which renders them in GitHub's
REST shapes. ``FakeHistory`` bundles one generated world with the look-ups the server
needs, including which PRs an issue search selects: that is a property of the data,
not of HTTP, so it is answered here with the query language of ``search``.
"""

from __future__ import annotations

import base64
import dataclasses
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from achievement_pipeline.fakes.github.search import (
    UNSEARCHABLE_MESSAGE,
    SearchError,
    SearchQuery,
    parse_search_query,
    sort_pulls,
)


@dataclass(frozen=True)
class FakeUser:
    """An account: a contributing user, a teammate, a bot or an organisation."""

    login: str
    id: int
    name: str
    type: str = "User"  # "User" | "Bot" | "Organization", as in GitHub's payloads
    created_at: datetime = datetime(2015, 1, 1, tzinfo=UTC)
    company: str | None = None
    location: str | None = None
    bio: str | None = None

    @property
    def node_id(self) -> str:
        return legacy_node_id("Organization" if self.type == "Organization" else self.type, self.id)


@dataclass(frozen=True)
class FakeRepo:
    """A repository PRs are merged into; ``owner`` is a login in ``FakeHistory.users``."""

    full_name: str
    id: int
    owner: str
    private: bool
    description: str
    language: str
    default_branch: str
    created_at: datetime
    topics: tuple[str, ...] = ()
    stars: int = 0  # stargazers, as GitHub counts them (private repositories: members' stars only)
    forks: int = 0
    parent: str | None = None  # "owner/name" of the repository this one was forked from

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

    @property
    def fork(self) -> bool:
        return self.parent is not None

    @property
    def node_id(self) -> str:
        return legacy_node_id("Repository", self.id)


@dataclass(frozen=True)
class FakeFile:
    """One entry of a PR's diff (GitHub's ``diff-entry``)."""

    filename: str
    status: str  # added | modified | removed | renamed
    additions: int
    deletions: int
    sha: str
    patch: str | None = None  # GitHub omits the patch of very large diffs and lockfiles
    previous_filename: str | None = None

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


@dataclass(frozen=True)
class FakeReview:
    """A submitted pull-request review."""

    id: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED
    body: str
    submitted_at: datetime
    commit_id: str


@dataclass(frozen=True)
class FakeComment:
    """A conversation comment (``path == ""``) or a review comment on a file line."""

    id: int
    user: str
    body: str
    created_at: datetime
    path: str = ""
    line: int | None = None
    review_id: int | None = None
    in_reply_to_id: int | None = None
    commit_id: str = ""


@dataclass(frozen=True)
class FakeMilestone:
    """A milestone of repository ``repo``: a named goal grouping issues and PRs, maybe with a due date.

    ``number`` counts up within the repository, as GitHub numbers them; ``creator`` is a login;
    ``closed_at`` is set once the milestone is closed. How many of its issues and PRs are open
    or closed is not stored: it follows from the PRs that carry the milestone.
    """

    repo: str
    number: int
    title: str
    description: str
    creator: str
    created_at: datetime
    due_on: datetime | None = None
    closed_at: datetime | None = None

    @property
    def id(self) -> int:
        """A stable database id (GitHub's milestone ids are one global sequence)."""
        return 9_000_000 + zlib.crc32(f"{self.repo.lower()}#milestone-{self.number}".encode()) % 3_000_000

    @property
    def node_id(self) -> str:
        return legacy_node_id("Milestone", self.id)

    @property
    def state(self) -> str:
        return "closed" if self.closed_at is not None else "open"


@dataclass(frozen=True)
class FakePullRequest:
    """A pull request with everything the REST API exposes about it.

    ``change_type``, ``intent`` and ``claims`` are ground truth for tests of later
    stages: the conventional type the title announces ("" when it has none), the kind
    of change it really is, and the measurable claims written into the body.
    ``first_commit_at`` is when the PR's first commit was authored (work starts before
    a PR is opened); ``None`` reads as the creation time. ``milestone`` is the repository's
    milestone the PR belongs to, if any.
    """

    repo: str
    number: int
    id: int
    issue_id: int
    title: str
    body: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    merged_at: datetime | None
    merged_by: str | None
    merge_commit_sha: str | None
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    labels: tuple[str, ...]
    files: tuple[FakeFile, ...]
    reviews: tuple[FakeReview, ...]
    review_comments: tuple[FakeComment, ...]
    issue_comments: tuple[FakeComment, ...]
    commits: int
    linked_issues: tuple[int, ...]
    change_type: str
    scope: str
    intent: str
    claims: tuple[str, ...] = ()
    draft: bool = False
    first_commit_at: datetime | None = None
    milestone: FakeMilestone | None = None

    @property
    def pr_id(self) -> str:
        return f"{self.repo}#{self.number}"

    def commit_authored_at(self, position: int) -> datetime:
        """When commit ``position`` (1-based, oldest first) was authored.

        The first at ``first_commit_at``, the rest spread evenly up to the PR's last activity
        (fix-ups pushed during review); one rule, so REST and GraphQL tell the same story.
        """
        first = self.first_commit_at or self.created_at
        last = max(first, self.closed_at or self.updated_at)
        return first + (last - first) * (max(1, position) - 1) / max(1, self.commits)

    @property
    def owner(self) -> str:
        return self.repo.split("/", 1)[0]

    @property
    def state(self) -> str:
        return "closed" if self.closed_at is not None else "open"

    @property
    def merged(self) -> bool:
        return self.merged_at is not None

    @property
    def additions(self) -> int:
        return sum(f.additions for f in self.files)

    @property
    def deletions(self) -> int:
        return sum(f.deletions for f in self.files)

    @property
    def changed_files(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class FakeHistory:
    """Accounts, repositories and pull requests, with the look-ups the server needs.

    ``users`` starts with the contributing users in the order they were requested (the
    first one is "the authenticated user"), followed by teammates, bots and the
    organisations that own repositories. ``authors`` lists the contributing users.
    """

    seed: int
    start: date
    end: date
    authors: tuple[str, ...]
    users: tuple[FakeUser, ...]
    repos: tuple[FakeRepo, ...]
    pulls: tuple[FakePullRequest, ...]
    _users_by_login: dict[str, FakeUser] = field(init=False, repr=False, compare=False)
    _users_by_id: dict[int, FakeUser] = field(init=False, repr=False, compare=False)
    _repos_by_name: dict[str, FakeRepo] = field(init=False, repr=False, compare=False)
    _pulls_by_key: dict[tuple[str, int], FakePullRequest] = field(init=False, repr=False, compare=False)
    _pulls_by_repo: dict[str, list[FakePullRequest]] = field(init=False, repr=False, compare=False)
    _pulls_by_id: dict[int, FakePullRequest] = field(init=False, repr=False, compare=False)
    _reviews_by_id: dict[int, tuple[FakePullRequest, FakeReview]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Logins and repository names are case-insensitive on GitHub; index them lower-cased.
        object.__setattr__(self, "_users_by_login", {u.login.lower(): u for u in self.users})
        object.__setattr__(self, "_users_by_id", {u.id: u for u in self.users})
        object.__setattr__(self, "_repos_by_name", {r.full_name.lower(): r for r in self.repos})
        object.__setattr__(self, "_pulls_by_key", {(p.repo.lower(), p.number): p for p in self.pulls})
        by_repo: dict[str, list[FakePullRequest]] = {}
        for pull in sorted(self.pulls, key=lambda p: p.number):
            by_repo.setdefault(pull.repo.lower(), []).append(pull)
        object.__setattr__(self, "_pulls_by_repo", by_repo)
        # GraphQL's ``node(id:)`` looks PRs and reviews up by database id, many per query.
        object.__setattr__(self, "_pulls_by_id", {p.id: p for p in self.pulls})
        object.__setattr__(self, "_reviews_by_id", {r.id: (p, r) for p in self.pulls for r in p.reviews})

    def with_pulls(self, pulls: Iterable[FakePullRequest]) -> FakeHistory:
        """A copy in which ``pulls`` replace the PRs with the same repository and number, or are added.

        GitHub's data changes while a collector runs: PRs merge, get labels, reviews and
        comments. Tests and the demo use this to make such changes to a running server.
        """
        changed = {(p.repo.lower(), p.number): p for p in pulls}
        kept = [p for p in self.pulls if (p.repo.lower(), p.number) not in changed]
        return dataclasses.replace(self, pulls=tuple(kept + list(changed.values())))

    def seen_by(self, private_repositories: Iterable[str]) -> FakeHistory:
        """The history as a token that may read only these private repositories (owner/name) sees it.

        GitHub hides a private repository from a token without access to it entirely: not found by
        name, absent from its owner's repository lists and from every search, its PRs with it. Serve
        the copy (``FakeGitHub(history.seen_by(...))``) to collect as that token would.
        """
        readable = {name.lower() for name in private_repositories}
        shown = tuple(r for r in self.repos if not r.private or r.full_name.lower() in readable)
        names = {r.full_name.lower() for r in shown}
        return dataclasses.replace(self, repos=shown, pulls=tuple(p for p in self.pulls if p.repo.lower() in names))

    def user(self, login: str) -> FakeUser | None:
        return self._users_by_login.get(login.lower())

    def user_by_id(self, user_id: int) -> FakeUser | None:
        return self._users_by_id.get(user_id)

    def repo(self, full_name: str) -> FakeRepo | None:
        return self._repos_by_name.get(full_name.lower())

    def pull(self, full_name: str, number: int) -> FakePullRequest | None:
        return self._pulls_by_key.get((full_name.lower(), number))

    def pull_by_id(self, pull_id: int) -> FakePullRequest | None:
        return self._pulls_by_id.get(pull_id)

    def review_by_id(self, review_id: int) -> tuple[FakePullRequest, FakeReview] | None:
        """A review and the PR it belongs to, by the review's database id."""
        return self._reviews_by_id.get(review_id)

    def pulls_in(self, full_name: str) -> list[FakePullRequest]:
        """All PRs of one repository, by number."""
        return list(self._pulls_by_repo.get(full_name.lower(), ()))

    def milestone(self, full_name: str, number: int) -> FakeMilestone | None:
        """Milestone ``number`` of a repository, as its PRs carry it; ``None`` when no PR is in it."""
        return next((p.milestone for p in self.milestone_pulls(full_name, number)), None)

    def milestone_pulls(self, full_name: str, number: int) -> list[FakePullRequest]:
        """The PRs of a repository in its milestone ``number``, by number."""
        return [p for p in self.pulls_in(full_name) if p.milestone is not None and p.milestone.number == number]

    def milestone_updated_at(self, milestone: FakeMilestone) -> datetime:
        """When a milestone last changed: it was created or closed, a PR joined it or one of its PRs closed."""
        members = self.milestone_pulls(milestone.repo, milestone.number)
        changes = [milestone.created_at, *(p.closed_at or p.created_at for p in members)]
        return max([*changes, *([milestone.closed_at] if milestone.closed_at is not None else [])])

    def repos_of(self, login: str) -> list[FakeRepo]:
        """Repositories ``login`` has authored PRs in, in a stable order."""
        names = {p.repo for p in self.pulls if p.author.lower() == login.lower()}
        return [r for r in self.repos if r.full_name in names]

    def merged_pulls(
        self, author: str | None = None, since: date | None = None, until: date | None = None
    ) -> list[FakePullRequest]:
        """Merged PRs, optionally by one author and within inclusive UTC dates, by merge time."""
        chosen = [
            p
            for p in self.pulls
            if p.merged_at is not None
            and (author is None or p.author.lower() == author.lower())
            and (since is None or p.merged_at.astimezone(UTC).date() >= since)
            and (until is None or p.merged_at.astimezone(UTC).date() <= until)
        ]
        return sort_pulls(chosen)

    def search(self, query: str | SearchQuery) -> list[FakePullRequest]:
        """The PRs an issue search selects, in the order of its ``sort:`` qualifier, else by merge time.

        Raises ``SearchError`` where GitHub answers 422, e.g. for an unknown author.
        """
        parsed = parse_search_query(query) if isinstance(query, str) else query
        self._check_search_targets(parsed)
        return sort_pulls((p for p in self.pulls if parsed.matches(p, self)), parsed.sort, parsed.order)

    def _check_search_targets(self, query: SearchQuery) -> None:
        unknown_users = [u for u in (*query.authors, *query.owners) if self.user(u) is None]
        unknown_repos = [r for r in query.repos if self.repo(r) is None]
        if unknown_users or unknown_repos:
            raise SearchError(UNSEARCHABLE_MESSAGE)


def legacy_node_id(type_name: str, object_id: int) -> str:
    """GitHub's legacy global node id, e.g. ``MDQ6VXNlcjE=`` for ``04:User1``."""
    raw = f"0{len(type_name)}:{type_name}{object_id}"
    return base64.b64encode(raw.encode()).decode()
