"""Text a database refuses never stops ingest: kept whole in the raw copy, made storable in the stage tables.

PostgreSQL's text cannot hold NUL and no UTF-8 column can hold a lone surrogate; GitHub will send
both in a PR body. The collector's raw copy keeps them (its JSON escapes them), and every stage
table write turns each into U+FFFD (``core.warehouse.storable``), on SQLite and PostgreSQL alike.
The PostgreSQL tests are skipped locally without the server and fail on CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from dagster import DagsterInstance, materialize

from achievement_pipeline.core.warehouse import REPLACEMENT_CHARACTER, connect, storable
from achievement_pipeline.defs.ingest.assets import pull_requests
from achievement_pipeline.fakes.github import FakeGitHub
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.sources.github.store import GitHubStore, SourceState
from tests.factories import make_pr

DAY, NEXT_DAY = date(2025, 1, 3), date(2025, 1, 4)  # make_pr's merge day
# A NUL, a lone surrogate (what JSON's "\ud800" decodes to), and an emoji that is stored as it is.
HOSTILE = "Parser fix.\x00 Input was \ud800 cut; \U0001f600 stays."
CLEANED = "Parser fix.\ufffd Input was \ufffd cut; \U0001f600 stays."
# What GitHub itself sends: JSON escapes NUL as "\u0000" (the fake GitHub, like GitHub, writes no lone surrogate).
FROM_GITHUB = "Parser fix.\x00 Input was cut; \U0001f600 stays."


def test_nul_and_a_lone_surrogate_become_the_replacement_character():
    assert storable("a\x00b\udc00c") == f"a{REPLACEMENT_CHARACTER}b{REPLACEMENT_CHARACTER}c"


def test_a_surrogate_pair_held_as_two_code_points_is_joined_into_its_character():
    assert storable("\ud83d\ude00") == "\U0001f600"


def test_text_inside_lists_and_nested_objects_is_cleaned_and_other_values_are_kept():
    row = {"labels": ["bug\x00"], "reviews": [{"body": "ok\x00"}], "additions": 3, "merged": True, "none": None}
    assert storable(row) == {
        "labels": ["bug\ufffd"],
        "reviews": [{"body": "ok\ufffd"}],
        "additions": 3,
        "merged": True,
        "none": None,
    }


def test_clean_text_is_left_exactly_as_it_was():
    text = "Straße — naïve café ✓ 日本語"
    assert storable(text) is text


@pytest.fixture(scope="module")
def postgres_url(postgres_database: str) -> str:
    return f"postgresql+psycopg2://{postgres_database}"


def _hostile_pr(number: int) -> dict:
    pr = dict(make_pr(number, title="fix: parse \x00 safely", body=HOSTILE))
    pr["reviews"] = [{**pr["reviews"][0], "body": "LGTM\x00"}]
    return pr


def test_a_pr_whose_text_holds_nul_is_written_to_postgresql_with_replacement_characters(postgres_url):
    warehouse = connect(postgres_url)
    warehouse.replace_window("pull_requests", DAY, NEXT_DAY, [_hostile_pr(1)])
    (row,) = warehouse.read_window("pull_requests", DAY, NEXT_DAY)
    assert (row["title"], row["body"], row["reviews"][0]["body"]) == ("fix: parse \ufffd safely", CLEANED, "LGTM\ufffd")


def test_sqlite_stores_the_same_cleaned_rows_as_postgresql(postgres_url, tmp_path):
    sqlite = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    for warehouse in (sqlite, connect(postgres_url)):
        warehouse.replace_window("pull_requests", DAY, NEXT_DAY, [_hostile_pr(2)])
    assert sqlite.read_window("pull_requests", DAY, NEXT_DAY) == connect(postgres_url).read_window(
        "pull_requests", DAY, NEXT_DAY
    )


def test_the_collectors_raw_copy_keeps_every_character_on_postgresql(postgres_url):
    store = GitHubStore(connect(postgres_url).engine)
    pr = _hostile_pr(3)
    store.save("test:raw", "user:octo-demo", SourceState(), [(pr, pr["merged_at"])])  # type: ignore[list-item]
    (copy,) = store.read_window("test:raw", ["user:octo-demo"], DAY, NEXT_DAY)
    assert (copy["title"], copy["body"], copy["reviews"][0]["body"]) == (pr["title"], HOSTILE, "LGTM\x00")


@pytest.fixture
def hostile_github() -> Iterator[tuple[FakeGitHub, str, date]]:
    """The fake GitHub with one merged PR whose title and body hold a NUL: (server, its pr_id, its merge day)."""
    history = generate_history(seed=42)
    pull = history.merged_pulls("octo-demo")[0]
    assert pull.merged_at is not None
    hostile = replace(pull, title=f"{pull.title}\x00", body=FROM_GITHUB)
    with FakeGitHub(history.with_pulls([hostile])) as server:
        yield server, pull.pr_id, pull.merged_at.date()


def test_ingest_of_a_pr_with_nul_in_its_body_succeeds_on_postgresql_and_on_every_rerun(
    pipeline_home, postgres_url, hostile_github
):
    server, pr_id, day = hostile_github
    github = GitHubResource(base_url=server.base_url, token="t", users=["octo-demo"], request_spacing_seconds=0)
    resources = {"github": github, "warehouse": WarehouseResource(url=postgres_url)}
    with DagsterInstance.ephemeral() as instance:
        # The second and third runs read the stored raw copy again (GitHub answers 304): it must not poison them.
        results = [
            materialize([pull_requests], partition_key=day.isoformat(), instance=instance, resources=resources)
            for _ in range(3)
        ]
    assert all(result.success for result in results)
    warehouse = connect(postgres_url)
    (row,) = [r for r in warehouse.read_window("pull_requests", day, day + timedelta(days=1)) if r["pr_id"] == pr_id]
    assert row["body"] == FROM_GITHUB.replace("\x00", "\ufffd") and row["title"].endswith("\ufffd")
    raw = GitHubStore(warehouse.engine).read_window(github.server_key(), ["user:octo-demo"], day, day + timedelta(1))
    assert next(copy["body"] for copy in raw if copy["pr_id"] == pr_id) == FROM_GITHUB


def test_a_statement_typed_with_a_nul_is_kept_as_curation_on_postgresql(postgres_url):
    from achievement_pipeline.export.curation import FROM_UI, STATEMENT, CurationStore, choice

    store = CurationStore(connect(postgres_url).engine)
    store.set([choice(STATEMENT, "acme/web-app#4", text="Cut p95\x00 latency", by="ada", source=FROM_UI)])
    assert [item.text for item in store.all()] == ["Cut p95\ufffd latency"]
