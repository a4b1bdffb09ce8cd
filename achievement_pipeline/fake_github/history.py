"""Deterministic, realistic pull-request histories for the fake GitHub server.

The demo and the tests need GitHub data that looks like a real engineer's quarter:
several repositories under a couple of owners, conventional-commit titles in
realistic proportions, long-tailed diff sizes, reviews that sometimes push back,
bots commenting on PRs. None of it may touch the network, and every run must see
the same data, so everything here is a pure function of its arguments: one
``random.Random(seed)`` drives every choice and nothing reads the clock.

The module also owns the issue-search semantics (``FakeHistory.search``) because
"which PRs does this query select" is a property of the data, not of HTTP.
"""

from __future__ import annotations

import base64
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

# --------------------------------------------------------------------------------------
# Public data model
# --------------------------------------------------------------------------------------


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

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

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
class FakePullRequest:
    """A pull request with everything the REST API exposes about it.

    ``change_type``, ``intent`` and ``claims`` are ground truth for tests of later
    stages: the conventional type the title announces ("" when it has none), the kind
    of change it really is, and the measurable claims written into the body.
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

    @property
    def pr_id(self) -> str:
        return f"{self.repo}#{self.number}"

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


class SearchError(ValueError):
    """A search GitHub would reject with 422; ``str(error)`` is GitHub's own wording."""


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

    def __post_init__(self) -> None:
        # Logins and repository names are case-insensitive on GitHub; index them lower-cased.
        object.__setattr__(self, "_users_by_login", {u.login.lower(): u for u in self.users})
        object.__setattr__(self, "_users_by_id", {u.id: u for u in self.users})
        object.__setattr__(self, "_repos_by_name", {r.full_name.lower(): r for r in self.repos})
        object.__setattr__(self, "_pulls_by_key", {(p.repo.lower(), p.number): p for p in self.pulls})

    def user(self, login: str) -> FakeUser | None:
        return self._users_by_login.get(login.lower())

    def user_by_id(self, user_id: int) -> FakeUser | None:
        return self._users_by_id.get(user_id)

    def repo(self, full_name: str) -> FakeRepo | None:
        return self._repos_by_name.get(full_name.lower())

    def pull(self, full_name: str, number: int) -> FakePullRequest | None:
        return self._pulls_by_key.get((full_name.lower(), number))

    def pulls_in(self, full_name: str) -> list[FakePullRequest]:
        """All PRs of one repository, by number."""
        key = full_name.lower()
        return sorted((p for p in self.pulls if p.repo.lower() == key), key=lambda p: p.number)

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
            and (since is None or p.merged_at.date() >= since)
            and (until is None or p.merged_at.date() <= until)
        ]
        return sort_pulls(chosen)

    def search(self, query: str | SearchQuery) -> list[FakePullRequest]:
        """The PRs an issue search selects, in the default (merge time) order.

        Raises ``SearchError`` where GitHub answers 422, e.g. for an unknown author.
        """
        parsed = parse_search_query(query) if isinstance(query, str) else query
        self._check_search_targets(parsed)
        return sort_pulls(p for p in self.pulls if parsed.matches(p, self))

    def _check_search_targets(self, query: SearchQuery) -> None:
        unknown_users = [u for u in (*query.authors, *query.owners) if self.user(u) is None]
        unknown_repos = [r for r in query.repos if self.repo(r) is None]
        if unknown_users or unknown_repos:
            raise SearchError(UNSEARCHABLE_MESSAGE)


UNSEARCHABLE_MESSAGE = (
    "The listed users and repositories cannot be searched either because the resources do not exist "
    "or you do not have permission to view them."
)


def legacy_node_id(type_name: str, object_id: int) -> str:
    """GitHub's legacy global node id, e.g. ``MDQ6VXNlcjE=`` for ``04:User1``."""
    raw = f"0{len(type_name)}:{type_name}{object_id}"
    return base64.b64encode(raw.encode()).decode()


def sort_pulls(
    pulls: Iterable[FakePullRequest], sort: str | None = None, order: str | None = None
) -> list[FakePullRequest]:
    """Order PRs the way the API does for ``sort``/``order`` (GitHub's default order is desc).

    Without ``sort`` GitHub ranks by "best match"; a fake needs a stable order instead, so
    it uses merge time ascending (creation time for unmerged PRs), then repo and number.
    """
    items = list(pulls)
    tiebreak = sorted(items, key=lambda p: (p.repo, p.number))
    if sort in ("created", "updated", "comments"):

        def key(p: FakePullRequest) -> object:
            if sort == "created":
                return p.created_at
            if sort == "updated":
                return p.updated_at
            return len(p.issue_comments)

        return sorted(tiebreak, key=key, reverse=(order or "desc") == "desc")
    return sorted(tiebreak, key=lambda p: p.merged_at or p.closed_at or p.created_at)


