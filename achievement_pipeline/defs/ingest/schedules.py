"""The ingest job and its nightly schedule: what is started by itself, and when (the sensor is in ``sensors``)."""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from achievement_pipeline.core import settings

# Runs sharing a GitHub token share its rate limit: the run queue (deploy/dagster.yaml, the Helm
# values) allows one run per token name at a time, so every run of the job carries the name.
GITHUB_TOKEN_TAG = "achievement/github-token"

# Only ingest is started by the schedule and the sensor: the later stages follow it by their
# automation conditions (``defs/automation``); the models have their own job (``defs/training``).
collect_prs = define_asset_job(
    "collect_prs",
    selection=AssetSelection.assets("pull_requests"),
    description="Collect one or more days of merged PRs from GitHub; enrich through export follow by themselves.",
    tags={GITHUB_TOKEN_TAG: settings.text("ACHIEVEMENT_GITHUB_TOKEN_NAME")},
)


@schedule(
    name="nightly_collect",
    job=collect_prs,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Collects yesterday's merged PRs every day at 02:00 UTC; the later stages follow.",
    default_status=DefaultScheduleStatus.RUNNING,  # on from the start, as the README says
)
def nightly_collect(context: ScheduleEvaluationContext) -> RunRequest:
    """Yesterday's partition (the partitions run to today, which the new-PR sensor keeps fresh)."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return RunRequest(partition_key=day, run_key=f"daily:{day}")
