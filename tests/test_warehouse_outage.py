"""A warehouse that goes away for a few seconds costs a retry, not a run; a longer outage fails in words.

The warehouse is the real PostgreSQL behind a TCP proxy that the tests cut (``tests/outage_proxy.py``):
live connections dropped, new ones closed on arrival, exactly what a database restart or a network
fault looks like to psycopg2. Without PostgreSQL these tests are skipped locally and fail on CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from dagster import DagsterEventType, DagsterInstance, materialize

from achievement_pipeline.core.warehouse import WarehouseUnavailable, connect
from achievement_pipeline.defs.enrich.assets import enriched_prs
from achievement_pipeline.defs.ingest.assets import pull_requests
from achievement_pipeline.defs.retries import STAGE_RETRY
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.factories import make_pr
from tests.outage_proxy import OutageProxy

DAY, NEXT_DAY = date(2025, 1, 3), date(2025, 1, 4)  # make_pr's merge day
PASSWORD = "pw-not-shown-7c"  # PostgreSQL trusts local connections: the password is there to be hidden


@pytest.fixture
def proxy(postgres_database: str) -> Iterator[tuple[OutageProxy, str]]:
    """The test database through a proxy that can go dark, and the warehouse URL that goes through it."""
    name = postgres_database.rsplit("/", 1)[1]
    with OutageProxy(5432) as outage:
        yield outage, f"postgresql+psycopg2://postgres:{PASSWORD}@127.0.0.1:{outage.port}/{name}?sslmode=disable"


def _enrich(url: str, instance: DagsterInstance):
    resources = {"llm": LLMResource(), "cache": CacheResource(), "warehouse": WarehouseResource(url=url)}
    return materialize(
        [enriched_prs], partition_key=DAY.isoformat(), instance=instance, resources=resources, raise_on_error=False
    )


def _events(result, kind: DagsterEventType) -> list:
    return [event for event in result.all_events if event.event_type == kind]


def test_a_dropped_connection_surfaces_as_warehouse_unavailable_naming_the_setting(proxy):
    outage, url = proxy
    warehouse = connect(url)
    warehouse.replace_window("pull_requests", DAY, NEXT_DAY, [make_pr(1)])
    outage.go_dark(30)
    with pytest.raises(WarehouseUnavailable, match="ACHIEVEMENT_WAREHOUSE_URL") as failure:
        warehouse.read_window("pull_requests", DAY, NEXT_DAY)
    assert PASSWORD not in str(failure.value) and "***" in str(failure.value)
    assert len(str(failure.value).splitlines()) == 1


def test_the_same_warehouse_reads_again_once_the_database_is_back(proxy):
    outage, url = proxy
    warehouse = connect(url)
    warehouse.replace_window("pull_requests", DAY, NEXT_DAY, [make_pr(1)])
    outage.go_dark(30)
    with pytest.raises(WarehouseUnavailable):
        warehouse.count("pull_requests")
    outage.light()
    assert warehouse.count("pull_requests") == 1


def test_a_cut_of_a_few_seconds_mid_enrich_is_retried_and_the_run_succeeds(pipeline_home, proxy):
    outage, url = proxy
    prs = [make_pr(n) for n in (1, 2, 3)]
    connect(url).replace_window("pull_requests", DAY, NEXT_DAY, prs)
    # Enrich has read its PRs and written their narratives; the warehouse goes away as it writes them.
    outage.go_dark_on(b"DELETE FROM enriched_prs", seconds=2)
    with DagsterInstance.ephemeral() as instance:
        result = _enrich(url, instance)
    assert outage.cuts == 1
    assert result.success
    retried = _events(result, DagsterEventType.STEP_UP_FOR_RETRY)
    assert retried, "the cut happened, so the step must have been retried"
    assert "ACHIEVEMENT_WAREHOUSE_URL" in str(retried[0].event_specific_data.error)
    written = connect(url).read_window("enriched_prs", DAY, NEXT_DAY)
    assert [row["pr_id"] for row in written] == [pr["pr_id"] for pr in prs]


@pytest.mark.slow  # the retries' own waits: about 22 s
def test_an_outage_longer_than_the_retries_fails_with_the_message_naming_the_setting(pipeline_home, proxy):
    outage, url = proxy
    connect(url).replace_window("pull_requests", DAY, NEXT_DAY, [make_pr(1)])
    outage.go_dark_on(b"DELETE FROM enriched_prs", seconds=600)
    with DagsterInstance.ephemeral() as instance:
        result = _enrich(url, instance)
    assert not result.success
    assert len(_events(result, DagsterEventType.STEP_UP_FOR_RETRY)) == STAGE_RETRY.max_retries
    (failure,) = _events(result, DagsterEventType.STEP_FAILURE)
    said = failure.step_failure_data.user_failure_data.description
    assert "ACHIEVEMENT_WAREHOUSE_URL" in said and "Start the database" in said
    assert PASSWORD not in said
    assert "Traceback" not in said and len(said.splitlines()) == 1


def test_a_mistake_that_would_fail_again_is_not_retried(pipeline_home, fake_github):
    github = GitHubResource(base_url=fake_github.base_url, token="t", users=["no-such-user"], request_spacing_seconds=0)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [pull_requests],
            partition_key=DAY.isoformat(),
            instance=instance,
            resources={"github": github, "warehouse": WarehouseResource()},
            raise_on_error=False,
        )
    assert not result.success
    assert _events(result, DagsterEventType.STEP_UP_FOR_RETRY) == []
    (failure,) = _events(result, DagsterEventType.STEP_FAILURE)
    assert "ACHIEVEMENT_GITHUB_USER" in failure.step_failure_data.user_failure_data.description


def test_every_step_that_touches_the_warehouse_carries_the_one_retry_policy():
    from achievement_pipeline.definitions import defs

    loaded = defs()
    steps = [
        (key.to_user_string(), assets.node_def)
        for assets in loaded.assets or []
        if "warehouse" in assets.required_resource_keys
        for key in assets.keys
    ]
    checks = [
        (str(check_key), checks_def.node_def)
        for checks_def in loaded.asset_checks or []
        if "warehouse" in checks_def.required_resource_keys
        for check_key in checks_def.check_keys
    ]
    assert len(steps) >= 7 and len(checks) >= 5
    assert {name: node.retry_policy for name, node in steps + checks} == {
        name: STAGE_RETRY for name, _ in steps + checks
    }
