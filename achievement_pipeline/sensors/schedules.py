"""Jobs and schedules: what is started by itself, and when (the new-PR sensor is in ``new_prs``)."""

import os
from datetime import timedelta

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from achievement_pipeline.assets.enrich import enriched_prs
from achievement_pipeline.assets.export import portfolio
from achievement_pipeline.assets.ingest import pull_requests
from achievement_pipeline.assets.models import pr_models
from achievement_pipeline.assets.predict import predictions
from achievement_pipeline.assets.validate import validated_achievements
from achievement_pipeline.assets.value import valuations

STAGE_ASSETS = [pull_requests, enriched_prs, predictions, valuations, validated_achievements, portfolio]

# Runs sharing a GitHub token share its rate limit: the run queue (deploy/dagster.yaml, the Helm
# values) allows one run per token name at a time, so every run of the job carries the name.
GITHUB_TOKEN_TAG = "achievement/github-token"

# Only ingest is started by the schedule and the sensor: the later stages follow it by their
# automation conditions (``achievement_pipeline.automation``); the models have their own job.
collect_prs = define_asset_job(
    "collect_prs",
    selection=AssetSelection.assets(pull_requests),
    description="Collect one or more days of merged PRs from GitHub; enrich through export follow by themselves.",
    tags={GITHUB_TOKEN_TAG: os.environ.get("ACHIEVEMENT_GITHUB_TOKEN_NAME", "default")},
)


@schedule(
    name="nightly_collect",
    job=collect_prs,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Collects yesterday's merged PRs every day at 02:00 UTC; the later stages follow.",
)
def nightly_collect(context: ScheduleEvaluationContext) -> RunRequest:
    """Yesterday's partition (the partitions run to today, which the new-PR sensor keeps fresh)."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return RunRequest(partition_key=day, run_key=f"daily:{day}")


train_models_job = define_asset_job(
    "train_models",
    selection=AssetSelection.assets(pr_models),
    description="Refit the category, impact and review-sentiment models on the whole warehouse history.",
)
weekly_training = ScheduleDefinition(
    job=train_models_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    description="Retrain weekly; a new version becomes champion only if it beats the current one.",
)
