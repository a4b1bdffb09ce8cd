"""ACHIEVEMENT_API_TOKENS: who each token speaks for, what it may see, and mistakes named without the token."""

from __future__ import annotations

import contextlib
import hmac
import json

import pytest

from achievement_pipeline.core import settings
from achievement_pipeline.core.settings import SettingError
from achievement_pipeline.export.subjects import Subject
from achievement_pipeline.serve import tokens as tokens_module
from achievement_pipeline.serve.queries import BadInput, window_of
from achievement_pipeline.serve.tokens import Forbidden, Tokens, Unauthenticated, visible

PERSON, TEAM = "a" * 30, "b" * 30
MAPPING = {PERSON: "octo-demo", TEAM: {"team": "Platform", "members": ["octo-demo", "@Ada-Dev"]}}


def test_a_token_speaks_for_its_person_or_its_team():
    grants = Tokens.from_json(json.dumps(MAPPING))
    assert grants.caller(PERSON) == Subject(login="octo-demo", kind="user", members=("octo-demo",))
    assert grants.caller(TEAM) == Subject(login="Platform", kind="team", members=("octo-demo", "Ada-Dev"))


@pytest.mark.parametrize("presented", [None, "", "c" * 30, PERSON + " ", PERSON[:-1]])
def test_no_token_or_an_unknown_one_is_unauthenticated(presented):
    with pytest.raises(Unauthenticated):
        Tokens.from_json(json.dumps(MAPPING)).caller(presented)


def test_every_grant_is_compared_whichever_matches(monkeypatch):
    """The time an answer takes must not say which token came close: each digest is compared every time."""
    compared = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    grants = Tokens.from_json(json.dumps({PERSON: "octo-demo", TEAM: "ada-dev", "c" * 30: "mallory-dev"}))
    monkeypatch.setattr(tokens_module.hmac, "compare_digest", counting)
    for presented in (PERSON, "c" * 30, "nobody-has-this-token-xxxxxxxxxx"):
        compared.clear()
        with contextlib.suppress(Unauthenticated):
            grants.caller(presented)
        assert len(compared) == 3
    assert all(len(digest) == 32 for digest in compared)  # digests of equal length, never the tokens


def test_tokens_are_held_as_digests_only():
    grants = Tokens.from_json(json.dumps(MAPPING))
    assert PERSON not in repr(grants) and PERSON.encode() not in repr(grants).encode()


def test_a_team_sees_itself_and_each_member_and_a_person_only_themselves():
    grants = Tokens.from_json(json.dumps(MAPPING))
    team, person = grants.caller(TEAM), grants.caller(PERSON)
    assert visible(team, "platform") == team
    assert visible(team, "ada-dev") == Subject(login="Ada-Dev", kind="user", members=("Ada-Dev",))
    assert visible(person, "@Octo-Demo") == person
    for caller, other in ((person, "Platform"), (person, "ada-dev"), (team, "mallory-dev")):
        with pytest.raises(Forbidden, match=other):
            visible(caller, other)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "ACHIEVEMENT_API_TOKENS is not set"),
        ("{not json", "is not valid JSON"),
        ("[]", "holds no token"),
        ("{}", "holds no token"),
        (json.dumps({"short": "octo-demo"}), r"entry 1 \(for octo-demo\) is too weak"),
        (json.dumps({PERSON: "not a login!"}), "entry 1: person 'not a login!' is not a GitHub login"),
        (json.dumps({PERSON: {"team": "Platform", "members": []}}), "entry 1 is neither a login nor a team"),
        (json.dumps({PERSON: {"team": "Platform"}}), "entry 1 is neither a login nor a team"),
        (json.dumps({PERSON: 42}), "entry 1 is neither a login nor a team"),
        (f'{{"{PERSON}": "octo-demo", "{PERSON}": "ada-dev"}}', "entry 2 repeats the token"),
        (
            json.dumps({PERSON: {"team": "Platform", "members": ["a"]}, TEAM: {"team": "platform", "members": ["b"]}}),
            "platform names two different subjects",
        ),
        (
            json.dumps({PERSON: "platform", TEAM: {"team": "Platform", "members": ["b"]}}),
            "Platform names two different subjects",
        ),
    ],
)
def test_a_malformed_mapping_is_a_setting_error_naming_the_entry_not_the_token(text, says):
    with pytest.raises(SettingError, match=says) as refused:
        Tokens.from_json(text)
    assert PERSON not in str(refused.value) and "short" not in str(refused.value).replace("shorten", "")


def test_two_tokens_for_one_subject_are_allowed():
    grants = Tokens.from_json(json.dumps({PERSON: "octo-demo", TEAM: "Octo-Demo"}))
    assert grants.caller(PERSON).login == "octo-demo" and grants.caller(TEAM).login == "Octo-Demo"


def test_the_token_settings_are_declared_secret():
    for name in ("ACHIEVEMENT_API_TOKENS", "ACHIEVEMENT_API_TOKEN"):
        assert settings.VARIABLES[name].secret


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("2025", ("2025-01-01", "2026-01-01")),
        ("2025-Q2", ("2025-04-01", "2025-07-01")),
        ("2025-03", ("2025-03-01", "2025-04-01")),
        ("2025-01-10..2025-01-10", ("2025-01-10", "2025-01-11")),
    ],
)
def test_a_window_is_a_period_or_a_range_of_days(text, window):
    start, end = window_of(text)
    assert (start.isoformat(), end.isoformat()) == window


@pytest.mark.parametrize("text", ["", "2025-Q5", "last quarter", "2025-02-30..2025-03-01", "2025-03-01..2025-01-01"])
def test_a_malformed_window_says_how_to_write_one(text):
    with pytest.raises(BadInput, match=r"use a year \(2025\), a quarter"):
        window_of(text)
