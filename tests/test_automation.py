"""Stages after ingest follow it by their automation conditions; freshness checks say when data is late.

Materializations are reported to an ephemeral instance (no run executes), so these tests are
about the conditions Dagster's automation sensor evaluates, not about the stages' work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    Definitions,
    evaluate_automation_conditions,
)

from achievement_pipeline import definitions as code_location

DAY = "2025-02-04"
FOLLOWERS = ["enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio"]


@pytest.fixture
def defs() -> Definitions:
    return code_location.defs()


@pytest.fixture
def instance() -> DagsterInstance:
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def materialized(instance: DagsterInstance, asset: str, partition: str | None = DAY) -> None:
    instance.report_runless_asset_event(AssetMaterialization(asset_key=asset, partition=partition))


def requested(result) -> dict[str, set[str]]:
    return {
        key: set(result.get_requested_partitions(AssetKey(key)))
        for key in FOLLOWERS
        if result.get_num_requested(AssetKey(key))
    }


def test_an_ingested_day_is_carried_through_every_later_stage_once_models_exist(defs, instance):
    materialized(instance, "pr_models", None)
    cursor = evaluate_automation_conditions(defs=defs, instance=instance).cursor
    materialized(instance, "pull_requests")
    result = evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert requested(result) == {stage: {DAY} for stage in FOLLOWERS}


def test_without_trained_models_only_enrich_follows_and_predictions_wait(defs, instance):
    cursor = evaluate_automation_conditions(defs=defs, instance=instance).cursor
    materialized(instance, "pull_requests")
    result = evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert requested(result) == {"enriched_prs": {DAY}}


def test_a_day_already_handled_is_not_requested_again(defs, instance):
    materialized(instance, "pr_models", None)
    cursor = evaluate_automation_conditions(defs=defs, instance=instance).cursor
    materialized(instance, "pull_requests")
    cursor = evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor).cursor
    assert evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor).total_requested == 0


def test_retraining_the_models_does_not_recompute_history(defs, instance):
    materialized(instance, "pr_models", None)
    materialized(instance, "pull_requests")
    cursor = evaluate_automation_conditions(defs=defs, instance=instance).cursor
    for stage in FOLLOWERS:
        materialized(instance, stage)
    cursor = evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor).cursor
    materialized(instance, "pr_models", None)
    assert evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor).total_requested == 0


def test_the_schedule_and_sensor_start_only_ingest(defs):
    job = defs.resolve_job_def("collect_prs")
    assert job.asset_layer.executable_asset_keys == {AssetKey("pull_requests")}
    assert defs.resolve_sensor_def("new_merged_prs").job_name == "collect_prs"
    assert defs.resolve_schedule_def("nightly_collect").job_name == "collect_prs"


def test_the_automation_and_freshness_sensors_are_on_by_default(defs):
    from dagster import DefaultSensorStatus

    for name in ("follow_ingest", "freshness_checks"):
        assert defs.resolve_sensor_def(name).default_status == DefaultSensorStatus.RUNNING, name


def _freshness(defs: Definitions, instance: DagsterInstance, asset: str) -> tuple[bool, dict]:
    from dagster import AssetCheckKey, AssetSelection, define_asset_job

    key = AssetCheckKey(AssetKey(asset), "yesterday_arrived")
    checking = Definitions.merge(defs, Definitions(jobs=[define_asset_job("check", AssetSelection.checks(key))]))
    result = checking.resolve_job_def("check").execute_in_process(instance=instance, raise_on_error=False)
    evaluation = result.get_asset_check_evaluations()[0]
    return evaluation.passed, evaluation.metadata


@pytest.mark.parametrize("asset", ["pull_requests", "portfolio"])
def test_freshness_warns_until_yesterdays_partition_exists(defs, instance, asset):
    from achievement_pipeline.defs.automation.freshness import EXPORT_DEADLINE, INGEST_DEADLINE, expected_partition

    deadline = INGEST_DEADLINE if asset == "pull_requests" else EXPORT_DEADLINE
    day, _ = expected_partition(datetime.now(UTC), deadline)
    materialized(instance, asset, (day - timedelta(days=1)).isoformat())  # an older day does not count
    passed, metadata = _freshness(defs, instance, asset)
    assert not passed and metadata["overdue_seconds"].value >= 0
    materialized(instance, asset, day.isoformat())
    passed, metadata = _freshness(defs, instance, asset)
    assert passed and "dagster/fresh_until_timestamp" in metadata


def test_before_the_deadline_the_day_before_yesterday_is_expected():
    from achievement_pipeline.defs.automation.freshness import expected_partition

    before = expected_partition(datetime(2025, 3, 10, 3, 59, tzinfo=UTC), time(4, 0))
    after = expected_partition(datetime(2025, 3, 10, 4, 0, tzinfo=UTC), time(4, 0))
    assert before == (date(2025, 3, 8), datetime(2025, 3, 9, 4, 0, tzinfo=UTC))
    assert after == (date(2025, 3, 9), datetime(2025, 3, 10, 4, 0, tzinfo=UTC))
