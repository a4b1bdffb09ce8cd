"""Whose portfolio it is: one person, a team of people, or everyone the sources collected.

The warehouse holds every PR the configured sources returned (an organisation brings many
authors), so the export filters by author; the choice comes from the launchpad's run config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

# GitHub's login rule: alphanumerics and single hyphens, at most 39 characters.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


class SubjectError(ValueError):
    """A person or team choice that cannot be honoured."""


@dataclass(frozen=True)
class Subject:
    """The portfolio's owner as the document names it, and which authors' PRs it holds."""

    login: str
    kind: str  # "user", "team" or "organization", as in the portfolio schema
    members: tuple[str, ...] = ()  # empty: every author collected

    @cached_property
    def _folded_members(self) -> frozenset[str]:
        return frozenset(m.lower() for m in self.members)

    def includes(self, author: str) -> bool:
        return not self.members or author.lower() in self._folded_members

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"login": self.login, "kind": self.kind}
        if self.kind == "team" and self.members:
            document["members"] = list(self.members)
        return document


def _checked_login(login: str, field: str) -> str:
    login = login.strip().removeprefix("@")
    if not _LOGIN.match(login):
        raise SubjectError(f"{field} {login!r} is not a GitHub login: use the login as on github.com, e.g. octocat")
    return login


def choose_subject(person: str, team: str, members: Sequence[str], *, default: Subject) -> Subject:
    """The subject from the run config; nothing chosen keeps ``default`` (everyone collected)."""
    if person and (team or members):
        raise SubjectError("choose either person or team (with members), not both")
    if person:
        login = _checked_login(person, "person")
        return Subject(login=login, kind="user", members=(login,))
    if members:
        logins = tuple(dict.fromkeys(_checked_login(m, "members entry") for m in members))
        name = team.strip() or "team"
        if len(name) > 100:
            raise SubjectError("team name is longer than 100 characters: shorten it")
        return Subject(login=name, kind="team", members=logins)
    if team:
        raise SubjectError(f"team {team!r} has no members: list their GitHub logins in members")
    return default


def select_rows(rows: Iterable[dict[str, Any]], subject: Subject, window: str) -> list[dict[str, Any]]:
    """The rows of the subject's PRs; a chosen person with none in a non-empty window is a typo until shown not."""
    rows = list(rows)
    chosen = [row for row in rows if subject.includes(str(row.get("author", "")))]
    if rows and not chosen and subject.members:
        authors = ", ".join(sorted({str(row.get("author", "")) for row in rows})[:20])
        raise SubjectError(
            f"no merged PR by {', '.join(subject.members)} in {window}; authors collected there: {authors}. "
            "Check the login, or collect that person's PRs (ACHIEVEMENT_GITHUB_USER)"
        )
    return chosen