# --------------------------------------------------------------------------------------
# Search query language
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """A half-open UTC interval ``[lower, upper)``; ``None`` means unbounded."""

    lower: datetime | None = None
    upper: datetime | None = None

    def contains(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        return (self.lower is None or moment >= self.lower) and (self.upper is None or moment < self.upper)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed ``q=`` of ``GET /search/issues``. Repeated qualifiers of one kind are OR-ed."""

    terms: tuple[str, ...] = ()
    term_fields: tuple[str, ...] = ("title", "body")
    kind: str | None = None  # "pr" | "issue" | None (both)
    state: str | None = None  # "open" | "closed"
    merged: bool | None = None
    visibility: str | None = None  # "public" | "private"
    draft: bool | None = None
    authors: tuple[str, ...] = ()
    excluded_authors: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    excluded_labels: tuple[str, ...] = ()
    ranges: tuple[tuple[str, DateRange], ...] = ()  # (field, range): merged, created, closed, updated

    def matches(self, pr: FakePullRequest, history: FakeHistory) -> bool:
        return (
            self.kind != "issue"
            and self._matches_state(pr)
            and self._matches_people_and_places(pr, history)
            and self._matches_labels(pr)
            and all(rng.contains(getattr(pr, f"{name}_at")) for name, rng in self.ranges)
            and self._matches_terms(pr)
        )

    def _matches_state(self, pr: FakePullRequest) -> bool:
        if self.state is not None and pr.state != self.state:
            return False
        if self.merged is not None and pr.merged != self.merged:
            return False
        return self.draft is None or pr.draft == self.draft

    def _matches_people_and_places(self, pr: FakePullRequest, history: FakeHistory) -> bool:
        author = pr.author.lower()
        if self.authors and author not in {a.lower() for a in self.authors}:
            return False
        if author in {a.lower() for a in self.excluded_authors}:
            return False
        if self.repos and pr.repo.lower() not in {r.lower() for r in self.repos}:
            return False
        if self.owners and pr.owner.lower() not in {o.lower() for o in self.owners}:
            return False
        if self.visibility is not None:
            repo = history.repo(pr.repo)
            private = repo.private if repo is not None else False
            return private == (self.visibility == "private")
        return True

    def _matches_labels(self, pr: FakePullRequest) -> bool:
        names = {name.lower() for name in pr.labels}
        if any(label.lower() not in names for label in self.labels):
            return False
        return not any(label.lower() in names for label in self.excluded_labels)

    def _matches_terms(self, pr: FakePullRequest) -> bool:
        haystacks: list[str] = []
        if "title" in self.term_fields:
            haystacks.append(pr.title.lower())
        if "body" in self.term_fields:
            haystacks.append((pr.body or "").lower())
        if "comments" in self.term_fields:
            haystacks.extend(c.body.lower() for c in pr.issue_comments)
        return all(any(term.lower() in hay for hay in haystacks) for term in self.terms)


_TOKEN = re.compile(r'-?[\w.\-]+:"[^"]*"|"[^"]*"|\S+')
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?$")
_IS_VALUES = {
    "pr": ("kind", "pr"),
    "pull-request": ("kind", "pr"),
    "issue": ("kind", "issue"),
    "merged": ("merged", True),
    "unmerged": ("merged", False),
    "open": ("state", "open"),
    "closed": ("state", "closed"),
    "public": ("visibility", "public"),
    "private": ("visibility", "private"),
    "draft": ("draft", True),
}
_LIST_QUALIFIERS = {
    "author": "authors",
    "repo": "repos",
    "org": "owners",
    "user": "owners",
    "label": "labels",
}
_DATE_QUALIFIERS = ("merged", "created", "closed", "updated")


def parse_search_query(q: str) -> SearchQuery:
    """Parse the qualifiers the collector relies on; unknown ``key:value`` pairs are free text.

    That matches GitHub, which searches for text it cannot read as a qualifier, so a
    typo narrows the result to nothing instead of silently widening it.
    """
    if not q or not q.strip():
        raise SearchError("Validation Failed")
    values: dict[str, object] = {}
    lists: dict[str, list[str]] = {}
    ranges: list[tuple[str, DateRange]] = []
    terms: list[str] = []
    for token in _TOKEN.findall(q):
        negated = token.startswith("-") and ":" in token
        key, sep, value = token.lstrip("-").partition(":") if negated else token.partition(":")
        value = value.strip('"')
        key = key.lower()
        if not sep or not value:
            terms.append(token.strip('"'))
        elif key in ("is", "type", "state") and value.lower() in _IS_VALUES:
            attr, parsed = _IS_VALUES[value.lower()]
            values[attr] = _negate(parsed) if negated else parsed
        elif key in _LIST_QUALIFIERS:
            target = ("excluded_" if negated else "") + _LIST_QUALIFIERS[key]
            lists.setdefault(target, []).append(value)
        elif key in _DATE_QUALIFIERS:
            ranges.append((key, parse_date_range(value)))
        elif key == "in":
            values["term_fields"] = tuple(part.strip().lower() for part in value.split(","))
        else:
            terms.append(token.strip('"'))
    owners = lists.pop("owners", [])
    return SearchQuery(
        terms=tuple(terms),
        ranges=tuple(ranges),
        owners=tuple(owners),
        **{k: tuple(v) for k, v in lists.items() if k in SearchQuery.__dataclass_fields__},
        **values,  # type: ignore[arg-type]
    )


def _negate(value: object) -> object:
    """``-is:merged`` means unmerged, ``-is:open`` means closed, ``-is:pr`` means issues."""
    if isinstance(value, bool):
        return not value
    opposites = {
        "open": "closed",
        "closed": "open",
        "pr": "issue",
        "issue": "pr",
        "public": "private",
        "private": "public",
    }
    return opposites.get(str(value), value)


def parse_date_range(text: str) -> DateRange:
    """``D``, ``D1..D2``, ``D..*``, ``*..D``, ``>D``, ``>=D``, ``<D``, ``<=D`` with dates or ISO times."""
    if ".." in text:
        low, high = text.split("..", 1)
        return DateRange(
            lower=None if low in ("", "*") else _moment(low, end=False),
            upper=None if high in ("", "*") else _moment(high, end=True),
        )
    for prefix, make in (
        (">=", lambda v: DateRange(lower=_moment(v, end=False))),
        ("<=", lambda v: DateRange(upper=_moment(v, end=True))),
        (">", lambda v: DateRange(lower=_moment(v, end=True))),
        ("<", lambda v: DateRange(upper=_moment(v, end=False))),
    ):
        if text.startswith(prefix):
            return make(text[len(prefix) :])
    return DateRange(lower=_moment(text, end=False), upper=_moment(text, end=True))


def _moment(text: str, *, end: bool) -> datetime:
    """The first instant of a date or time, or (``end=True``) the first instant after it."""
    if not _DATE_TEXT.match(text):
        raise SearchError("Validation Failed")
    try:
        if "T" not in text:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SearchError("Validation Failed") from exc
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(seconds=1) if end else moment


# --------------------------------------------------------------------------------------
# Vocabulary: what realistic repositories and their PRs look like
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RepoTemplate:
    """Everything needed to invent plausible PRs for one kind of repository."""

    name: str
    owner: str | None  # None: the contributing user's own account
    description: str
    language: str
    private: bool
    topics: tuple[str, ...]
    ticket_key: str
    # kind -> ((scope, subject), ...); perf subjects name the claim kind after a "|".
    subjects: Mapping[str, tuple[tuple[str, str], ...]]
    paths: Mapping[str, tuple[str, ...]]  # area -> existing paths
    new_files: Mapping[str, str]  # area -> pattern for added files, "{word}" is filled in
    deps: tuple[tuple[str, str, str], ...]  # (package, from, to)
    units: tuple[str, ...]  # testable units, for test subjects
    doc_topics: tuple[str, ...]
    ci_jobs: tuple[str, ...]
    claim_kinds: tuple[str, ...]
    endpoints: tuple[str, ...] = ("the API",)
    error_nouns: tuple[str, ...] = ("errors",)
    queries: tuple[str, ...] = ("report",)
    default_branch: str = "main"
    personal: bool = False


_ORG_PROFILES: dict[str, tuple[str, str]] = {
    "acme": ("Acme Commerce", "Online retail for everyday essentials."),
    "northwind": ("Northwind Labs", "Data and mobile products for Northwind Traders."),
}

_TEAMMATES: tuple[tuple[str, str, str], ...] = (
    ("mara-kowalski", "Mara Kowalski", "Berlin"),
    ("devon-li", "Devon Li", "Toronto"),
    ("priya-shah", "Priya Shah", "Bengaluru"),
    ("tomasz-wrobel", "Tomasz Wróbel", "Kraków"),
    ("lena-hoffmann", "Lena Hoffmann", "Hamburg"),
    ("sam-okafor", "Sam Okafor", "Lagos"),
)

_BOTS: tuple[tuple[str, str], ...] = (("github-actions[bot]", "GitHub Actions"), ("codecov[bot]", "Codecov"))

_WEB_APP = _RepoTemplate(
    name="web-app",
    owner="acme",
    description="Customer-facing storefront (Next.js)",
    language="TypeScript",
    private=False,
    topics=("nextjs", "ecommerce", "react"),
    ticket_key="WEB",
    subjects={
        "feat": (
            ("checkout", "retry failed payment authorisations with backoff"),
            ("checkout", "add guest checkout behind a feature flag"),
            ("cart", "persist saved carts across devices"),
            ("search", "add typo-tolerant product search suggestions"),
            ("account", "show live order tracking on the orders page"),
            ("i18n", "add German and French locales to checkout"),
            ("ui", "add dark mode to the account area"),
            ("analytics", "track checkout funnel drop-off events"),
            ("checkout", "support Apple Pay on Safari"),
        ),
        "fix": (
            ("checkout", "prevent double submission of the payment form"),
            ("cart", "keep cart quantities in sync after login"),
            ("search", "escape special characters in search queries"),
            ("i18n", "format prices with the customer's locale"),
            ("auth", "refresh expired sessions instead of logging users out"),
            ("ui", "fix focus trap in the cart drawer"),
            ("checkout", "handle declined cards without a blank screen"),
            ("account", "show correct totals for partially refunded orders"),
        ),
        "perf": (
            ("search", "debounce search suggestions and cache results|latency"),
            ("ui", "lazy-load product images below the fold|bundle"),
            ("build", "split the checkout bundle by route|bundle"),
            ("cart", "memoise cart totals to avoid re-renders|latency"),
            ("api", "batch inventory lookups on the product grid|latency"),
        ),
        "refactor": (
            ("checkout", "extract payment form state into a reducer"),
            ("api", "replace hand-rolled fetch wrapper with a typed client"),
            ("cart", "move cart logic out of page components"),
            ("ui", "migrate buttons to the design-system components"),
        ),
        "build": (
            ("build", "enable incremental TypeScript builds"),
            ("build", "switch linting to the flat ESLint config"),
        ),
    },
    paths={
        "src": (
            "src/components/checkout/CheckoutForm.tsx",
            "src/components/checkout/PaymentStep.tsx",
            "src/components/cart/CartDrawer.tsx",
            "src/components/search/SearchBar.tsx",
            "src/hooks/useCart.ts",
            "src/lib/api/client.ts",
            "src/lib/payments/retry.ts",
            "src/pages/checkout/index.tsx",
            "src/pages/account/orders.tsx",
            "src/store/cartSlice.ts",
            "src/i18n/locales/en.json",
            "src/utils/formatPrice.ts",
            "src/analytics/events.ts",
        ),
        "tests": (
            "src/components/checkout/CheckoutForm.test.tsx",
            "src/hooks/useCart.test.ts",
            "tests/e2e/checkout.spec.ts",
            "tests/e2e/search.spec.ts",
            "src/lib/api/client.test.ts",
        ),
        "docs": ("README.md", "docs/architecture.md", "docs/checkout-flow.md", "CONTRIBUTING.md"),
        "ci": (
            ".github/workflows/ci.yml",
            ".github/workflows/preview-deploy.yml",
            ".github/workflows/e2e.yml",
        ),
        "build": ("package.json", "next.config.js", "tsconfig.json", ".eslintrc.cjs"),
        "lock": ("package-lock.json",),
    },
    new_files={
        "src": "src/lib/{scope}/{camel}.ts",
        "tests": "tests/e2e/{kebab}.spec.ts",
        "docs": "docs/{kebab}.md",
    },
    deps=(("next", "14.1.0", "14.2.3"), ("react-query", "5.17.0", "5.28.4"), ("zod", "3.22.4", "3.23.8")),
    units=("CheckoutForm", "the useCart hook", "price formatting", "search suggestions"),
    doc_topics=("the checkout flow", "local setup", "feature flags", "the analytics events"),
    ci_jobs=("e2e tests", "lint", "unit tests", "preview deploys"),
    claim_kinds=("latency", "bundle", "errors"),
    endpoints=("/api/cart", "/api/search", "the product page"),
    error_nouns=("checkout errors", "client-side exceptions", "failed payments"),
)

_PAYMENTS_API = _RepoTemplate(
    name="payments-api",
    owner="acme",
    description="Payments, refunds and webhooks service (FastAPI)",
    language="Python",
    private=True,
    topics=("payments", "fastapi", "postgres"),
    ticket_key="PAY",
    subjects={
        "feat": (
            ("refunds", "support partial refunds"),
            ("webhooks", "verify webhook signatures from the payment provider"),
            ("payments", "add idempotency keys to payment creation"),
            ("ledger", "export ledger entries as CSV"),
            ("api", "add cursor pagination to the transactions endpoint"),
            ("payments", "add 3-D Secure challenge flow"),
            ("refunds", "record a reason for every refund"),
        ),
        "fix": (
            ("webhooks", "stop retrying webhooks that return 410"),
            ("payments", "round currency amounts with banker's rounding"),
            ("db", "release connections when a transaction is rolled back"),
            ("api", "return 404 instead of 500 for unknown payment ids"),
            ("refunds", "reject refunds larger than the captured amount"),
            ("ledger", "avoid duplicate ledger entries on retried captures"),
        ),
        "perf": (
            ("db", "add a composite index for transaction lookups|query"),
            ("api", "cache merchant settings in Redis|latency"),
            ("webhooks", "process webhook deliveries in batches|throughput"),
            ("ledger", "stream ledger exports instead of loading them in memory|memory"),
        ),
        "refactor": (
            ("payments", "split the payment service into capture and authorise steps"),
            ("db", "move raw SQL into repository classes"),
            ("api", "replace ad-hoc error dicts with problem-details responses"),
        ),
        "build": (
            ("build", "move to a multi-stage Docker build"),
            ("build", "pin Python to 3.12 in the base image"),
        ),
    },
    paths={
        "src": (
            "src/payments_api/routes/payments.py",
            "src/payments_api/routes/refunds.py",
            "src/payments_api/webhooks/provider.py",
            "src/payments_api/ledger/entries.py",
            "src/payments_api/db/session.py",
            "src/payments_api/services/idempotency.py",
            "src/payments_api/auth/jwt.py",
            "src/payments_api/settings.py",
        ),
        "tests": (
            "tests/test_payments.py",
            "tests/test_refunds.py",
            "tests/test_webhooks.py",
            "tests/conftest.py",
        ),
        "docs": (
            "README.md",
            "docs/api.md",
            "docs/runbooks/webhook-replay.md",
            "docs/adr/0007-idempotency-keys.md",
        ),
        "ci": (".github/workflows/ci.yml", ".github/workflows/deploy.yml"),
        "build": ("pyproject.toml", "Dockerfile", "docker-compose.yml"),
        "lock": ("poetry.lock",),
    },
    new_files={
        "src": "src/payments_api/{scope}/{word}.py",
        "tests": "tests/test_{word}.py",
        "docs": "docs/runbooks/{kebab}.md",
    },
    deps=(
        ("fastapi", "0.109.0", "0.110.2"),
        ("sqlalchemy", "2.0.25", "2.0.29"),
        ("pydantic", "2.5.3", "2.7.1"),
    ),
    units=("refund validation", "the webhook signature check", "idempotency keys", "the ledger writer"),
    doc_topics=("the refund API", "webhook replay", "local setup with Docker", "error codes"),
    ci_jobs=("integration tests", "migrations check", "unit tests"),
    claim_kinds=("latency", "errors", "query", "memory"),
    endpoints=("POST /v1/payments", "GET /v1/transactions", "POST /v1/refunds"),
    error_nouns=("5xx responses", "failed webhook deliveries", "duplicate charges"),
    queries=("transaction lookup", "merchant balance", "refund search"),
)

_INFRA = _RepoTemplate(
    name="infra",
    owner="acme",
    description="Terraform and Kubernetes configuration for all Acme services",
    language="HCL",
    private=True,
    topics=("terraform", "kubernetes", "aws"),
    ticket_key="OPS",
    subjects={
        "feat": (
            ("k8s", "add horizontal pod autoscaling for web-app"),
            ("monitoring", "alert on payment error rate above 2%"),
            ("rds", "enable multi-AZ failover for the payments database"),
            ("iam", "add a read-only role for on-call engineers"),
            ("networking", "add VPC endpoints for S3 and ECR"),
            ("k8s", "add pod disruption budgets for critical services"),
            ("monitoring", "add an SLO dashboard for checkout availability"),
        ),
        "fix": (
            ("k8s", "raise memory limits for payments-api to stop OOM kills"),
            ("monitoring", "fix alert routing for the checkout dashboard"),
            ("iam", "scope the CI deployer policy to its own buckets"),
            ("rds", "apply parameter group changes without a reboot"),
            ("networking", "allow egress to the payment provider's new IP range"),
            ("k8s", "stop cron jobs overlapping when a run is slow"),
            ("terraform", "remove drift in the staging security groups"),
        ),
        "perf": (
            ("k8s", "tune readiness probes to shorten rollouts|ci"),
            ("rds", "right-size the reporting replica|cost"),
        ),
        "refactor": (
            ("terraform", "extract a shared module for service buckets"),
            ("k8s", "move service manifests to Kustomize overlays"),
        ),
        "build": (("terraform", "upgrade the AWS provider to 5.x"),),
    },
    paths={
        "src": (
            "terraform/modules/rds/main.tf",
            "terraform/modules/vpc/main.tf",
            "terraform/envs/prod/main.tf",
            "k8s/payments-api/deployment.yaml",
            "k8s/web-app/hpa.yaml",
            "monitoring/alerts/payments.yaml",
            "monitoring/dashboards/checkout.json",
            "iam/policies/ci-deployer.json",
        ),
        "tests": ("tests/terratest/vpc_test.go", "tests/policy/deny_public_buckets.rego"),
        "docs": ("README.md", "docs/runbooks/rotate-db-credentials.md", "docs/oncall.md"),
        "ci": (".github/workflows/terraform-plan.yml", ".github/workflows/terraform-apply.yml"),
        "build": (".terraform.lock.hcl", "Makefile", ".pre-commit-config.yaml"),
        "lock": (".terraform.lock.hcl",),
    },
    new_files={
        "src": "terraform/modules/{word}/main.tf",
        "tests": "tests/policy/{word}.rego",
        "docs": "docs/{kebab}.md",
    },
    deps=(("hashicorp/aws", "5.31.0", "5.45.0"), ("tflint", "0.49.0", "0.50.3")),
    units=("the VPC module", "bucket policies", "the RDS module"),
    doc_topics=("database credential rotation", "the on-call handbook", "how to add a new service"),
    ci_jobs=("terraform plan", "policy checks"),
    claim_kinds=("ci", "cost", "errors"),
    error_nouns=("pod restarts", "paging alerts", "failed deploys"),
)

_DESIGN_SYSTEM = _RepoTemplate(
    name="design-system",
    owner="acme",
    description="Shared React components and design tokens",
    language="TypeScript",
    private=False,
    topics=("react", "design-system", "accessibility"),
    ticket_key="DS",
    subjects={
        "feat": (
            ("modal", "add a size prop to Modal"),
            ("tokens", "add semantic colour tokens for dark mode"),
            ("tooltip", "support keyboard-triggered tooltips"),
            ("button", "add a loading state to Button"),
            ("table", "add a sortable Table component"),
        ),
        "fix": (
            ("a11y", "announce Modal titles to screen readers"),
            ("button", "keep focus ring visible in high-contrast mode"),
            ("tooltip", "stop tooltips overflowing the viewport"),
            ("tokens", "correct contrast of the muted text colour"),
        ),
        "perf": (
            ("build", "ship ES modules so apps can tree-shake icons|bundle"),
            ("table", "virtualise rows in large tables|latency"),
        ),
        "refactor": (
            ("button", "share variant styles between Button and Link"),
            ("tokens", "generate tokens from a single JSON source"),
        ),
        "build": (("build", "migrate bundling from Rollup to tsup"),),
    },
    paths={
        "src": (
            "packages/react/src/Button/Button.tsx",
            "packages/react/src/Modal/Modal.tsx",
            "packages/react/src/Tooltip/Tooltip.tsx",
            "packages/react/src/Table/Table.tsx",
            "packages/tokens/src/colors.ts",
            "packages/tokens/src/spacing.ts",
            "packages/react/src/index.ts",
        ),
        "tests": (
            "packages/react/src/Button/Button.test.tsx",
            "packages/react/src/Modal/Modal.test.tsx",
            "packages/react/src/Tooltip/__snapshots__/Tooltip.test.tsx.snap",
        ),
        "docs": ("README.md", "docs/components/button.mdx", "docs/accessibility.md", "CHANGELOG.md"),
        "ci": (".github/workflows/release.yml", ".github/workflows/chromatic.yml"),
        "build": ("package.json", "rollup.config.mjs", "tsconfig.base.json"),
        "lock": ("pnpm-lock.yaml",),
    },
    new_files={
        "src": "packages/react/src/{Word}/{Word}.tsx",
        "tests": "packages/react/src/{Word}/{Word}.test.tsx",
        "docs": "docs/components/{kebab}.mdx",
    },
    deps=(("storybook", "7.6.7", "8.0.9"), ("typescript", "5.3.3", "5.4.5")),
    units=("Modal", "Button", "Tooltip positioning", "the token build"),
    doc_topics=("Button usage", "the accessibility checklist", "release process"),
    ci_jobs=("visual regression tests", "release", "unit tests"),
    claim_kinds=("bundle", "ci"),
    endpoints=("the Storybook home page",),
)

_DATA_PIPELINE = _RepoTemplate(
    name="data-pipeline",
    owner="northwind",
    description="Nightly ingestion and warehouse models",
    language="Python",
    private=True,
    topics=("airflow", "dbt", "data-engineering"),
    ticket_key="DATA",
    subjects={
        "feat": (
            ("ingest", "ingest orders from the new S3 export"),
            ("quality", "fail the DAG when row counts drop by more than 20%"),
            ("warehouse", "add a daily customer retention model"),
            ("dags", "backfill support for the orders DAG"),
        ),
        "fix": (
            ("transforms", "treat empty strings as nulls in customer emails"),
            ("ingest", "handle daylight-saving gaps in event timestamps"),
            ("warehouse", "deduplicate late-arriving orders"),
            ("dags", "stop the sensor timing out on slow exports"),
        ),
        "perf": (
            ("transforms", "read parquet with column pruning|memory"),
            ("warehouse", "make fct_orders incremental|query"),
            ("ingest", "parallelise S3 downloads|throughput"),
        ),
        "refactor": (
            ("transforms", "replace pandas apply with vectorised expressions"),
            ("dags", "generate DAGs from a YAML spec"),
        ),
        "build": (("build", "switch dependency management to uv"),),
    },
    paths={
        "src": (
            "dags/daily_orders.py",
            "src/pipeline/ingest/s3_reader.py",
            "src/pipeline/transforms/orders.py",
            "src/pipeline/quality/checks.py",
            "src/pipeline/warehouse/loader.py",
            "sql/models/fct_orders.sql",
            "sql/models/dim_customers.sql",
        ),
        "tests": ("tests/test_orders_transform.py", "tests/test_quality_checks.py", "tests/conftest.py"),
        "docs": ("README.md", "docs/data-dictionary.md", "docs/runbooks/backfill.md"),
        "ci": (".github/workflows/ci.yml", ".github/workflows/dbt-docs.yml"),
        "build": ("pyproject.toml", "Dockerfile"),
        "lock": ("uv.lock",),
    },
    new_files={
        "src": "src/pipeline/{scope}/{word}.py",
        "tests": "tests/test_{word}.py",
        "docs": "docs/{kebab}.md",
    },
    deps=(
        ("apache-airflow", "2.8.1", "2.9.0"),
        ("pandas", "2.1.4", "2.2.2"),
        ("dbt-core", "1.7.4", "1.7.13"),
    ),
    units=("the orders transform", "row-count checks", "the S3 reader"),
    doc_topics=("the data dictionary", "how to run a backfill", "the warehouse layout"),
    ci_jobs=("dbt tests", "unit tests"),
    claim_kinds=("memory", "query", "throughput", "ci"),
    error_nouns=("failed DAG runs", "data-quality alerts"),
    queries=("fct_orders", "retention", "daily revenue"),
)

_MOBILE_APP = _RepoTemplate(
    name="mobile-app",
    owner="northwind",
    description="Android app for Northwind customers",
    language="Kotlin",
    private=False,
    topics=("android", "kotlin", "jetpack-compose"),
    ticket_key="MOB",
    subjects={
        "feat": (
            ("onboarding", "add a skippable onboarding carousel"),
            ("push", "deep-link order notifications to the order screen"),
            ("offline", "queue cart changes while offline"),
            ("ui", "support dynamic font sizes"),
        ),
        "fix": (
            ("offline", "stop the sync worker running twice after reboot"),
            ("push", "request notification permission on Android 13+"),
            ("ui", "fix clipped buttons on small screens"),
            ("api", "retry requests that fail with a stale token"),
        ),
        "perf": (
            ("startup", "defer analytics initialisation until after first frame|cold_start"),
            ("ui", "cache decoded product images|errors"),
        ),
        "refactor": (
            ("ui", "migrate the cart screen to Jetpack Compose"),
            ("api", "move networking behind a repository interface"),
        ),
        "build": (("build", "move dependency versions to a version catalog"),),
    },
    paths={
        "src": (
            "app/src/main/java/com/northwind/app/onboarding/OnboardingScreen.kt",
            "app/src/main/java/com/northwind/app/push/PushService.kt",
            "app/src/main/java/com/northwind/app/sync/OfflineSyncWorker.kt",
            "app/src/main/java/com/northwind/app/ui/theme/Theme.kt",
            "app/src/main/java/com/northwind/app/api/ApiClient.kt",
            "app/src/main/res/values/strings.xml",
        ),
        "tests": (
            "app/src/test/java/com/northwind/app/sync/OfflineSyncWorkerTest.kt",
            "app/src/androidTest/java/com/northwind/app/CartScreenTest.kt",
        ),
        "docs": ("README.md", "docs/release-checklist.md"),
        "ci": (".github/workflows/android.yml", ".github/workflows/play-store.yml"),
        "build": ("app/build.gradle.kts", "build.gradle.kts", "gradle/libs.versions.toml"),
        "lock": ("gradle/libs.versions.toml",),
    },
    new_files={
        "src": "app/src/main/java/com/northwind/app/{scope}/{Word}.kt",
        "tests": "app/src/test/java/com/northwind/app/{scope}/{Word}Test.kt",
        "docs": "docs/{kebab}.md",
    },
    deps=(("androidx.compose:compose-bom", "2024.01.00", "2024.04.01"), ("kotlin", "1.9.22", "1.9.23")),
    units=("the sync worker", "the cart screen", "token refresh"),
    doc_topics=("the release checklist", "local setup"),
    ci_jobs=("instrumented tests", "lint", "release builds"),
    claim_kinds=("cold_start", "errors"),
    error_nouns=("crashes", "ANRs", "failed syncs"),
    default_branch="develop",
)

_DOTFILES = _RepoTemplate(
    name="dotfiles",
    owner=None,
    description="My shell, editor and git configuration",
    language="Shell",
    private=False,
    topics=("dotfiles", "zsh", "neovim"),
    ticket_key="",
    subjects={
        "feat": (
            ("nvim", "add LSP config for TypeScript and Python"),
            ("zsh", "add fuzzy history search with fzf"),
            ("git", "add aliases for interactive rebase"),
            ("tmux", "add a session picker"),
        ),
        "fix": (
            ("install", "make install.sh idempotent"),
            ("zsh", "fix PATH order on Apple Silicon"),
            ("nvim", "stop format-on-save in large files"),
        ),
        "perf": (("zsh", "lazy-load nvm to speed up shell startup|startup"),),
        "refactor": (("nvim", "split init.lua into plugin modules"),),
        "chore": (
            ("nvim", "update plugins"),
            ("deps", "bump {dep} from {dep_from} to {dep_to}"),
            ("zsh", "remove unused aliases"),
            ("", "tidy up the Brewfile"),
        ),
        "build": (("brew", "trim the Brewfile"),),
    },
    paths={
        "src": (
            "zsh/.zshrc",
            "zsh/aliases.zsh",
            "nvim/init.lua",
            "nvim/lua/plugins/lsp.lua",
            "git/.gitconfig",
            "tmux/.tmux.conf",
            "install.sh",
        ),
        "tests": ("tests/install_test.sh",),
        "docs": ("README.md",),
        "ci": (".github/workflows/shellcheck.yml",),
        "build": ("Brewfile",),
        "lock": ("nvim/lazy-lock.json",),
    },
    new_files={"src": "{scope}/{kebab}.sh", "tests": "tests/{word}_test.sh", "docs": "docs/{kebab}.md"},
    deps=(("lazy.nvim", "10.15.0", "10.20.2"),),
    units=("install.sh",),
    doc_topics=("the install steps",),
    ci_jobs=("shellcheck",),
    claim_kinds=("startup",),
    personal=True,
)

_RSS_DIGEST = _RepoTemplate(
    name="rss-digest",
    owner=None,
    description="Sends me a daily email digest of my RSS feeds",
    language="Python",
    private=False,
    topics=("rss", "cli", "python"),
    ticket_key="",
    subjects={
        "feat": (
            ("feeds", "support Atom feeds"),
            ("email", "render the digest as HTML"),
            ("cli", "add a --since flag"),
        ),
        "fix": (
            ("feeds", "skip feeds that return invalid XML"),
            ("email", "escape HTML in item titles"),
        ),
        "perf": (("feeds", "fetch feeds concurrently|throughput"),),
        "refactor": (("cli", "move argument parsing to click"),),
        "chore": (
            ("deps", "bump {dep} from {dep_from} to {dep_to}"),
            ("", "drop Python 3.9 support"),
            ("", "update the example config"),
        ),
        "build": (("build", "publish wheels from CI"),),
    },
    paths={
        "src": ("rss_digest/feeds.py", "rss_digest/email.py", "rss_digest/cli.py"),
        "tests": ("tests/test_feeds.py", "tests/test_email.py"),
        "docs": ("README.md",),
        "ci": (".github/workflows/test.yml",),
        "build": ("pyproject.toml",),
        "lock": ("requirements.lock",),
    },
    new_files={"src": "rss_digest/{word}.py", "tests": "tests/test_{word}.py", "docs": "docs/{kebab}.md"},
    deps=(("feedparser", "6.0.10", "6.0.11"), ("httpx", "0.26.0", "0.27.0")),
    units=("feed parsing", "the HTML renderer"),
    doc_topics=("configuration",),
    ci_jobs=("tests",),
    claim_kinds=("throughput", "memory"),
    queries=("feed fetch",),
)

_ORG_TEMPLATES = (_WEB_APP, _PAYMENTS_API, _INFRA, _DESIGN_SYSTEM, _DATA_PIPELINE, _MOBILE_APP)
_PERSONAL_TEMPLATES = (_DOTFILES, _RSS_DIGEST)
MAX_REPOS_PER_USER = len(_ORG_TEMPLATES) + len(_PERSONAL_TEMPLATES)

# Share of each kind of change, from a sample of product teams' PR titles.
_ORG_KIND_WEIGHTS: dict[str, float] = {
    "feat": 26,
    "fix": 24,
    "refactor": 8,
    "chore": 9,
    "docs": 7,
    "test": 5,
    "perf": 5,
    "ci": 4,
    "build": 3,
    "security": 2,
    "revert": 1.5,
}
_PERSONAL_KIND_WEIGHTS: dict[str, float] = {
    "feat": 30,
    "fix": 20,
    "chore": 20,
    "docs": 12,
    "refactor": 10,
    "ci": 4,
    "perf": 2,
    "test": 2,
}
NO_PREFIX_SHARE = 0.08  # titles with no conventional prefix ("Add ...", "PAY-412: ...")

_GENERIC_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "docs": (
        ("", "document {doc}"),
        ("readme", "update {doc} in the README"),
        ("", "clarify {doc}"),
        ("", "fix broken links in {doc}"),
    ),
    "test": (
        ("", "add tests for {unit}"),
        ("", "cover error paths in {unit}"),
        ("e2e", "deflake {unit} tests"),
        ("", "replace sleeps with explicit waits in {unit} tests"),
    ),
    "ci": (
        ("", "cache dependencies between {job} runs"),
        ("", "cancel superseded {job} runs"),
        ("", "split {job} into parallel shards"),
        ("", "pin third-party actions to commit SHAs"),
        ("", "upload {job} artifacts on failure"),
    ),
    "chore": (
        ("deps", "bump {dep} from {dep_from} to {dep_to}"),
        ("deps", "bump {dep} from {dep_from} to {dep_to}"),
        ("", "remove unused feature flags"),
        ("", "update CODEOWNERS"),
        ("release", "prepare release notes"),
        ("", "tidy up editor config"),
    ),
    "security": (
        ("deps", "bump {dep} to {dep_to} to patch {cve}"),
        ("auth", "rotate the session id after login"),
        ("security", "stop logging access tokens in debug output"),
        ("security", "validate redirect URLs against an allow-list"),
        ("security", "compare signatures in constant time"),
    ),
}

# Used once a repository's own subjects for a kind are all taken, before "(part 2)" titles.
_FALLBACK_SUBJECTS: dict[str, tuple[str, ...]] = {
    "feat": ("add metrics for {unit}", "make {unit} configurable per environment", "add structured logging to {unit}"),
    "fix": (
        "handle empty input in {unit}",
        "fix an off-by-one error in {unit}",
        "fix a flaky timeout in {unit}",
        "stop {unit} swallowing errors",
    ),
    "perf": ("cache results of {unit}", "avoid repeated work in {unit}"),
    "refactor": ("simplify {unit}", "remove dead code around {unit}", "add type hints to {unit}"),
    "build": ("speed up the build of {unit}",),
}

_CVES = ("CVE-2024-24790", "CVE-2024-29041", "CVE-2024-28849", "CVE-2023-45857", "CVE-2024-4068")

_WHY: dict[str, tuple[str, ...]] = {
    "feat": (
        "Customers have been asking for this since the January survey.",
        "Product wants this in place before the spring campaign.",
        "This was the most requested item in the last support review.",
        "Next step of the roadmap item we scoped in planning.",
        "Unblocks the mobile team, who need the same behaviour.",
    ),
    "fix": (
        "Users reported this through support over the last week.",
        "Sentry has been flagging this since the last release.",
        "We hit this in production during the Monday traffic peak.",
        "Found while investigating an on-call page.",
        "QA caught this on staging.",
    ),
    "perf": (
        "Profiling showed this on the hot path.",
        "This was the slowest step on the performance dashboard.",
        "Load testing ahead of the sale exposed this bottleneck.",
    ),
    "refactor": (
        "This module had grown hard to change safely.",
        "Prep work for the next round of changes in this area.",
        "Removes duplication that has already caused two bugs.",
    ),
    "docs": (
        "New joiners kept tripping over this.",
        "The old instructions no longer matched reality.",
        "Requested in the last retro.",
    ),
    "test": (
        "This code path had no coverage.",
        "The existing test was flaky on CI (failed 4 of the last 50 runs).",
        "Locks in the behaviour before the upcoming refactor.",
    ),
    "ci": (
        "CI was the slowest part of the feedback loop.",
        "Runs were piling up on busy days.",
        "Hardening the pipeline after the last supply-chain advisory.",
    ),
    "build": ("Keeps the toolchain current.", "Needed for the upcoming framework upgrade."),
    "chore": (
        "Routine maintenance.",
        "Keeps dependencies current; the changelog has nothing breaking for us.",
        "Housekeeping before the release.",
    ),
    "security": (
        "Reported through the internal security review.",
        "Flagged by the dependency scanner.",
        "Found during the quarterly threat-model review.",
    ),
}

_TESTING = (
    "Added unit tests for the new behaviour.",
    "Tested locally and on staging.",
    "Covered by the existing e2e suite; added one case for the regression.",
    "Manually verified with a production-like dataset.",
    "No behaviour change expected; the test suite passes unchanged.",
)

_REVERT_REASONS = (
    "This caused a spike in errors after the deploy; reverting while we investigate.",
    "Breaks the build on the release branch.",
    "Rolling back until the follow-up fix is ready.",
)

_REVIEW_BODIES: dict[str, tuple[str, ...]] = {
    "APPROVED": (
        "",
        "",
        "LGTM 👍",
        "Looks great, thanks for adding the tests.",
        "Nice cleanup, much easier to follow now.",
        "Great catch, thanks!",
        "Solid change. Ship it 🚢",
        "Approving; the new naming reads well.",
    ),
    "COMMENTED": (
        "",
        "Left a couple of nits, nothing blocking.",
        "A few questions inline.",
        "Mostly fine, see comments.",
        "Can you say more in the description about how this was tested?",
    ),
    "CHANGES_REQUESTED": (
        "This needs a test for the failure path before we merge.",
        "I'm worried this changes the public API; can we keep the old signature and deprecate it?",
        "The migration isn't reversible, please add a down step.",
        "This doubles the number of queries per request; can we batch them?",
        "Please split the refactor from the behaviour change, it's hard to review together.",
    ),
}

_LINE_COMMENTS = (
    "nit: could we give this a more specific name?",
    "Should this handle the empty case?",
    "Can we add a test for this branch?",
    "This runs on every request; worth caching?",
    "Why not reuse the existing helper here?",
    "Is this safe to run concurrently?",
    "Could you add a comment explaining this constant?",
    "Consider logging the error instead of swallowing it.",
    "Good call moving this out.",
)

_REPLIES = (
    "Good point, fixed in the latest commit.",
    "Done.",
    "Added a test 👍",
    "I'd rather keep it as is; it mirrors the API naming.",
)

_HUMAN_COMMENTS = (
    "Thanks! Does this need a changelog entry?",
    "Deployed to staging, looks good.",
    "Can you rebase on {base}? There's a conflict in `{file}`.",
    "🎉 thanks for picking this up!",
    "Heads-up: this touches the same code as #{other}.",
    "Verified the fix on staging ✅",
)

# (colour, description) of every label the generator uses, GitHub's defaults where they exist.
LABELS: dict[str, tuple[str, str]] = {
    "bug": ("d73a4a", "Something isn't working"),
    "enhancement": ("a2eeef", "New feature or request"),
    "documentation": ("0075ca", "Improvements or additions to documentation"),
    "dependencies": ("0366d6", "Pull requests that update a dependency file"),
    "performance": ("fbca04", "Performance improvements"),
    "security": ("b60205", "Security fix or hardening"),
    "tests": ("c5def5", "Test coverage"),
    "ci": ("1d76db", "Continuous integration"),
    "build": ("c2e0c6", "Build system and tooling"),
    "refactor": ("d4c5f9", "Restructuring without behaviour change"),
    "tech-debt": ("fef2c0", "Paying down technical debt"),
    "revert": ("e99695", "Reverts an earlier change"),
    "breaking-change": ("b60205", "Changes a public interface"),
    "needs-qa": ("ededed", "Needs a manual check before release"),
    "frontend": ("bfdadc", "User-facing code"),
    "backend": ("c5def5", "Server-side code"),
}

_KIND_LABELS: dict[str, tuple[str, ...]] = {
    "feat": ("enhancement",),
    "fix": ("bug",),
    "perf": ("performance",),
    "refactor": ("refactor",),
    "docs": ("documentation",),
    "test": ("tests",),
    "ci": ("ci",),
    "build": ("build",),
    "chore": (),
    "security": ("security", "bug"),
    "revert": ("revert",),
}


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RepoPlan:
    """A template bound to a concrete repository name."""

    template: _RepoTemplate
    full_name: str
    owner: str


@dataclass(frozen=True)
class _Slot:
    """When and where a PR happens, decided before any text is written."""

    author: str
    plan: _RepoPlan
    kind: str
    created_at: datetime
    closed_at: datetime | None
    merged: bool


class _Ids:
    """Increasing ids per object type, with random gaps like GitHub's global sequences."""

    _BASES = {
        "user": 1_000_000,
        "repo": 400_000_000,
        "pull": 2_100_000_000,
        "issue": 2_700_000_000,
        "review": 2_500_000_000,
        "comment": 1_900_000_000,
        "issue_comment": 2_600_000_000,
    }

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._next = {kind: base + rng.randrange(1_000_000) for kind, base in self._BASES.items()}

    def take(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1 + self._rng.randrange(3_000 if kind == "user" else 40)
        return value


def generate_history(
    seed: int = 42,
    users: Sequence[str] = ("octo-demo",),
    start: date = date(2025, 1, 1),
    end: date = date(2025, 3, 31),
    repos_per_user: int = 4,
    prs_per_week: float = 6.0,
) -> FakeHistory:
    """Invent a reproducible quarter of PR activity for ``users``.

    Each user contributes to ``repos_per_user`` repositories (one personal, the rest in
    the "acme" and "northwind" organisations; "acme/web-app" is shared by everyone), at
    ``prs_per_week`` PRs a week on average. Teammates add PRs of their own to the same
    organisation repositories, so listings and searches have something to filter out.
    Every merge happens between ``start`` and ``end`` (inclusive, UTC).
    """
    logins = _check_arguments(users, start, end, repos_per_user, prs_per_week)
    rng = random.Random(seed)
    ids = _Ids(rng)
    plans_by_user = {login: _plan_repos(rng, login, repos_per_user) for login in logins}
    plans = _unique_plans(plans_by_user)
    accounts = _make_accounts(rng, ids, logins, plans)
    slots = _schedule(rng, plans_by_user, plans, logins, start, end, prs_per_week)
    pulls = _Writer(rng, ids, logins, start, end).write(slots)
    repos = tuple(_make_repo(rng, ids, plan) for plan in plans)
    return FakeHistory(seed=seed, start=start, end=end, authors=logins, users=accounts, repos=repos, pulls=tuple(pulls))


def _check_arguments(
    users: Sequence[str], start: date, end: date, repos_per_user: int, prs_per_week: float
) -> tuple[str, ...]:
    if isinstance(users, str):
        users = (users,)
    logins = tuple(dict.fromkeys(u.strip() for u in users if u.strip()))
    if not logins:
        raise ValueError("generate_history needs at least one user")
    bad = [u for u in logins if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?", u)]
    if bad:
        raise ValueError(f"not valid GitHub logins: {bad}")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not 1 <= repos_per_user <= MAX_REPOS_PER_USER:
        raise ValueError(f"repos_per_user must be between 1 and {MAX_REPOS_PER_USER}")
    if prs_per_week < 0:
        raise ValueError("prs_per_week must not be negative")
    return logins


def _plan_repos(rng: random.Random, login: str, count: int) -> list[_RepoPlan]:
    """Pick a user's repositories, most-active first: web-app, other org repos, then personal."""
    personal_count = 1 if count >= 2 else 0
    org_count = min(count - personal_count, len(_ORG_TEMPLATES))
    personal_count = count - org_count
    others = rng.sample(_ORG_TEMPLATES[1:], org_count - 1) if org_count > 1 else []
    chosen = [_WEB_APP, *others][:org_count] + list(_PERSONAL_TEMPLATES[:personal_count])
    return [_bind(t, login) for t in chosen]


def _bind(template: _RepoTemplate, login: str) -> _RepoPlan:
    owner = template.owner or login
    return _RepoPlan(template=template, full_name=f"{owner}/{template.name}", owner=owner)


def _unique_plans(plans_by_user: Mapping[str, list[_RepoPlan]]) -> list[_RepoPlan]:
    seen: dict[str, _RepoPlan] = {}
    for plans in plans_by_user.values():
        for plan in plans:
            seen.setdefault(plan.full_name, plan)
    return list(seen.values())


def _make_accounts(
    rng: random.Random, ids: _Ids, logins: tuple[str, ...], plans: list[_RepoPlan]
) -> tuple[FakeUser, ...]:
    accounts = [
        FakeUser(
            login=login,
            id=ids.take("user"),
            name=_display_name(login),
            created_at=_joined(rng),
            location=rng.choice(("Lisbon", "Seattle", "London", "Berlin", "Montréal")),
            bio="Software engineer. Building things for the web.",
        )
        for login in logins
    ]
    taken = {login.lower() for login in logins}
    for login, name, city in _TEAMMATES:
        if login not in taken:
            company = "@acme" if len(accounts) % 2 else "@northwind"
            accounts.append(FakeUser(login, ids.take("user"), name, "User", _joined(rng), company, city))
    for login, name in _BOTS:
        accounts.append(FakeUser(login, ids.take("user"), name, "Bot", datetime(2018, 6, 1, tzinfo=UTC)))
    for org in dict.fromkeys(p.owner for p in plans if p.template.owner):
        title, bio = _ORG_PROFILES[org]
        accounts.append(FakeUser(org, ids.take("user"), title, "Organization", _joined(rng), None, None, bio))
    return tuple(accounts)


def _display_name(login: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", login) if part)


def _joined(rng: random.Random) -> datetime:
    offset = timedelta(days=rng.randrange(3_650), seconds=rng.randrange(86_400))
    return datetime(2012, 1, 1, tzinfo=UTC) + offset


def _make_repo(rng: random.Random, ids: _Ids, plan: _RepoPlan) -> FakeRepo:
    t = plan.template
    return FakeRepo(
        full_name=plan.full_name,
        id=ids.take("repo"),
        owner=plan.owner,
        private=t.private,
        description=t.description,
        language=t.language,
        default_branch=t.default_branch,
        created_at=datetime(2019, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(1_800)),
        topics=t.topics,
    )


# ----------------------------------------------------------------------- scheduling


_WEEKDAY_WEIGHTS = (1.0, 1.1, 1.1, 1.05, 0.85, 0.12, 0.08)  # Monday .. Sunday
_UTC_OFFSETS = (-8, -5, 0, 1, 2, 5.5, 8)


def _schedule(
    rng: random.Random,
    plans_by_user: Mapping[str, list[_RepoPlan]],
    plans: list[_RepoPlan],
    logins: tuple[str, ...],
    start: date,
    end: date,
    prs_per_week: float,
) -> list[_Slot]:
    """Decide every PR's author, repository, kind and timeline, in creation order."""
    slots: list[_Slot] = []
    for login in logins:
        repos = plans_by_user[login]
        weights = [0.45, 0.27, 0.18, 0.1, 0.06, 0.05, 0.04, 0.03][: len(repos)]
        offset = rng.choice(_UTC_OFFSETS)
        slots += _schedule_author(rng, login, repos, weights, start, end, prs_per_week, offset)
    org_plans = [p for p in plans if p.template.owner]
    mates = [login for login, _, _ in _TEAMMATES if login not in {u.lower() for u in logins}]
    for index, mate in enumerate(mates):
        if org_plans:
            rate = prs_per_week * 0.5 / len(mates)
            offset = _UTC_OFFSETS[index % len(_UTC_OFFSETS)]
            slots += _schedule_author(rng, mate, org_plans, [1.0] * len(org_plans), start, end, rate, offset)
    return sorted(slots, key=lambda s: (s.created_at, s.plan.full_name, s.author))


def _schedule_author(
    rng: random.Random,
    author: str,
    repos: list[_RepoPlan],
    weights: list[float],
    start: date,
    end: date,
    prs_per_week: float,
    utc_offset: float,
) -> list[_Slot]:
    mean_weight = sum(_WEEKDAY_WEIGHTS) / 7
    slots = []
    for day_index in range((end - start).days + 1):
        day = start + timedelta(days=day_index)
        rate = prs_per_week / 7 * _WEEKDAY_WEIGHTS[day.weekday()] / mean_weight
        for _ in range(_poisson(rng, rate)):
            plan = rng.choices(repos, weights=weights)[0]
            kind = _pick_kind(rng, plan.template)
            slots.append(_slot(rng, author, plan, kind, _moment_on(rng, day, utc_offset), end))
    return slots


def _slot(rng: random.Random, author: str, plan: _RepoPlan, kind: str, event: datetime, end: date) -> _Slot:
    """Open PRs only happen near the end of the range; others merge, or are closed unmerged."""
    days_left = (end - event.date()).days
    if days_left < 10 and rng.random() < 0.35:
        return _Slot(author, plan, kind, event, None, False)
    lead = _lead_time(rng, kind)
    merged = rng.random() >= 0.07
    return _Slot(author, plan, kind, event - lead, event, merged)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, count, product = math.exp(-lam), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _moment_on(rng: random.Random, day: date, utc_offset: float) -> datetime:
    """A time on ``day`` (UTC), mostly within the author's local working hours."""
    if rng.random() < 0.85:
        local_hour = rng.triangular(8.5, 19.5, 14.0)
        hour = (local_hour - utc_offset) % 24
    else:
        hour = rng.uniform(0, 24)
    seconds = min(int(hour * 3600) + rng.randrange(60), 86_399)
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds)


def _lead_time(rng: random.Random, kind: str) -> timedelta:
    """Hours to days from opening to merge; small chores merge faster."""
    median_hours = {"docs": 5.0, "ci": 6.0, "chore": 4.0, "revert": 1.0, "feat": 30.0, "refactor": 26.0}
    hours = rng.lognormvariate(math.log(median_hours.get(kind, 16.0)), 1.1)
    return timedelta(seconds=int(min(max(hours, 0.25), 24 * 21) * 3600))


def _pick_kind(rng: random.Random, template: _RepoTemplate) -> str:
    table = _PERSONAL_KIND_WEIGHTS if template.personal else _ORG_KIND_WEIGHTS
    kinds = list(table)
    return rng.choices(kinds, weights=[table[k] for k in kinds])[0]


# ----------------------------------------------------------------------- writing PRs


@dataclass
class _Draft:
    """A PR's text while it is being written."""

    kind: str
    change_type: str
    scope: str
    subject: str
    title: str
    head_ref: str
    files: list[FakeFile] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    linked: list[int] = field(default_factory=list)
    revert_of: FakePullRequest | None = None


class _Writer:
    """Turns scheduled slots into complete pull requests, in creation order.

    Creation order matters: PR numbers grow with time, reverts point at earlier PRs,
    and "Fixes #N" points at issues opened before the PR.
    """

    def __init__(self, rng: random.Random, ids: _Ids, logins: tuple[str, ...], start: date, end: date) -> None:
        self.rng = rng
        self.ids = ids
        self.logins = logins
        self.range_end = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        self.next_number: dict[str, int] = {}
        self.issue_numbers: dict[str, list[int]] = {}
        self.done: dict[str, list[FakePullRequest]] = {}
        self.titles: dict[str, set[str]] = {}
        self.used_subjects: dict[str, set[tuple[str, str]]] = {}

    def write(self, slots: list[_Slot]) -> list[FakePullRequest]:
        return [self._write_one(slot) for slot in slots]

    # -- numbering

    def _number(self, repo: str, personal: bool) -> int:
        """Next PR number, skipping numbers taken by issues filed in between."""
        rng = self.rng
        if repo not in self.next_number:
            base = rng.randint(8, 60) if personal else rng.randint(300, 2_400)
            self.next_number[repo] = base
            self.issue_numbers[repo] = list(range(max(1, base - 40), base))
        number = self.next_number[repo]
        gap = 0 if personal else min(int(rng.expovariate(0.8)), 6)
        self.issue_numbers[repo] += list(range(number + 1, number + 1 + gap))
        self.next_number[repo] = number + 1 + gap
        return number

    # -- the whole PR

    def _write_one(self, slot: _Slot) -> FakePullRequest:
        rng = self.rng
        repo = slot.plan.full_name
        number = self._number(repo, slot.plan.template.personal)
        draft = self._draft(slot)
        end = slot.closed_at or min(slot.created_at + _lead_time(rng, slot.kind), self.range_end)
        end = max(end, slot.created_at + timedelta(minutes=5))
        reviews = self._reviews(slot, draft, end)
        review_comments = self._review_comments(slot, draft, reviews)
        issue_comments = self._issue_comments(slot, draft, number, end)
        merged_at = slot.closed_at if slot.merged else None
        body = self._body(slot, draft)
        if body is None:  # ground truth must match what a reader of the PR can see
            draft.claims, draft.linked = [], []
        touched = [
            slot.closed_at or slot.created_at,
            *(r.submitted_at for r in reviews),
            *(c.created_at for c in (*review_comments, *issue_comments)),
        ]
        pr = FakePullRequest(
            repo=repo,
            number=number,
            id=self.ids.take("pull"),
            issue_id=self.ids.take("issue"),
            title=draft.title,
            body=body,
            author=slot.author,
            created_at=slot.created_at,
            updated_at=max(touched) + timedelta(seconds=rng.randint(2, 900)),
            closed_at=slot.closed_at,
            merged_at=merged_at,
            merged_by=self._merger(slot, reviews) if merged_at else None,
            merge_commit_sha=_sha(rng) if merged_at else None,
            head_ref=draft.head_ref,
            head_sha=_sha(rng),
            base_ref=slot.plan.template.default_branch,
            base_sha=_sha(rng),
            labels=self._labels(slot, draft),
            files=tuple(draft.files),
            reviews=tuple(reviews),
            review_comments=tuple(review_comments),
            issue_comments=tuple(issue_comments),
            commits=self._commit_count(draft),
            linked_issues=tuple(draft.linked),
            change_type=draft.change_type,
            scope=draft.scope,
            intent=slot.kind,
            claims=tuple(draft.claims),
            draft=slot.closed_at is None and rng.random() < 0.2,
        )
        self.done.setdefault(repo, []).append(pr)
        return pr

    # -- title, branch and files

    def _draft(self, slot: _Slot) -> _Draft:
        target = self._revert_target(slot) if slot.kind == "revert" else None
        if target is not None:
            return self._revert_draft(slot, target)
        kind = "fix" if slot.kind == "revert" else slot.kind
        scope, subject, claim_hint = self._subject(slot.plan, kind)
        change_type, title_scope = self._title_parts(kind, scope, slot.plan.template)
        title = self._title(slot.plan, change_type, title_scope, subject)
        head_ref = self._head_ref(slot, kind, scope, subject)
        draft = _Draft(kind, change_type, title_scope, subject, title, head_ref)
        draft.files = self._files(slot.plan, kind, scope, subject)
        draft.claims = self._claims(slot.plan.template, kind, claim_hint)
        draft.linked = self._linked_issues(slot.plan.full_name, kind)
        return draft

    def _subject(self, plan: _RepoPlan, kind: str) -> tuple[str, str, str]:
        """(scope, imperative subject, claim kind hinted by the subject or "")."""
        t = plan.template
        options = t.subjects.get(kind) or _GENERIC_SUBJECTS.get(kind) or t.subjects["feat"]
        fallbacks = [("", f.replace("{unit}", unit)) for f in _FALLBACK_SUBJECTS.get(kind, ()) for unit in t.units]
        used = self.used_subjects.setdefault(plan.full_name, set())
        fresh = [o for o in options if o not in used] or [o for o in fallbacks if o not in used]
        scope, raw = self.rng.choice(fresh or options)
        used.add((scope, raw))
        subject, _, hint = raw.partition("|")
        dep, dep_from, dep_to = self.rng.choice(t.deps)
        filled = subject.format(
            doc=self.rng.choice(t.doc_topics),
            unit=self.rng.choice(t.units),
            job=self.rng.choice(t.ci_jobs),
            dep=dep,
            dep_from=dep_from,
            dep_to=dep_to,
            cve=self.rng.choice(_CVES),
        )
        return scope, filled, hint

    def _title_parts(self, kind: str, scope: str, template: _RepoTemplate) -> tuple[str, str]:
        """The conventional type and scope shown in the title ("" type: no prefix at all)."""
        rng = self.rng
        if rng.random() < NO_PREFIX_SHARE:
            return "", ""
        change_type = "fix" if kind == "security" else kind
        if change_type == "chore" and scope == "deps" and rng.random() < 0.3:
            change_type = "build"
        keep_scope = rng.random() < (0.55 if template.personal else 0.8)
        return change_type, scope if keep_scope else ""

    def _title(self, plan: _RepoPlan, change_type: str, scope: str, subject: str) -> str:
        rng = self.rng
        if change_type:
            bang = "!" if change_type in ("feat", "refactor") and rng.random() < 0.03 else ""
            title = f"{change_type}({scope}){bang}: {subject}" if scope else f"{change_type}{bang}: {subject}"
        else:
            title = subject[0].upper() + subject[1:]
            key = plan.template.ticket_key
            if key and rng.random() < 0.4:
                title = f"{key}-{rng.randint(100, 999)}: {title}"
        seen = self.titles.setdefault(plan.full_name, set())
        unique, part = title, 2
        while unique in seen:
            unique, part = f"{title} (part {part})", part + 1
        seen.add(unique)
        return unique

    def _head_ref(self, slot: _Slot, kind: str, scope: str, subject: str) -> str:
        words = [w for w in _words(subject) if w not in _STOPWORDS][:4]
        slug = "-".join(words) or "update"
        prefix = {"security": "fix"}.get(kind, kind)
        if scope and scope not in words and scope != prefix and self.rng.random() < 0.5:
            slug = f"{scope}-{slug}"
        if self.rng.random() < 0.15:
            return f"{slot.author}/{slug}"
        return f"{prefix}/{slug}"

    def _files(self, plan: _RepoPlan, kind: str, scope: str, subject: str) -> list[FakeFile]:
        rng = self.rng
        areas = _file_areas(rng, kind, subject)
        words = _object_words(subject)
        weights = (58, 17, 12, 13) if kind == "refactor" else (82, 15, 2, 1)
        used: set[str] = set()
        files = []
        for area in areas:
            status = rng.choices(("modified", "added", "removed", "renamed"), weights=weights)[0]
            if area == "lock":
                status = "modified"
            name, previous = self._path(plan.template, area, status, scope, words, used)
            if name in used:
                continue
            used.add(name)
            adds, dels = _line_counts(rng, kind, area, status)
            patch = None if area == "lock" or adds + dels > 400 else _patch(rng, name, adds, dels)
            files.append(FakeFile(name, status, adds, dels, _sha(rng), patch, previous))
        return files

    def _path(
        self, t: _RepoTemplate, area: str, status: str, scope: str, words: list[str], used: set[str]
    ) -> tuple[str, str | None]:
        """An existing path of the area, or a new one named after what the PR is about."""
        rng = self.rng
        existing = t.paths.get(area) or t.paths["src"]
        if status == "added" and area in t.new_files:
            name = t.new_files[area].format(
                scope=scope or "core",
                word="_".join(words),
                kebab="-".join(words),
                camel=words[0] + "".join(w.capitalize() for w in words[1:]),
                Word="".join(w.capitalize() for w in words),
            )
            return (name if name not in used else rng.choice(existing)), None
        name = rng.choice(existing)
        if status == "renamed":
            folder, _, leaf = name.rpartition("/")
            stem, dot, ext = leaf.partition(".")
            leaf = f"{stem}_{words[-1]}{dot}{ext}"
            return (f"{folder}/{leaf}" if folder else leaf), name
        return name, None

    def _claims(self, t: _RepoTemplate, kind: str, hint: str) -> list[str]:
        """Perf work nearly always quotes a number; other kinds sometimes do."""
        rng = self.rng
        chances = {"perf": 0.92, "feat": 0.2, "fix": 0.25, "refactor": 0.1, "ci": 0.4, "build": 0.2}
        if rng.random() >= chances.get(kind, 0.0):
            return []
        by_kind = {"fix": "errors", "feat": "adoption", "ci": "ci"}
        claim_kind = hint or by_kind.get(kind) or rng.choice(t.claim_kinds)
        return [_claim_sentence(rng, t, claim_kind)]

    def _linked_issues(self, repo: str, kind: str) -> list[int]:
        rng = self.rng
        chance = {"fix": 0.6, "feat": 0.3, "perf": 0.25, "security": 0.5, "docs": 0.15, "refactor": 0.1}
        if rng.random() >= chance.get(kind, 0.0):
            return []
        pool = self.issue_numbers.get(repo, [])[-30:]
        if not pool:
            return []
        count = 2 if rng.random() < 0.12 and len(pool) > 1 else 1
        return sorted(rng.sample(pool, count))

    # -- reverts

    def _revert_target(self, slot: _Slot) -> FakePullRequest | None:
        earlier = [
            p
            for p in self.done.get(slot.plan.full_name, [])
            if p.merged_at is not None and p.merged_at < slot.created_at and p.intent != "revert"
        ]
        return self.rng.choice(earlier[-10:]) if earlier else None

    def _revert_draft(self, slot: _Slot, target: FakePullRequest) -> _Draft:
        rng = self.rng
        conventional = rng.random() < 0.3
        title = f"revert: {target.title}" if conventional else f'Revert "{target.title}"'
        draft = _Draft(
            "revert",
            "revert" if conventional else "",
            "",
            target.title,
            title,
            f"revert-{target.number}-{target.head_ref}",
            revert_of=target,
        )
        flip = {"added": "removed", "removed": "added"}
        draft.files = [
            FakeFile(f.filename, flip.get(f.status, f.status), f.deletions, f.additions, _sha(rng), None)
            for f in target.files
        ]
        return draft

    # -- body

    def _body(self, slot: _Slot, draft: _Draft) -> str | None:
        rng = self.rng
        if draft.revert_of is not None:
            return f"Reverts {slot.plan.full_name}#{draft.revert_of.number}\n\n{rng.choice(_REVERT_REASONS)}"
        if rng.random() < 0.04:
            return None
        why = rng.choice(_WHY.get(draft.kind, _WHY["chore"]))
        what = f"This PR {_third_person(draft.subject)}."
        links = "\n".join(f"{rng.choice(('Fixes', 'Closes', 'Resolves'))} #{n}" for n in draft.linked)
        style = rng.random()
        if style < 0.15:
            parts = [what, " ".join(draft.claims), links]
        elif style < 0.55:
            parts = [f"{why} {what}", " ".join(draft.claims), links]
        else:
            parts = [f"## Summary\n{what}", f"## Why\n{why}"]
            if draft.claims:
                parts.append("## Impact\n" + " ".join(draft.claims))
            parts += [f"## Testing\n- {rng.choice(_TESTING)}", links]
        return "\n\n".join(p for p in parts if p)

    # -- labels, reviews and comments

    def _labels(self, slot: _Slot, draft: _Draft) -> tuple[str, ...]:
        rng = self.rng
        if slot.plan.template.personal and rng.random() < 0.7:
            return ()
        labels = list(_KIND_LABELS.get(draft.kind, ()))
        if draft.kind == "refactor" and rng.random() < 0.4:
            labels = ["tech-debt"]
        if draft.scope == "deps" or "bump " in draft.subject:
            labels = ["dependencies", *(["security"] if draft.kind == "security" else [])]
        roll = rng.random()
        if roll < 0.12:
            labels = []
        elif roll < 0.22:
            frontend = slot.plan.template.language in ("TypeScript", "Kotlin")
            area = "frontend" if frontend else "backend"
            labels.append(rng.choice(("needs-qa", "breaking-change" if "!" in draft.title else area, area)))
        elif roll < 0.27:
            labels = [rng.choice(sorted(LABELS))]
        return tuple(dict.fromkeys(labels))

    def _people_for(self, slot: _Slot) -> list[str]:
        if slot.plan.template.personal:
            return [m for m, _, _ in _TEAMMATES[:2] if m != slot.author]
        people = [*self.logins, *(m for m, _, _ in _TEAMMATES)]
        return [p for p in dict.fromkeys(people) if p.lower() != slot.author.lower()]

    def _reviews(self, slot: _Slot, draft: _Draft, end: datetime) -> list[FakeReview]:
        rng = self.rng
        weights = (70, 25, 5, 0, 0) if slot.plan.template.personal else (14, 40, 28, 12, 6)
        count = rng.choices(range(5), weights=weights)[0]
        people = self._people_for(slot)
        if not people or count == 0:
            return []
        times = sorted(_between(rng, slot.created_at, end) for _ in range(count))
        reviews: list[FakeReview] = []
        for index, moment in enumerate(times):
            last = index == count - 1
            if last and slot.merged and rng.random() < 0.9:
                state = "APPROVED"
            else:
                state = rng.choices(("COMMENTED", "CHANGES_REQUESTED", "APPROVED"), weights=(50, 30, 20))[0]
            reuse = reviews and reviews[-1].state != "APPROVED" and rng.random() < 0.4
            user = reviews[-1].user if reuse else rng.choice(people)
            body = rng.choice(_REVIEW_BODIES[state])
            reviews.append(FakeReview(self.ids.take("review"), user, state, body, moment, _sha(rng)))
        return reviews

    def _review_comments(self, slot: _Slot, draft: _Draft, reviews: list[FakeReview]) -> list[FakeComment]:
        rng = self.rng
        targets = [f for f in draft.files if f.status != "removed"]
        if not reviews or not targets:
            return []
        count = rng.choices(range(7), weights=(30, 22, 17, 12, 9, 6, 4))[0]
        critical = [r for r in reviews if r.state != "APPROVED"] or reviews
        comments: list[FakeComment] = []
        for _ in range(count):
            if comments and comments[-1].in_reply_to_id is None and rng.random() < 0.25:
                parent = comments[-1]
                comments.append(
                    FakeComment(
                        self.ids.take("comment"),
                        slot.author,
                        rng.choice(_REPLIES),
                        parent.created_at + timedelta(minutes=rng.randint(5, 240)),
                        parent.path,
                        parent.line,
                        parent.review_id,
                        parent.id,
                        parent.commit_id,
                    )
                )
                continue
            review = rng.choice(critical)
            target = rng.choice(targets)
            comments.append(
                FakeComment(
                    self.ids.take("comment"),
                    review.user,
                    rng.choice(_LINE_COMMENTS),
                    review.submitted_at - timedelta(seconds=rng.randint(5, 600)),
                    target.filename,
                    rng.randint(1, max(1, target.additions + 20)),
                    review.id,
                    None,
                    review.commit_id,
                )
            )
        return comments

    def _issue_comments(self, slot: _Slot, draft: _Draft, number: int, end: datetime) -> list[FakeComment]:
        rng = self.rng
        t = slot.plan.template
        count = rng.choices(range(5), weights=(40, 28, 17, 10, 5))[0]
        people = self._people_for(slot) + [slot.author]
        comments = []
        for _ in range(count):
            moment = _between(rng, slot.created_at, end)
            if not t.personal and rng.random() < 0.3:
                user, body = self._bot_comment(slot, number)
            else:
                user = rng.choice(people)
                other = max(1, number - rng.randint(1, 30))
                body = rng.choice(_HUMAN_COMMENTS).format(
                    base=t.default_branch, file=rng.choice(t.paths["src"]), other=other
                )
            comments.append(FakeComment(self.ids.take("issue_comment"), user, body, moment))
        return sorted(comments, key=lambda c: c.created_at)

    def _bot_comment(self, slot: _Slot, number: int) -> tuple[str, str]:
        rng = self.rng
        if slot.plan.template.name == "web-app" and rng.random() < 0.5:
            return "github-actions[bot]", f"✅ Preview deployment ready: https://pr-{number}.preview.acme.example"
        coverage = rng.uniform(71, 94)
        delta = rng.uniform(-0.8, 1.2)
        return "codecov[bot]", (
            "## Codecov Report\nAll modified and coverable lines are covered by tests ✅\n"
            f"Project coverage is {coverage:.2f}%. Comparing base to head ({delta:+.2f}%)."
        )

    def _merger(self, slot: _Slot, reviews: list[FakeReview]) -> str:
        approvers = [r.user for r in reviews if r.state == "APPROVED"]
        if approvers and self.rng.random() < 0.4:
            return approvers[-1]
        return slot.author

    def _commit_count(self, draft: _Draft) -> int:
        if draft.revert_of is not None:
            return 1
        size = sum(f.changes for f in draft.files)
        base = 1 + math.log10(1 + size)
        return max(1, min(40, int(self.rng.lognormvariate(math.log(base), 0.6))))


_PREPOSITIONS = frozenset(
    (
        "to",
        "for",
        "in",
        "on",
        "with",
        "from",
        "by",
        "as",
        "at",
        "into",
        "instead",
        "after",
        "before",
        "when",
        "than",
        "behind",
        "across",
        "without",
        "of",
        "below",
        "above",
        "until",
        "and",
        "so",
    )
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def _object_words(subject: str) -> list[str]:
    """The thing a subject acts on, for naming files: 'batch inventory lookups on X' -> inventory, lookups."""
    words = _words(subject)[1:]
    phrase: list[str] = []
    for word in words:
        if word in _PREPOSITIONS:
            break
        if word not in _STOPWORDS and not word.isdigit():
            phrase.append(word)
    return phrase[-2:] or [w for w in words if w not in _STOPWORDS][:1] or ["change"]


_STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "to",
        "of",
        "for",
        "in",
        "on",
        "and",
        "or",
        "with",
        "from",
        "by",
        "as",
        "at",
        "into",
        "out",
        "be",
        "is",
        "are",
        "it",
        "its",
        "this",
        "that",
        "when",
        "after",
        "before",
        "instead",
        "than",
        "our",
        "we",
    )
)


def _file_areas(rng: random.Random, kind: str, subject: str) -> list[str]:
    """Which parts of the tree a change of ``kind`` touches, one entry per file."""
    if "bump " in subject:
        return ["build", "lock"]

    def some(area: str, median: float, sigma: float = 0.6, cap: int = 30) -> list[str]:
        return [area] * max(1, min(cap, round(rng.lognormvariate(math.log(median), sigma))))

    if kind == "docs":
        return some("docs", 1.5, 0.5, 4)
    if kind == "test":
        return some("tests", 2.0, 0.5, 6)
    if kind == "ci":
        return some("ci", 1.2, 0.4, 3)
    if kind == "build":
        return some("build", 1.5, 0.5, 4) + (["lock"] if rng.random() < 0.6 else [])
    if kind == "chore":
        return some(rng.choice(("build", "src", "docs")), 1.5, 0.6, 6)
    median = {"feat": 4.0, "fix": 1.8, "perf": 2.5, "refactor": 6.0, "security": 1.5}.get(kind, 2.0)
    areas = some("src", median, 0.7 if kind != "refactor" else 0.8)
    if kind in ("feat", "fix", "perf", "security") and rng.random() < 0.7:
        areas += some("tests", 1.3, 0.5, 6)
    if kind == "feat" and rng.random() < 0.25:
        areas.append("docs")
    return areas


def _line_counts(rng: random.Random, kind: str, area: str, status: str) -> tuple[int, int]:
    """Long-tailed additions/deletions: most files small, a few very large."""
    if area == "lock":
        adds = int(rng.lognormvariate(math.log(180), 1.0))
        return adds, int(adds * rng.uniform(0.6, 1.0))
    median = {
        "feat": 38,
        "fix": 9,
        "perf": 18,
        "refactor": 30,
        "docs": 14,
        "test": 35,
        "ci": 6,
        "build": 4,
        "chore": 5,
        "security": 8,
    }.get(kind, 10)
    adds = max(1, min(3_000, int(rng.lognormvariate(math.log(median), 1.05))))
    ratio = {"refactor": rng.uniform(0.5, 1.5), "fix": rng.uniform(0.2, 1.0)}.get(kind, rng.uniform(0.0, 0.6))
    dels = int(adds * ratio)
    if status == "added":
        return adds, 0
    if status == "removed":
        return 0, max(adds, dels)
    if status == "renamed" and rng.random() < 0.5:
        return rng.randint(0, 3), rng.randint(0, 3)
    return adds, dels


def _patch(rng: random.Random, filename: str, additions: int, deletions: int) -> str:
    """A short, well-formed unified-diff hunk standing in for the real patch."""
    ext = filename.rsplit(".", 1)[-1]
    comment = {"py": "#", "sh": "#", "yml": "#", "yaml": "#", "tf": "#", "toml": "#", "md": ""}.get(ext, "//")
    start = rng.randint(1, 200)
    shown_adds, shown_dels = min(additions, 6), min(deletions, 4)
    lines = [f"@@ -{start},{shown_dels + 3} +{start},{shown_adds + 3} @@"]
    lines.append(f" {comment} context".rstrip())
    lines += [f"-{comment} old line {i + 1}".rstrip() for i in range(shown_dels)]
    lines += [f"+{comment} new line {i + 1}".rstrip() for i in range(shown_adds)]
    lines += [f" {comment} context".rstrip(), f" {comment} context".rstrip()]
    return "\n".join(lines)


def _claim_sentence(rng: random.Random, t: _RepoTemplate, kind: str) -> str:
    """One measurable, specific claim, with numbers that move in the right direction."""
    before = rng.choice((180, 240, 320, 420, 560, 780, 950))
    after = int(round(before * rng.uniform(0.3, 0.7), -1))
    pct = rng.choice((12, 18, 23, 30, 35, 40, 45, 60, 72))
    slow, fast = before / 200, after / 200
    sentences = {
        "latency": f"This brings p95 latency for {rng.choice(t.endpoints)} from {before} ms to {after} ms.",
        "bundle": f"This cuts bundle size by {pct}%.",
        "errors": f"Since the canary rollout we see {pct}% fewer {rng.choice(t.error_nouns)}.",
        "memory": f"Peak memory on the nightly job drops from {before * 4} MB to {after * 4} MB.",
        "query": f"The {rng.choice(t.queries)} query goes from {before} ms to {after} ms.",
        "ci": f"CI time goes from {before // 20} min to {max(1, after // 20)} min.",
        "throughput": f"Throughput is {rng.choice((1.8, 2.5, 3.2, 4.0))}x higher in the load test.",
        "cost": f"This cuts the monthly AWS bill for this service by {pct}%.",
        "cold_start": f"Cold start drops from {slow:.1f} s to {fast:.1f} s on a mid-range phone.",
        "startup": f"Shell startup drops from {before} ms to {after // 3} ms.",
        "adoption": f"In the beta, {pct}% of active users tried it within the first week.",
    }
    return sentences.get(kind, sentences["errors"])


def _third_person(subject: str) -> str:
    """'add retries to X' -> 'adds retries to X', so bodies read naturally."""
    verb, _, rest = subject.partition(" ")
    if not re.fullmatch(r"[a-z][a-z-]*[a-z]", verb):
        return subject
    if re.search(r"(s|sh|ch|x|z)$", verb):
        verb += "es"
    elif re.search(r"[^aeiou]y$", verb):
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    return f"{verb} {rest}".strip()


def _between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    span = max(1, int((high - low).total_seconds()))
    return low + timedelta(seconds=rng.randrange(span))


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"
