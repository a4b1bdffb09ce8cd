"""Privacy by subject: a portfolio shows work from a private repository only to people who could see it.

The subject already decides whose work a portfolio holds (``subjects``: a person's PRs, a team's
members' PRs). A PR of a private repository (``repo_is_private``, as GitHub said at collection)
raises a second question: who will read the portfolio, and could they see that repository?

The rule: **a private repository's PRs appear only when every reader of the portfolio could see
that repository according to the collected data**, that is, authored, reviewed or commented on a
collected PR of it. The readers are the subject's people: the person; the team's members; for a
portfolio of everyone collected, every author in it. So a person's own private work is always in
their portfolio (they authored it), a team's portfolio keeps a member's private PR only when every
member worked in that repository too, and another person's portfolio never holds it (it is not
their work, and ``subjects`` already leaves it out). Evidence of access is read from every PR
collected, not only the window's: a reviewer last year still has access today, as far as anyone
collecting can tell. What is left out is counted, never named: "2 PRs from private repositories
left out".

Rows collected before the privacy of repositories was recorded read as public (``repo_is_private``
defaults to false): collect the window again to have it recorded.

What the token could see (``core.token_visibility``) is stated beside it: the private repositories
it could list per organisation source, and the sources it could not see at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from achievement_pipeline.core.token_visibility import SourceVisibility
from achievement_pipeline.core.warehouse import Warehouse
from achievement_pipeline.export.subjects import Subject

_PEOPLE_FIELDS = ("reviews", "review_comments", "issue_comments")
_IDS_PER_QUERY = 1_000


def people_of(row: Mapping[str, Any]) -> set[str]:
    """Everyone a collected PR shows at work in its repository: its author, reviewers and commenters (lower case)."""
    found = {str(row.get("author") or "").lower()}
    for name in _PEOPLE_FIELDS:
        found |= {str(item.get("author") or "").lower() for item in row.get(name) or () if isinstance(item, Mapping)}
    return found - {""}


def repository_people(rows: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Who could see each repository, by the collected PRs ``rows`` (repository name lower case)."""
    people: dict[str, set[str]] = {}
    for row in rows:
        people.setdefault(str(row["repo"]).lower(), set()).update(people_of(row))
    return people


def read_repository_people(warehouse: Warehouse, repositories: Iterable[str]) -> dict[str, set[str]]:
    """:func:`repository_people` over every collected PR of ``repositories`` (the whole history, not a window)."""
    wanted = sorted(set(repositories))
    if not wanted:
        return {}
    columns = ("repo", "author", *_PEOPLE_FIELDS)
    found: list[dict[str, Any]] = []
    for first in range(0, len(wanted), _IDS_PER_QUERY):
        # Through the warehouse's reads, so the archived months' PRs count as evidence too (core/archive.py).
        chunk = wanted[first : first + _IDS_PER_QUERY]
        found += warehouse.read_columns("pull_requests", columns, where={"repo": chunk})
    return repository_people(found)


def readers(subject: Subject, rows: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Who reads the portfolio (lower case): the subject's members, else every author of its PRs."""
    if subject.members:
        return frozenset(member.lower() for member in subject.members)
    return frozenset(str(row.get("author") or "").lower() for row in rows) - {""}


def private_repositories(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The private repositories among ``rows``' PRs."""
    return {str(row["repo"]) for row in rows if row.get("repo_is_private")}


@dataclass
class PrivateWork:
    """The rows a subject's readers may see, and what the portfolio says about private repositories."""

    rows: list[dict[str, Any]]
    included: list[str] = field(default_factory=list)  # private repositories whose PRs are in the portfolio
    left_out_prs: int = 0
    left_out_repositories: int = 0


def keep_visible(rows: Sequence[Mapping[str, Any]], subject: Subject, people: Mapping[str, set[str]]) -> PrivateWork:
    """The subject's rows without PRs of private repositories some reader could not see (``people``: who could
    see each repository, from :func:`read_repository_people`); rows come back as they were, in order."""
    who = readers(subject, rows)
    kept, included, left_out, hidden = [], set(), 0, set()
    for row in rows:
        repo = str(row["repo"])
        if row.get("repo_is_private"):
            if not who <= people.get(repo.lower(), set()):
                left_out += 1
                hidden.add(repo.lower())
                continue
            included.add(repo)
        kept.append(dict(row))
    return PrivateWork(kept, sorted(included), left_out, len(hidden))


def visible_to_readers(warehouse: Warehouse, subject: Subject, rows: Sequence[Mapping[str, Any]]) -> PrivateWork:
    """:func:`keep_visible` over the subject's ``rows``, with who could see each private repository read from the
    warehouse: the one call every builder of a portfolio makes (a read, so a read-only connection will do)."""
    return keep_visible(rows, subject, read_repository_people(warehouse, private_repositories(rows)))


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _token_clauses(seen: Sequence[SourceVisibility]) -> list[str]:
    clauses = []
    for item in seen:
        noun = {"org": "organization", "repo": "repository", "user": "user"}.get(item.kind, item.kind)
        if not item.visible:
            clauses.append(f"{noun} {item.name} not visible to the token")
        elif item.kind == "org":
            count = len(item.private_repositories)
            shown = _plural(count, "private repository", "private repositories") if count else "no private repository"
            clauses.append(f"the token saw {shown} of {item.name}")
    return clauses


def statement(work: PrivateWork, subject: Subject, seen: Sequence[SourceVisibility]) -> str:
    """One sentence on private repositories: how many are included, what was left out and why, what the token saw.

    E.g. "3 private repositories included; 2 PRs from private repositories left out (not every member of
    the team could see them); the token saw no private repository of northwind."
    """
    count = len(work.included)
    included = _plural(count, "private repository", "private repositories") if count else "No private repository"
    parts = [f"{included} included"]
    if work.left_out_prs:
        who = "member of the team" if subject.members and subject.kind == "team" else "person in this portfolio"
        parts.append(
            f"{_plural(work.left_out_prs, 'PR')} from private repositories left out (not every {who} could see them)"
        )
    return "; ".join(parts + _token_clauses(seen)) + "."


def document(work: PrivateWork, subject: Subject, seen: Sequence[SourceVisibility]) -> dict[str, Any]:
    """The portfolio's ``privacy`` section: counts and the sentence, never a left-out repository's name."""
    return {
        "private_repositories_included": len(work.included),
        "private_prs_left_out": work.left_out_prs,
        "private_repositories_left_out": work.left_out_repositories,
        "token": [item.as_document() for item in seen],
        "statement": statement(work, subject, seen),
    }
