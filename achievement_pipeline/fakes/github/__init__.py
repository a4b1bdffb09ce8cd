"""A built-in fake of GitHub's REST API, for the demo and the tests.

``generate_history`` invents a reproducible quarter of pull-request activity;
``FakeGitHub`` serves it over HTTP so the real PyGithub client can talk to it::

    with FakeGitHub(generate_history(seed=42)) as fake:
        gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token("any"),
                           seconds_between_requests=None)
        gh.search_issues("is:pr is:merged author:octo-demo merged:2025-01-01..2025-01-31")

The server classes are imported lazily so ``python -m achievement_pipeline.fakes.github.server``
runs without importing its own module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.fakes.github.model import (
    FakeComment,
    FakeFile,
    FakeHistory,
    FakeMilestone,
    FakePullRequest,
    FakeRepo,
    FakeReview,
    FakeUser,
)
from achievement_pipeline.fakes.github.search import SearchError

if TYPE_CHECKING:
    from achievement_pipeline.fakes.github.server import FakeGitHub, RecordedRequest, RequestLog

_SERVER_NAMES = frozenset({"FakeGitHub", "RecordedRequest", "RequestLog"})


def __getattr__(name: str) -> Any:
    if name in _SERVER_NAMES:
        from achievement_pipeline.fakes.github import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FakeComment",
    "FakeFile",
    "FakeGitHub",
    "FakeHistory",
    "FakeMilestone",
    "FakePullRequest",
    "FakeRepo",
    "FakeReview",
    "FakeUser",
    "RecordedRequest",
    "RequestLog",
    "SearchError",
    "generate_history",
]
