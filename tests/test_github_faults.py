"""Collection survives GitHub's bad days, and a collection that stops resumes where it stopped.

Faults come from the fake GitHub over real HTTP (see ``fakes.github.faults``); the same
collection with and without them must leave the same rows in the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from achievement_pipeline.core.warehouse import Warehouse, connect
from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory
from achievement_pipeline.fakes.github.faults import Fault
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.sources.github.errors import GitHubRateLimited
from tests import github_support as support
from tests.github_support import QUARTER, USERS


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history(users=USERS, prs_per_week=30)


@pytest.fixture
def fake(history: FakeHistory) -> Iterator[FakeGitHub]:
    with FakeGitHub(history) as server:
        yield server


def resource(fake: FakeGitHub, **settings: Any) -> GitHubResource:
    """Short timeouts, and pages of 50 so a quarter takes several pages to fault and resume in."""
    return support.resource(fake, **{"timeout_seconds": 1, "page_size": 50, **settings})


def ingest(fake: FakeGitHub, warehouse: Warehouse, **settings: Any) -> list[dict[str, Any]]:
    """What the ingest asset does with a window: collect, then replace the window's rows."""
    collection = resource(fake, **settings).collect(*QUARTER, warehouse.engine)
    warehouse.replace_window("pull_requests", *QUARTER, collection.prs)
    return warehouse.read_all("pull_requests")


def test_the_warehouse_is_identical_with_and_without_faults(fake: FakeGitHub, tmp_path: Path):
    clean = ingest(fake, connect(f"sqlite:///{tmp_path / 'clean.db'}"))
    fake.faults.inject(
        Fault("server_error", target="graphql", every=3, times=3),
        Fault("server_error", target="search", times=1, status=503),
        Fault("drop_connection", target="graphql", every=4, times=2, mid_body=True),
        Fault("drop_connection", target="any", skip=6, times=1, mid_body=False),
        Fault("secondary_rate_limit", target="graphql", skip=2, times=1, retry_after=1),
        Fault("primary_rate_limit", target="graphql", skip=5, times=1, reset_in=1),
        Fault("primary_rate_limit", target="graphql", skip=9, times=1, reset_in=1, graphql_200=True),
        Fault("slow", target="graphql", skip=7, times=1, delay=1.5),
    )
    faulty = ingest(fake, connect(f"sqlite:///{tmp_path / 'faulty.db'}"))
    assert fake.faults.fired == {
        "server_error": 4,
        "drop_connection": 3,
        "secondary_rate_limit": 1,
        "primary_rate_limit": 2,
        "slow": 1,
    }
    assert len(clean) > 300 and faulty == clean


def test_a_rate_limit_resetting_later_than_allowed_stops_the_run_naming_the_setting(fake: FakeGitHub):
    fake.faults.inject(Fault("primary_rate_limit", target="graphql", reset_in=3_600))
    with pytest.raises(GitHubRateLimited, match="ACHIEVEMENT_GITHUB_MAX_WAIT"):
        resource(fake, max_wait_seconds=60).collect(*QUARTER)


def test_a_retry_after_longer_than_allowed_stops_the_run(fake: FakeGitHub):
    fake.faults.inject(Fault("secondary_rate_limit", target="graphql", retry_after=600))
    with pytest.raises(GitHubRateLimited, match="ACHIEVEMENT_GITHUB_MAX_WAIT"):
        resource(fake, max_wait_seconds=60).collect(*QUARTER)


def test_a_collection_stopped_midway_resumes_without_refetching(fake: FakeGitHub, tmp_path: Path):
    warehouse = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    # Requests are counted: no answer may be cut short by a busy machine and asked again (or smaller).
    patient = {"timeout_seconds": 30}
    complete = resource(fake, **patient).collect(*QUARTER)  # a throwaway store: the reference
    pages = fake.requests.count(kind="graphql")
    fake.reset_counts()
    # The token's budget runs out after three pages and resets an hour later.
    fake.faults.inject(Fault("primary_rate_limit", target="graphql", skip=3, reset_in=3_600))
    with pytest.raises(GitHubRateLimited):
        resource(fake, max_wait_seconds=60, **patient).collect(*QUARTER, warehouse.engine)
    fake.faults.clear()
    fake.reset_rate_limits()
    fake.reset_counts()
    resumed = resource(fake, **patient).collect(*QUARTER, warehouse.engine)
    assert resumed.prs == complete.prs
    assert fake.requests.count(kind="graphql") == pages - 3
    assert sum(report.fetched for report in resumed.sources) == len(complete.prs) - 3 * 50


def test_a_page_github_times_out_on_is_asked_again_smaller(fake: FakeGitHub):
    reference = resource(fake).collect(*QUARTER)
    # Queries for 50 PRs with their details (~10,600 nodes) time out; 25 (~5,300, plus the lookups) go through.
    fake.faults.inject(Fault("server_error", target="graphql", min_nodes=10_000, times=None))
    collection = resource(fake, retries=1).collect(*QUARTER)
    assert collection.prs == reference.prs
    assert fake.faults.fired["server_error"] == 2 * len(USERS)  # one try and one retry per source, then smaller
