"""The code location: every asset, check, job, schedule and resource, wired in one place.

Resources read their production settings from environment variables. A setting that is
unset keeps its embedded default, so the same code runs on a laptop with no network and
in production: secrets are passed as ``EnvVar`` so only their names reach Dagster config.
"""

from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from achievement_pipeline.assets.checks import stage_checks
from achievement_pipeline.assets.enrich import enriched_prs
from achievement_pipeline.assets.export import portfolio
from achievement_pipeline.assets.ingest import pull_requests
from achievement_pipeline.assets.models import pr_models
from achievement_pipeline.assets.predict import predictions
from achievement_pipeline.assets.validate import validated_achievements
from achievement_pipeline.assets.value import valuations
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.storage import ObjectStoreResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.settings import env_list


def _env(name: str, default: str = "") -> str | EnvVar:
    """EnvVar(name) when the variable is set (its value stays out of run config), else ``default``."""
    return EnvVar(name) if os.environ.get(name) else default


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


def build_resources() -> dict[str, object]:
    """Resources from the environment: see the README's configuration table."""
    return {
        "github": GitHubResource(
            token=_env("GITHUB_TOKEN"),
            base_url=_env("GITHUB_API_URL"),
            users=env_list("ACHIEVEMENT_GITHUB_USER"),
            repos=env_list("ACHIEVEMENT_GITHUB_REPOS"),
            demo_seed=int(os.environ.get("ACHIEVEMENT_DEMO_SEED", "42")),
            request_spacing_seconds=float(os.environ.get("ACHIEVEMENT_GITHUB_REQUEST_SPACING", "0.25")),
        ),
        "llm": LLMResource(
            model=_env("ACHIEVEMENT_LLM_MODEL"),
            api_key=_env("ACHIEVEMENT_LLM_API_KEY"),
            api_base=_env("ACHIEVEMENT_LLM_API_BASE"),
        ),
        "cache": CacheResource(
            redis_url=_env("ACHIEVEMENT_REDIS_URL"),
            namespace=os.environ.get("ACHIEVEMENT_CACHE_NAMESPACE", "achievement-pipeline"),
        ),
        "mlflow": MlflowResource(tracking_uri=_env("MLFLOW_TRACKING_URI"), registry_uri=_env("MLFLOW_REGISTRY_URI")),
        "storage": ObjectStoreResource(
            bucket=_env("ACHIEVEMENT_S3_BUCKET"),
            prefix=os.environ.get("ACHIEVEMENT_S3_PREFIX", "portfolio"),
            endpoint_url=_env("ACHIEVEMENT_S3_ENDPOINT_URL"),
            region_name=_env("AWS_REGION"),
            local_dir=_env("ACHIEVEMENT_EXPORT_DIR"),
        ),
        "warehouse": WarehouseResource(url=_env("ACHIEVEMENT_WAREHOUSE_URL")),
    }


def build_definitions() -> Definitions:
    """The code location as the current environment configures it."""
    return Definitions(
        assets=[*STAGE_ASSETS, pr_models],
        asset_checks=stage_checks,
        jobs=[daily_pipeline, train_models_job],
        schedules=[daily_schedule, weekly_training],
        resources=build_resources(),
    )


defs = build_definitions()
