"""What the GitHub token could see, recorded at collection: per PR whether its repository is private, per source
which private repositories the token could list. The fake GitHub serves the history as a token with access to only
some private repositories sees it (``FakeHistory.seen_by``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from github import Github, GithubException

from achievement_pipeline.core.token_visibility import VisibilityStore
from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.sources.github.client import GitHubClient
from tests.github_support import QUARTER, USERS, memory_engine, resource

# The demo's organisations: acme has two private repositories (payments-api, infra), northwind one.
READABLE = ("acme/payments-api",)


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history(users=USERS, prs_per_week=10)


@pytest.fixture
def limited(history: FakeHistory) -> Iterator[FakeGitHub]:
    """GitHub as a token that may read acme/payments-api and no other private repository sees it."""
    with FakeGitHub(history.seen_by(READABLE)) as server:
        yield server


def test_the_fake_hides_a_private_repository_from_a_token_without_access(history: FakeHistory, limited: FakeGitHub):
    hidden = next(r for r in history.repos if r.private and r.full_name not in READABLE)
    client = Github(base_url=limited.base_url, login_or_token="t")
    with pytest.raises(GithubException) as refused:
        client.get_repo(hidden.full_name)
    assert refused.value.status == 404
    assert client.get_repo(READABLE[0]).private
    assert not [p for p in limited.search(f"is:pr org:{hidden.owner}") if p.repo == hidden.full_name]


def test_each_collected_pr_records_whether_its_repository_is_private(history: FakeHistory, limited: FakeGitHub):
    collection = resource(limited, users=[USERS[0]]).collect(*QUARTER, memory_engine())
    private = {pr["repo"] for pr in collection.prs if pr["repo_is_private"]}
    assert private == {"acme/payments-api"}
    assert {pr["repo"] for pr in collection.prs if not pr["repo_is_private"]} <= {
        r.full_name for r in history.repos if not r.private
    }


def test_a_collection_records_which_private_repositories_of_each_organisation_the_token_could_see(
    limited: FakeGitHub,
):
    engine = memory_engine()
    collection = resource(limited, users=[USERS[0]], orgs=["acme", "northwind"]).collect(*QUARTER, engine)
    seen = {item.source: item for item in collection.visibility}
    assert seen["org:acme"].private_repositories == ("acme/payments-api",)
    assert seen["org:northwind"].listed and seen["org:northwind"].private_repositories == ()
    assert seen["user:octo-demo"].visible and not seen["user:octo-demo"].listed
    stored = VisibilityStore(engine).read(resource(limited).server_key())
    assert [item.source for item in stored] == ["org:acme", "org:northwind", "user:octo-demo"]


def test_a_repository_source_records_whether_the_token_sees_it_as_private(limited: FakeGitHub):
    collection = resource(limited, users=[], repos=["acme/payments-api", "acme/web-app"]).collect(
        *QUARTER, memory_engine()
    )
    seen = {item.source: item for item in collection.visibility}
    assert seen["repo:acme/payments-api"].private_repositories == ("acme/payments-api",)
    assert seen["repo:acme/web-app"].visible and seen["repo:acme/web-app"].private_repositories == ()


class VisibilityQueries:
    """Every visibility question the collector asks GitHub (wraps the real client's GraphQL call)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        graphql = GitHubClient.graphql

        def recording(client: GitHubClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            if query.startswith("query Visibility"):
                self.asked.append(query)
            return graphql(client, query, variables)

        monkeypatch.setattr(GitHubClient, "graphql", recording)


def test_the_question_costs_one_request_and_is_asked_only_when_something_was_fetched(
    limited: FakeGitHub, monkeypatch: pytest.MonkeyPatch
):
    queries = VisibilityQueries(monkeypatch)
    engine = memory_engine()
    github = resource(limited, users=[USERS[0]], orgs=["acme", "northwind"])
    first = github.collect(*QUARTER, engine)
    assert len(queries.asked) == 1
    assert first.points == limited.requests.points()  # the question's point is counted with the rest
    limited.reset_counts()
    again = github.collect(*QUARTER, engine)
    assert len(queries.asked) == 1
    assert limited.requests.counts_by_kind() == {"search": 3, "not_modified": 3}  # three free 304s, nothing more
    assert {item.source for item in again.visibility} == {"org:acme", "org:northwind", "user:octo-demo"}


def test_user_sources_alone_cost_no_question(history: FakeHistory, monkeypatch: pytest.MonkeyPatch):
    queries = VisibilityQueries(monkeypatch)
    with FakeGitHub(history) as fake:
        collection = resource(fake).collect(*QUARTER, memory_engine())
    assert queries.asked == []
    assert [(item.source, item.visible, item.listed) for item in collection.visibility] == [
        ("user:ada-dev", True, False),
        ("user:octo-demo", True, False),
    ]
