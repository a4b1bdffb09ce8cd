"""Deterministic, realistic pull-request histories for the fake GitHub server.

The demo and the tests need GitHub data that looks like a real engineer's quarter:
several repositories under a couple of owners, conventional-commit titles in
realistic proportions, long-tailed diff sizes, reviews that sometimes push back,
bots commenting on PRs. None of it may touch the network, and every run must see
the same data, so everything here is a pure function of its arguments: one
``random.Random(seed)`` drives every choice and nothing reads the clock. Facts added
later (when a PR's first commit was authored) come from generators keyed by the seed and
the PR, or (which milestone a PR belongs to) from its title alone, so they leave every
earlier value of a seeded history unchanged.

This module is the generator: it schedules PRs and writes their text by sampling the
repository catalogue (``repositories``) and the word tables (``vocabulary``) into the
data model (``model``). It also re-exports the model and the search language
(``search``), so ``achievement_pipeline.fakes.github.history`` keeps offering every name
it always has.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

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
from achievement_pipeline.fakes.github.repositories import (
    MAX_REPOS_PER_USER,
    ORG_PROFILES,
    ORG_TEMPLATES,
    PERSONAL_TEMPLATES,
    WEB_APP,
    MilestoneTemplate,
    RepoTemplate,
)
from achievement_pipeline.fakes.github.search import (
    UNSEARCHABLE_MESSAGE,
    DateRange,
    SearchError,
    SearchQuery,
    parse_date_range,
    parse_search_query,
    sort_pulls,
)
from achievement_pipeline.fakes.github.vocabulary import (
    BOTS,
    CVES,
    FALLBACK_SUBJECTS,
    GENERIC_SUBJECTS,
    HUMAN_COMMENTS,
    KIND_LABELS,
    LABELS,
    LINE_COMMENTS,
    MOTIVATIONS,
    PREPOSITIONS,
    REPLIES,
    REVERT_REASONS,
    REVIEW_BODIES,
    STOPWORDS,
    TEAMMATES,
    TESTING_NOTES,
)

__all__ = [
    "LABELS",
    "MAX_REPOS_PER_USER",
    "NO_PREFIX_SHARE",
    "UNSEARCHABLE_MESSAGE",
    "DateRange",
    "FakeComment",
    "FakeFile",
    "FakeHistory",
    "FakeMilestone",
    "FakePullRequest",
    "FakeRepo",
    "FakeReview",
    "FakeUser",
    "SearchError",
    "SearchQuery",
    "generate_history",
    "legacy_node_id",
    "parse_date_range",
    "parse_search_query",
    "sort_pulls",
]


# ----------------------------------------------------------------------- the mix of changes

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


# ----------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _RepoPlan:
    """A template bound to a concrete repository name."""

    template: RepoTemplate
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
    pulls = [_with_first_commit(seed, pr) for pr in pulls]
    pulls = _with_milestones(plans, pulls, start, end)
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
    org_count = min(count - personal_count, len(ORG_TEMPLATES))
    personal_count = count - org_count
    others = rng.sample(ORG_TEMPLATES[1:], org_count - 1) if org_count > 1 else []
    chosen = [WEB_APP, *others][:org_count] + list(PERSONAL_TEMPLATES[:personal_count])
    return [_bind(t, login) for t in chosen]


def _bind(template: RepoTemplate, login: str) -> _RepoPlan:
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
    for login, name, city in TEAMMATES:
        if login not in taken:
            company = "@acme" if len(accounts) % 2 else "@northwind"
            accounts.append(FakeUser(login, ids.take("user"), name, "User", _joined(rng), company, city))
    for login, name in BOTS:
        accounts.append(FakeUser(login, ids.take("user"), name, "Bot", datetime(2018, 6, 1, tzinfo=UTC)))
    for org in dict.fromkeys(p.owner for p in plans if p.template.owner):
        title, bio = ORG_PROFILES[org]
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
        stars=t.stars,
        forks=t.forks,
        parent=t.fork_of,
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
    mates = [login for login, _, _ in TEAMMATES if login not in {u.lower() for u in logins}]
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


def _pick_kind(rng: random.Random, template: RepoTemplate) -> str:
    table = _PERSONAL_KIND_WEIGHTS if template.personal else _ORG_KIND_WEIGHTS
    kinds = list(table)
    return rng.choices(kinds, weights=[table[k] for k in kinds])[0]


# ----------------------------------------------------------------------- work before the PR

# Median hours from a PR's first commit to its opening: a revert is opened right away, a
# feature has often been worked on for a day or more.
_FIRST_COMMIT_LEAD_HOURS = {
    "revert": 0.1,
    "docs": 1.0,
    "ci": 1.5,
    "chore": 1.0,
    "build": 2.0,
    "test": 3.0,
    "fix": 3.0,
    "security": 4.0,
    "perf": 10.0,
    "refactor": 16.0,
    "feat": 20.0,
}


def _with_first_commit(seed: int, pr: FakePullRequest) -> FakePullRequest:
    """``pr`` with the authored time of its first commit: minutes to days before it was opened.

    Drawn from a generator of its own, keyed by the seed and the PR, so adding this fact
    left every other value of a seeded history exactly as it was (the demo's output is
    reproducible across versions), and one PR's value does not depend on the others.
    """
    rng = random.Random(f"{seed}:{pr.pr_id}:first-commit")
    median = _FIRST_COMMIT_LEAD_HOURS.get(pr.intent, 4.0) * (1 + 0.15 * (pr.commits - 1))
    hours = min(max(rng.lognormvariate(math.log(median), 1.0), 2 / 60), 24 * 10)
    return dataclasses.replace(pr, first_commit_at=pr.created_at - timedelta(seconds=int(hours * 3600)))


# ----------------------------------------------------------------------- milestones


def _with_milestones(
    plans: Sequence[_RepoPlan], pulls: Sequence[FakePullRequest], start: date, end: date
) -> list[FakePullRequest]:
    """``pulls`` with the milestone each belongs to: the first of its repository's that its title fits.

    A function of the titles, kinds and dates alone (no random draw), so it leaves every other
    value of a seeded history as it was. A milestone no PR fits is left out.
    """
    templates = {plan.full_name: plan.template.milestones for plan in plans}
    members: dict[tuple[str, MilestoneTemplate], list[FakePullRequest]] = {}
    for pr in pulls:
        fit = next((m for m in templates.get(pr.repo, ()) if _fits(m, pr, _due_on(m, start, end))), None)
        if fit is not None:
            members.setdefault((pr.repo, fit), []).append(pr)
    milestone_of: dict[str, FakeMilestone] = {}
    for (repo, template), group in members.items():
        milestone = _milestone(repo, template, group, start, end)
        milestone_of.update((pr.pr_id, milestone) for pr in group)
    return [
        dataclasses.replace(pr, milestone=milestone_of[pr.pr_id]) if pr.pr_id in milestone_of else pr for pr in pulls
    ]


def _due_on(milestone: MilestoneTemplate, start: date, end: date) -> datetime:
    """The due date: a day in the range, at 08:00 UTC as GitHub stores the date picked in its form."""
    day = start + timedelta(days=round((end - start).days * milestone.due))
    return datetime.combine(day, time(8), tzinfo=UTC)


def _fits(milestone: MilestoneTemplate, pr: FakePullRequest, due_on: datetime) -> bool:
    title = pr.title.lower()
    return (
        pr.intent in milestone.kinds
        and pr.created_at.date() <= due_on.date()
        and any(re.search(rf"\b{re.escape(keyword)}", title) for keyword in milestone.keywords)
    )


def _milestone(
    repo: str, template: MilestoneTemplate, members: Sequence[FakePullRequest], start: date, end: date
) -> FakeMilestone:
    """The milestone as its PRs shaped it: opened by the first PR's author two days before that PR.

    Once every PR in it is closed it is closed too, a day after its due date or after its last PR
    closed, whichever is later, if that day lies within the range; otherwise it is still open.
    """
    first = min(members, key=lambda p: (p.created_at, p.number))
    due_on = _due_on(template, start, end)
    closed_at = None
    finished = [p.closed_at for p in members if p.closed_at is not None]
    if len(finished) == len(members):
        closing = max(due_on, *finished) + timedelta(days=1)
        if closing.date() <= end:
            closed_at = closing
    quarter = f"Q{(start.month - 1) // 3 + 1}"
    return FakeMilestone(
        repo=repo,
        number=template.number,
        title=template.title.format(quarter=quarter),
        description=template.description,
        creator=first.author,
        created_at=first.created_at - timedelta(days=2),
        due_on=due_on,
        closed_at=closed_at,
    )


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
        options = t.subjects.get(kind) or GENERIC_SUBJECTS.get(kind) or t.subjects["feat"]
        fallbacks = [("", f.replace("{unit}", unit)) for f in FALLBACK_SUBJECTS.get(kind, ()) for unit in t.units]
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
            cve=self.rng.choice(CVES),
        )
        return scope, filled, hint

    def _title_parts(self, kind: str, scope: str, template: RepoTemplate) -> tuple[str, str]:
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
        words = [w for w in _words(subject) if w not in STOPWORDS][:4]
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
        self, t: RepoTemplate, area: str, status: str, scope: str, words: list[str], used: set[str]
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

    def _claims(self, t: RepoTemplate, kind: str, hint: str) -> list[str]:
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
            return f"Reverts {slot.plan.full_name}#{draft.revert_of.number}\n\n{rng.choice(REVERT_REASONS)}"
        if rng.random() < 0.04:
            return None
        why = rng.choice(MOTIVATIONS.get(draft.kind, MOTIVATIONS["chore"]))
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
            parts += [f"## Testing\n- {rng.choice(TESTING_NOTES)}", links]
        return "\n\n".join(p for p in parts if p)

    # -- labels, reviews and comments

    def _labels(self, slot: _Slot, draft: _Draft) -> tuple[str, ...]:
        rng = self.rng
        if slot.plan.template.personal and rng.random() < 0.7:
            return ()
        labels = list(KIND_LABELS.get(draft.kind, ()))
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
            return [m for m, _, _ in TEAMMATES[:2] if m != slot.author]
        people = [*self.logins, *(m for m, _, _ in TEAMMATES)]
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
            body = rng.choice(REVIEW_BODIES[state])
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
                        rng.choice(REPLIES),
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
                    rng.choice(LINE_COMMENTS),
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
                body = rng.choice(HUMAN_COMMENTS).format(
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


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def _object_words(subject: str) -> list[str]:
    """The thing a subject acts on, for naming files: 'batch inventory lookups on X' -> inventory, lookups."""
    words = _words(subject)[1:]
    phrase: list[str] = []
    for word in words:
        if word in PREPOSITIONS:
            break
        if word not in STOPWORDS and not word.isdigit():
            phrase.append(word)
    return phrase[-2:] or [w for w in words if w not in STOPWORDS][:1] or ["change"]


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


def _claim_sentence(rng: random.Random, t: RepoTemplate, kind: str) -> str:
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
