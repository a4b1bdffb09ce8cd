"""The same end-to-end run in the production configuration: PostgreSQL and Redis, by environment only.

The Dagster instance is deploy/dagster.yaml (dagster-postgres), the warehouse is PostgreSQL
and the LLM cache is Redis, all on this machine, with a local OpenAI-compatible provider writing
the narratives (the offline summariser is not cached). On CI a missing server fails the tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance

from tests.conftest import PIPELINE_VARIABLES
from tests.fake_llm import FakeLLMProvider
from tests.pipeline_run import PipelineRun, run_month

pytestmark = pytest.mark.services
DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture(scope="module")
def production_runs(
    tmp_path_factory: pytest.TempPathFactory, fake_github, postgres_database: str, redis_namespace: str
) -> Iterator[tuple[PipelineRun, PipelineRun, DagsterInstance, str]]:
    dagster_home = tmp_path_factory.mktemp("dagster-home")
    shutil.copy(DEPLOY / "dagster.yaml", dagster_home / "dagster.yaml")
    warehouse_url = f"postgresql+psycopg2://{postgres_database}"
    with FakeLLMProvider() as provider, pytest.MonkeyPatch.context() as env:
        for name in PIPELINE_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("ACHIEVEMENT_HOME", str(tmp_path_factory.mktemp("home")))
        env.setenv("DAGSTER_HOME", str(dagster_home))
        env.setenv("DAGSTER_PG_URL", f"postgresql://{postgres_database}")
        env.setenv("ACHIEVEMENT_WAREHOUSE_URL", warehouse_url)
        env.setenv("ACHIEVEMENT_REDIS_URL", "redis://127.0.0.1:6379/0")
        env.setenv("ACHIEVEMENT_CACHE_NAMESPACE", redis_namespace)
        env.setenv("ACHIEVEMENT_LLM_PROVIDERS", "openai/gpt-4o-mini")
        env.setenv("ACHIEVEMENT_LLM_API_BASE", provider.base_url)
        env.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-test-key")
        env.setenv("GITHUB_API_URL", fake_github.base_url)
        env.setenv("GITHUB_TOKEN", "test-token-not-secret")
        env.setenv("ACHIEVEMENT_GITHUB_USER", "octo-demo")
        env.setenv("ACHIEVEMENT_GITHUB_REQUEST_SPACING", "0")
        with DagsterInstance.get() as instance:
            first = run_month(instance)
            second = run_month(instance)
            yield first, second, instance, warehouse_url


def test_runs_are_stored_in_postgresql(production_runs):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    _, _, instance, _ = production_runs
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert len(instance.get_runs()) == 6


def test_the_warehouse_tables_live_in_postgresql(production_runs):
    first, _, _, warehouse_url = production_runs
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM pull_requests")).scalar_one()
    finally:
        engine.dispose()
    assert count == len(first.snapshot["pull_requests"]) > 0


def test_rerunning_on_postgresql_leaves_the_warehouse_unchanged(production_runs):
    first, second, _, _ = production_runs
    assert second.snapshot == first.snapshot


def test_summaries_are_cached_in_redis(production_runs, redis_namespace):
    import redis

    first, _, _, _ = production_runs
    keys = list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(f"{redis_namespace}:llm:*"))  # litellm's cache
    assert len(keys) == len(first.snapshot["enriched_prs"]) > 0


def test_the_rerun_makes_no_summariser_calls_thanks_to_redis(production_runs):
    from dagster import AssetKey

    _, _, instance, _ = production_runs
    latest = instance.get_latest_materialization_event(AssetKey("enriched_prs")).asset_materialization
    assert latest.metadata["cache_backend"].value == "redis"
    assert (latest.metadata["llm_calls"].value, latest.metadata["cache_misses"].value) == (0, 0)
    assert latest.metadata["cache_hits"].value == latest.metadata["row_count"].value > 0
