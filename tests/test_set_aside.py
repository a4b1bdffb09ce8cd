"""A stored copy that cannot be read as a PR is set aside with its reason, and never fails a window again.

The collector's store is re-read on every ingest of a window (GitHub answers 304 for what did not
change), so one malformed copy (a hand edit, a bug of an older version, a half-restored backup)
would otherwise fail that day's ingest forever. It is moved to ``github_pulls_set_aside`` with
why and when; the ingest succeeds without it and says so in its metadata, run after run, until
GitHub sends a fresh copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, materialize

from achievement_pipeline.defs.ingest.assets import pull_requests
from achievement_pipeline.fakes.github import FakeGitHub
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.sources.github.store import GitHubStore, SourceState, pulls_table, set_aside_table
from tests.factories import make_pr
from tests.github_support import QUARTER, USERS, memory_engine, resource

SERVER, SOURCE = "test:set-aside", "user:octo-demo"
DAY, NEXT_DAY = date(2025, 1, 3), date(2025, 1, 4)  # make_pr's merge day


def _store_with(*numbers: int) -> GitHubStore:
    store = GitHubStore(memory_engine())
    prs = [make_pr(n) for n in numbers]
    store.save(SERVER, SOURCE, SourceState(), [(pr, pr["merged_at"]) for pr in prs])
    return store


def _corrupt(engine: sa.Engine, pr_id: str, stored: str) -> None:
    """Replace a stored copy's JSON with ``stored`` (SQL, not the store's API), as a hand edit or a bug would."""
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE github_pulls SET record = :stored WHERE pr_id = :pr_id"), {"stored": stored, "pr_id": pr_id}
        )


def test_a_copy_that_is_not_json_is_left_out_and_the_rest_of_the_window_is_read():
    store = _store_with(1, 2)
    _corrupt(store.engine, "acme/web-app#1", '{"pr_id": "acme/web-app#1", "title": ')
    assert [pr["pr_id"] for pr in store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)] == ["acme/web-app#2"]


def test_a_copy_set_aside_carries_its_reason_and_when():
    store = _store_with(1)
    _corrupt(store.engine, "acme/web-app#1", "not json at all")
    before = datetime.now().astimezone()
    store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)
    (item,) = store.set_aside(SERVER, [SOURCE], DAY, NEXT_DAY)
    assert (item.pr_id, item.source, item.merge_date) == ("acme/web-app#1", SOURCE, "2025-01-03")
    assert item.reason.startswith("the stored copy is not JSON")
    assert datetime.fromisoformat(item.set_aside_at.replace("Z", "+00:00")) >= before.replace(microsecond=0)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda pr: pr.pop("title"), "title is missing"),
        (lambda pr: pr.update(additions="120"), "additions is str, not int"),
        (lambda pr: pr["files"][1].update(filename=None), "files[1].filename is null, not str"),
        (lambda pr: pr.update(author="x" * 101), "author has 101 characters, more than 100"),
        (lambda pr: pr.update(merge_date="2025-01-04"), "its merge_date differs"),
    ],
    ids=["missing field", "wrong kind", "bad nested item", "too long for its column", "moved day"],
)
def test_a_copy_that_breaks_the_record_contract_is_set_aside_with_what_is_wrong(damage, reason):
    import json

    store = _store_with(1)
    pr = dict(make_pr(1))
    damage(pr)
    _corrupt(store.engine, "acme/web-app#1", json.dumps(pr))
    assert store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY) == []
    (item,) = store.set_aside(SERVER, [SOURCE], DAY, NEXT_DAY)
    assert reason in item.reason


def test_a_set_aside_copy_is_not_read_again():
    store = _store_with(1)
    _corrupt(store.engine, "acme/web-app#1", "{")
    store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(pulls_table)).scalar_one() == 0
        assert conn.execute(sa.select(set_aside_table.c.record)).scalar_one() == "{"  # kept as it was, to inspect


def test_a_fresh_copy_from_github_replaces_the_set_aside_one():
    store = _store_with(1)
    _corrupt(store.engine, "acme/web-app#1", "{")
    store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)
    fresh = make_pr(1, title="fix(api): a fresh copy")
    store.save(SERVER, SOURCE, SourceState(), [(fresh, "2025-01-05T00:00:00Z")])
    assert [pr["title"] for pr in store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)] == ["fix(api): a fresh copy"]
    assert store.set_aside(SERVER, [SOURCE], DAY, NEXT_DAY) == []


def test_every_copy_the_collector_stores_reads_back_as_a_sound_record():
    history = generate_history(users=USERS, prs_per_week=30)
    engine = memory_engine()
    with FakeGitHub(history) as fake:
        collection = resource(fake).collect(*QUARTER, engine)
    assert collection.prs and collection.set_aside == []


# --- through Dagster, on SQLite and on PostgreSQL ------------------------------------------------------------


@pytest.fixture
def github() -> Iterator[tuple[GitHubResource, date]]:
    """The resource reading octo-demo's PRs from a fake GitHub, and a day with at least two merged PRs."""
    history = generate_history(seed=42)
    days = sorted(p.merged_at.date() for p in history.merged_pulls("octo-demo") if p.merged_at is not None)
    day = next(d for d in days if days.count(d) >= 2)
    with FakeGitHub(history) as server:
        yield GitHubResource(base_url=server.base_url, token="t", users=["octo-demo"], request_spacing_seconds=0), day


@pytest.mark.parametrize(
    ("backend", "stored", "reason"),
    [
        ("sqlite", '{"pr_id": "cut off', "the stored copy is not JSON"),
        # PostgreSQL's json type refuses malformed JSON, so what reaches it is well-formed but not a PR.
        ("postgresql", '{"number": 7}', "pr_id is missing"),
    ],
)
def test_a_poisoned_stored_copy_is_set_aside_and_that_days_ingest_succeeds_now_and_later(
    request, pipeline_home, github, backend, stored, reason
):
    resource_, day = github
    url = f"postgresql+psycopg2://{request.getfixturevalue('postgres_database')}" if backend == "postgresql" else ""
    resources = {"github": resource_, "warehouse": WarehouseResource(url=url)}
    warehouse = WarehouseResource(url=url).get()
    window = (day, day + timedelta(days=1))

    def ingest():
        with DagsterInstance.ephemeral() as instance:
            result = materialize([pull_requests], partition_key=day.isoformat(), instance=instance, resources=resources)
        assert result.success
        metadata = result.asset_materializations_for_node("pull_requests")[0].metadata
        return metadata["unreadable_copies"].value, metadata["unreadable_copies_set_aside"].value

    assert ingest() == (0, [])
    collected = [row["pr_id"] for row in warehouse.read_window("pull_requests", *window)]
    poisoned = collected[0]
    _corrupt(warehouse.engine, poisoned, stored)

    for _ in range(2):  # the run that finds it, and every later run of that day
        count, items = ingest()
        assert count == 1 and [item["pr_id"] for item in items] == [poisoned]
        assert reason in items[0]["reason"] and items[0]["set_aside_at"]
        assert [row["pr_id"] for row in warehouse.read_window("pull_requests", *window)] == collected[1:]
