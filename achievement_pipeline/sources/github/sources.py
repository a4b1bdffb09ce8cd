"""Where merged PRs come from: a user's PRs anywhere, an organisation's repositories, a repository.

All three are one GitHub search with a different qualifier (``author:``, ``org:``,
``repo:``), so the collector, its incremental cursor and the new-PR sensor treat them
alike. A source also knows the setting it came from, so errors can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from achievement_pipeline.sources.github.errors import GitHubInputError

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")

_QUALIFIERS = {"user": "author", "org": "org", "repo": "repo"}
SETTINGS = {"user": "ACHIEVEMENT_GITHUB_USER", "org": "ACHIEVEMENT_GITHUB_ORGS", "repo": "ACHIEVEMENT_GITHUB_REPOS"}
_NOUNS = {"user": "GitHub user", "org": "organization", "repo": "repository"}


@dataclass(frozen=True)
class Source:
    kind: str  # "user" | "org" | "repo"
    name: str  # a login, an organisation login, or owner/name

    @property
    def key(self) -> str:
        """Stable identity in the warehouse: logins and repository names are case-insensitive on GitHub."""
        return f"{self.kind}:{self.name.lower()}"

    @property
    def setting(self) -> str:
        return SETTINGS[self.kind]

    def describe(self) -> str:
        return f"{_NOUNS[self.kind]} {self.name!r} ({self.setting})"

    def search(self, *qualifiers: str) -> str:
        """The issue search for this source's merged PRs, narrowed by ``qualifiers``."""
        return " ".join(("is:pr", "is:merged", f"{_QUALIFIERS[self.kind]}:{self.name}", *qualifiers))

    def covers(self, repository: str, author: str) -> bool:
        """Whether this source's search finds a PR of ``repository`` (owner/name) written by ``author``.

        The same rule as the search qualifiers, case-insensitive as GitHub's logins and names are: a
        webhook delivery names the PR, and only a PR some source covers is worth collecting its day for.
        """
        name = self.name.lower()
        if self.kind == "user":
            return author.lower() == name
        if self.kind == "org":
            return repository.lower().split("/", 1)[0] == name
        return repository.lower() == name


def sources_from(users: Iterable[str] = (), orgs: Iterable[str] = (), repos: Iterable[str] = ()) -> list[Source]:
    """Sources in configuration order without repeats; malformed names fail naming their setting."""
    found: dict[str, Source] = {}
    for kind, names, pattern in (("user", users, _LOGIN), ("org", orgs, _LOGIN), ("repo", repos, _REPO)):
        for raw in names:
            name = raw.strip()
            if not pattern.fullmatch(name):
                example = "owner/name" if kind == "repo" else "a login such as octocat"
                raise GitHubInputError(
                    f"{name!r} in {SETTINGS[kind]} is not a valid {_NOUNS[kind]} name: use {example}"
                )
            source = Source(kind, name)
            found.setdefault(source.key, source)
    return list(found.values())
