"""The code location: every asset, check, job, schedule and resource, wired in one place.

Resources read their production settings from environment variables. A setting that is
unset keeps its embedded default, so the same code runs on a laptop with no network and
in production: secrets are passed as ``EnvVar`` so only their names reach Dagster config.
"""

from __future__ import annotations

import os

from dagster import Definitions, EnvVar

from achievement_pipeline.assets.checks import stage_checks
from achievement_pipeline.assets.models import pr_models
from achievement_pipeline.automation import follow_ingest_sensor, freshness_checks, freshness_sensor
from achievement_pipeline.llm_config import env_number
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.storage import ObjectStoreResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.sensors.new_prs import new_merged_prs
from achievement_pipeline.sensors.schedules import (
    STAGE_ASSETS,
    collect_prs,
    nightly_collect,
    train_models_job,
    weekly_training,
)
from achievement_pipeline.settings import env_list


def _env(name: str, default: str = "") -> str | EnvVar:
    """EnvVar(name) when the variable is set (its value stays out of run config), else ``default``."""
    return EnvVar(name) if os.environ.get(name) else default


def build_resources() -> dict[str, object]:
    """Resources from the environment: see the README's configuration table."""
    return {
        "github": GitHubResource(
            token=_env("GITHUB_TOKEN"),
            base_url=_env("GITHUB_API_URL"),
            users=env_list("ACHIEVEMENT_GITHUB_USER"),
            orgs=env_list("ACHIEVEMENT_GITHUB_ORGS"),
            repos=env_list("ACHIEVEMENT_GITHUB_REPOS"),
            app_id=os.environ.get("GITHUB_APP_ID", ""),
            app_installation_id=os.environ.get("GITHUB_APP_INSTALLATION_ID", ""),
            app_private_key=_env("GITHUB_APP_PRIVATE_KEY"),
            max_wait_seconds=float(os.environ.get("ACHIEVEMENT_GITHUB_MAX_WAIT", "900")),
            demo_seed=int(os.environ.get("ACHIEVEMENT_DEMO_SEED", "42")),
            request_spacing_seconds=float(os.environ.get("ACHIEVEMENT_GITHUB_REQUEST_SPACING", "0.25")),
        ),
        "llm": LLMResource(
            # Ordered litellm model names; ACHIEVEMENT_LLM_MODEL (one model) is the older spelling.
            providers=env_list("ACHIEVEMENT_LLM_PROVIDERS") or env_list("ACHIEVEMENT_LLM_MODEL"),
            strong_providers=env_list("ACHIEVEMENT_LLM_STRONG_PROVIDERS"),
            api_key=_env("ACHIEVEMENT_LLM_API_KEY"),
            api_base=_env("ACHIEVEMENT_LLM_API_BASE"),
            budget_usd=env_number("ACHIEVEMENT_LLM_BUDGET_USD", 1.0),
            timeout_seconds=env_number("ACHIEVEMENT_LLM_TIMEOUT_SECONDS", 30.0, minimum=1.0),
            num_retries=int(env_number("ACHIEVEMENT_LLM_NUM_RETRIES", 2)),
            cooldown_seconds=env_number("ACHIEVEMENT_LLM_COOLDOWN_SECONDS", 60.0),
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
            public_base_url=os.environ.get("ACHIEVEMENT_EXPORT_BASE_URL", ""),
        ),
        "warehouse": WarehouseResource(url=_env("ACHIEVEMENT_WAREHOUSE_URL")),
    }


def build_definitions() -> Definitions:
    """The code location as the current environment configures it."""
    freshness = freshness_checks(STAGE_ASSETS[0], STAGE_ASSETS[-1])
    return Definitions(
        assets=[*STAGE_ASSETS, pr_models],
        asset_checks=[*stage_checks, *freshness],
        jobs=[collect_prs, train_models_job],
        schedules=[nightly_collect, weekly_training],
        sensors=[new_merged_prs, follow_ingest_sensor(STAGE_ASSETS[1:]), freshness_sensor(freshness)],
        resources=build_resources(),
    )


defs = build_definitions()
