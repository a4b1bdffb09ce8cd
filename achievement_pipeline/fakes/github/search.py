"""GitHub's issue-search language, as far as the collector uses it.

``GET /search/issues`` takes a ``q=`` of free text and qualifiers (``is:merged``,
``author:``, ``merged:2025-01-01..2025-01-31``, ...). Parsing that string and deciding
whether one PR matches it is a language of its own, independent of how histories are
generated or served, so it lives here: ``FakeHistory.search`` and the server's search
endpoint both build on ``parse_search_query``, ``sort_pulls`` and ``SearchError``.

Only type names are needed from the data model, so this module imports nothing from it
at run time and ``model`` can depend on it without a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from achievement_pipeline.fakes.github.model import FakeHistory, FakePullRequest


class SearchError(ValueError):
    """A search GitHub would reject with 422; ``str(error)`` is GitHub's own wording."""


UNSEARCHABLE_MESSAGE = (
    "The listed users and repositories cannot be searched either because the resources do not exist "
    "or you do not have permission to view them."
)


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
    sort: str | None = None  # "created" | "updated" | "comments", from a ``sort:created-asc`` qualifier
    order: str | None = None  # "asc" | "desc"

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
_SORT_FIELDS = ("created", "updated", "comments")


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
        elif key == "sort" and not negated:
            field, _, direction = value.lower().partition("-")
            if field not in _SORT_FIELDS or direction not in ("", "asc", "desc"):
                raise SearchError("Validation Failed")
            values["sort"], values["order"] = field, direction or "desc"
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
