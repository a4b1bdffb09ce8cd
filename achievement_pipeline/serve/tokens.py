"""Who a token speaks for: ``ACHIEVEMENT_API_TOKENS`` maps each API token to one person or one team.

The mapping is a JSON object held in a secret (a Kubernetes Secret in the deployment)::

    {"<token>": "octo-demo",
     "<token>": {"team": "Platform", "members": ["octo-demo", "ada-dev"]}}

A value is a GitHub login (a person) or a team with its members' logins, checked and built by the
export's own subject rules (``export.subjects.choose_subject``), so a team here is the same team a
portfolio export names. A person's token sees that person's pull requests; a team's token sees its
members' (the team, or any one member), and nothing else.

Tokens are never kept or compared as given: each is reduced to its SHA-256 digest when the mapping is
read, and a presented token's digest is compared with every known digest by ``hmac.compare_digest``,
all of them every time, so how long the answer takes says nothing about which token came close. No
message names a token: an entry is named by its position and its subject.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from achievement_pipeline.core.settings import SettingError
from achievement_pipeline.export.subjects import Subject, SubjectError, choose_subject

VARIABLE = "ACHIEVEMENT_API_TOKENS"
MIN_TOKEN_LENGTH = 24  # a random token of 24 URL-safe characters holds 144 bits
_HOW = (
    f'{VARIABLE} must be a JSON object mapping each token to a login or a team, e.g. {{"<token>": "octo-demo", '
    '"<token>": {"team": "Platform", "members": ["octo-demo", "ada-dev"]}}'
)
_NOBODY = Subject(login="nobody", kind="user")  # choose_subject's default, never taken: a grant names someone


class Unauthenticated(PermissionError):
    """No token, or one no grant holds (HTTP 401)."""


class Forbidden(PermissionError):
    """A known token asking about someone its grant does not cover (HTTP 403)."""


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _subject(value: Any, where: str) -> Subject:
    """The person or team one entry names, checked by the export's subject rules."""
    try:
        if isinstance(value, str):
            return choose_subject(value, "", [], default=_NOBODY)
        if isinstance(value, Mapping) and set(value) == {"person"} and isinstance(value["person"], str):
            return choose_subject(value["person"], "", [], default=_NOBODY)
        if isinstance(value, Mapping) and set(value) == {"team", "members"}:
            team, members = value["team"], value["members"]
            named = isinstance(team, str) and bool(team.strip())
            if named and isinstance(members, list) and members and all(isinstance(m, str) for m in members):
                return choose_subject("", team, members, default=_NOBODY)
    except SubjectError as exc:
        raise SettingError(f"{VARIABLE}: {where}: {exc}") from None
    raise SettingError(f"{VARIABLE}: {where} is neither a login nor a team with members. {_HOW}")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for position, (key, value) in enumerate(pairs, start=1):
        if key in found:
            raise SettingError(f"{VARIABLE}: entry {position} repeats the token of an earlier entry: give each its own")
        found[key] = value
    return found


@dataclass(frozen=True)
class Tokens:
    """The grants: (token digest, subject) pairs, in the order the mapping gave them."""

    grants: tuple[tuple[bytes, Subject], ...]

    @classmethod
    def from_json(cls, text: str) -> Tokens:
        """Read the mapping; a malformed one is a SettingError naming the entry, never its token."""
        if not text.strip():
            raise SettingError(f"{VARIABLE} is not set: the read API answers only to tokens it knows. {_HOW}")
        try:
            raw = json.loads(text, object_pairs_hook=_unique_pairs)
        except json.JSONDecodeError as exc:
            raise SettingError(f"{VARIABLE} is not valid JSON ({exc.msg} at character {exc.pos}). {_HOW}") from None
        if not isinstance(raw, dict) or not raw:
            raise SettingError(f"{VARIABLE} holds no token. {_HOW}")
        grants: list[tuple[bytes, Subject]] = []
        for position, (token, value) in enumerate(raw.items(), start=1):
            subject = _subject(value, f"entry {position}")
            if len(token) < MIN_TOKEN_LENGTH or token != token.strip():
                raise SettingError(
                    f"{VARIABLE}: the token of entry {position} (for {subject.login}) is too weak: use at least "
                    f"{MIN_TOKEN_LENGTH} random characters and no surrounding spaces, e.g. the output of "
                    "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
            grants.append((_digest(token), subject))
        _check_names(grants)
        return cls(tuple(grants))

    def caller(self, presented: str | None) -> Subject:
        """The subject of ``presented``, compared with every grant in constant time; Unauthenticated if none."""
        if not presented:
            raise Unauthenticated("no API token: send it as 'Authorization: Bearer <token>'")
        given = _digest(presented)
        found: Subject | None = None
        for digest, subject in self.grants:
            if hmac.compare_digest(given, digest):
                found = subject
        if found is None:
            raise Unauthenticated("this API token is not known: ask for a token of your own")
        return found


def _check_names(grants: list[tuple[bytes, Subject]]) -> None:
    """One name, one subject: two grants naming the same team must agree on its members, and no team may
    take a person's login (a request names its subject by that name alone)."""
    seen: dict[str, Subject] = {}
    for _, subject in grants:
        key = subject.login.casefold()
        other = seen.setdefault(key, subject)
        same = (other.kind, sorted(m.casefold() for m in other.members)) == (
            subject.kind,
            sorted(m.casefold() for m in subject.members),
        )
        if not same:
            raise SettingError(
                f"{VARIABLE}: {subject.login} names two different subjects (a person and a team, or teams with "
                "different members): give each team one name and one list of members"
            )


def visible(caller: Subject, requested: str) -> Subject:
    """The subject ``requested`` names, when ``caller`` may see it: itself, or one member of its team.

    A member's pull requests are part of the team's, so a team's token may ask about each of them; a
    person's token may not ask about their team, which holds other people's work. Forbidden otherwise.
    """
    wanted = requested.strip().removeprefix("@").casefold()
    if wanted == caller.login.casefold():
        return caller
    if caller.kind == "team":
        for member in caller.members:
            if member.casefold() == wanted:
                return choose_subject(member, "", [], default=_NOBODY)
    raise Forbidden(f"this token may see {_scope(caller)}, not {requested.strip()!r}")


def _scope(caller: Subject) -> str:
    if caller.kind == "team":
        return f"team {caller.login} and its members ({', '.join(caller.members)})"
    return caller.login
