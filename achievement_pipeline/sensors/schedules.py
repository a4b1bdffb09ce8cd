"""Jobs and schedules: what runs by itself, and when."""

from dagster import AssetSelection, ScheduleDefinition, build_schedule_from_partitioned_job, define_asset_job

from achievement_pipeline.assets.enrich import enriched_prs
from achievement_pipeline.assets.export import portfolio
from achievement_pipeline.assets.ingest import pull_requests
from achievement_pipeline.assets.models import pr_models
from achievement_pipeline.assets.predict import predictions
from achievement_pipeline.assets.validate import validated_achievements
from achievement_pipeline.assets.value import valuations

STAGE_ASSETS = [pull_requests, enriched_prs, predictions, valuations, validated_achievements, portfolio]

# The daily job covers the partitioned stages; the models are trained by their own asset.
daily_pipeline = define_asset_job(
    "daily_pipeline",
    selection=AssetSelection.assets(*STAGE_ASSETS),
    description="Ingest, enrich, predict, value, validate and export one or more days of merged PRs.",
)
daily_schedule = build_schedule_from_partitioned_job(
    daily_pipeline, hour_of_day=2, description="Yesterday's merged PRs, every day at 02:00 UTC."
)
train_models_job = define_asset_job(
    "train_models",
    selection=AssetSelection.assets(pr_models),
    description="Refit the category and impact models on the whole warehouse history.",
)
weekly_training = ScheduleDefinition(
    job=train_models_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    description="Retrain weekly; a new version becomes champion only if it beats the current one.",
)
