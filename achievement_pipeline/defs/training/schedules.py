"""The training job and its weekly schedule."""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

train_models = define_asset_job(
    "train_models",
    selection=AssetSelection.assets("pr_models"),
    description="Refit the category and review-sentiment models on the whole warehouse history.",
)
weekly_training = ScheduleDefinition(
    job=train_models,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    description="Retrain weekly; a new version becomes champion only if it beats the current one.",
    # On from the start, as the README says: unchanged data registers nothing, so an idle week costs a fit.
    default_status=DefaultScheduleStatus.RUNNING,
)
