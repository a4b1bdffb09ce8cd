"""The code location as Dagster's UI and CLI see it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, BackfillPolicy, DailyPartitionsDefinition

from achievement_pipeline import definitions as code_location

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio"]


def test_the_six_stages_form_one_lineage_chain():
    graph = code_location.defs().resolve_asset_graph()
    for upstream, downstream in zip(STAGES, STAGES[1:], strict=False):
        assert AssetKey(upstream) in graph.get(AssetKey(downstream)).parent_keys, (upstream, downstream)


def test_the_models_feed_predictions_from_the_enriched_history():
    graph = code_location.defs().resolve_asset_graph()
    assert AssetKey("enriched_prs") in graph.get(AssetKey("pr_models")).parent_keys
    assert AssetKey("pr_models") in graph.get(AssetKey("predictions")).parent_keys


def test_every_stage_is_partitioned_by_utc_day_with_one_run_backfills():
    graph = code_location.defs().resolve_asset_graph()
    for stage in (graph.get(AssetKey(key)) for key in STAGES):
        assert isinstance(stage.partitions_def, DailyPartitionsDefinition), stage.key
        assert stage.partitions_def.timezone == "UTC"
        assert stage.backfill_policy == BackfillPolicy.single_run(), stage.key


def test_every_stage_table_has_a_blocking_expectations_check():
    graph = code_location.defs().resolve_asset_graph()
    checked = {key.asset_key.path[-1] for key in graph.asset_check_keys if key.name.endswith("_expectations")}
    assert checked == set(STAGES[:-1])


def test_secrets_reach_resources_as_environment_variable_names_only(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secretvalue000000000000000000000")
    monkeypatch.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-secretvalue0000000000000")
    resources = code_location.defs().resources
    assert "ghp_secretvalue" not in repr(resources["github"])
    assert "sk-secretvalue" not in repr(resources["llm"])


def test_the_code_location_loads_without_heavy_libraries():
    code = (
        "import sys, achievement_pipeline.definitions as d; "
        "heavy = ('great_expectations', 'litellm', 'mlflow', 'weasyprint', 'sklearn'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_dg_check_defs_accepts_the_project():
    dg = Path(sys.executable).with_name("dg")
    result = subprocess.run([str(dg), "check", "defs"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_daily_schedule_asks_for_yesterdays_partition():
    from datetime import UTC, datetime

    from dagster import build_schedule_context

    definitions = code_location.defs()
    schedule = definitions.resolve_schedule_def("nightly_collect")
    when = datetime(2025, 3, 2, 2, 0, tzinfo=UTC)
    context = build_schedule_context(scheduled_execution_time=when, repository_def=definitions.get_repository_def())
    requests = schedule.evaluate_tick(context).run_requests
    assert [request.partition_key for request in requests] == ["2025-03-01"]


def test_every_asset_says_what_it_is_who_owns_it_and_its_code_version():
    for node in code_location.defs().resolve_asset_graph().asset_nodes:
        assert node.description and node.owners and node.code_version, node.key


def test_warehouse_backed_stages_publish_their_column_schema():
    from achievement_pipeline.core.warehouse import TABLES

    graph = code_location.defs().resolve_asset_graph()
    for table in STAGES[:-1]:
        schema = graph.get(AssetKey(table)).metadata["dagster/column_schema"]
        assert [column.name for column in schema.columns] == [c.name for c in TABLES[table].columns], table
