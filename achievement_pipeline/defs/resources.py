"""Every resource, built from the settings: the embedded default unless a variable switches it.

A variable that is set reaches its resource as ``EnvVar(name)``, so run config, the UI and
the logs show the variable's name and never its value; an unset one keeps the embedded
default. See ``core/settings.py`` (and the README's configuration table) for every variable.
"""

from __future__ import annotations

import dagster as dg

from achievement_pipeline.core import settings
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.storage import ObjectStoreResource
from achievement_pipeline.resources.warehouse import WarehouseResource


def _configured(name: str, default: str = "") -> str | dg.EnvVar:
    """EnvVar(name) when the variable is set (its value stays out of run config), else ``default``."""
    return dg.EnvVar(name) if settings.is_set(name) else default


def build_resources() -> dict[str, object]:
    """The resources the stages ask for by name, configured from the environment."""
    return {
        "github": GitHubResource(
            token=_configured("GITHUB_TOKEN"),
            base_url=_configured("GITHUB_API_URL"),
            users=settings.names("ACHIEVEMENT_GITHUB_USER"),
            orgs=settings.names("ACHIEVEMENT_GITHUB_ORGS"),
            repos=settings.names("ACHIEVEMENT_GITHUB_REPOS"),
            app_id=settings.text("GITHUB_APP_ID"),
            app_installation_id=settings.text("GITHUB_APP_INSTALLATION_ID"),
            app_private_key=_configured("GITHUB_APP_PRIVATE_KEY"),
            max_wait_seconds=settings.number("ACHIEVEMENT_GITHUB_MAX_WAIT"),
            demo_seed=int(settings.number("ACHIEVEMENT_DEMO_SEED")),
            request_spacing_seconds=settings.number("ACHIEVEMENT_GITHUB_REQUEST_SPACING"),
        ),
        "llm": LLMResource(
            # Ordered litellm model names; ACHIEVEMENT_LLM_MODEL (one model) is the older spelling.
            providers=settings.names("ACHIEVEMENT_LLM_PROVIDERS") or settings.names("ACHIEVEMENT_LLM_MODEL"),
            strong_providers=settings.names("ACHIEVEMENT_LLM_STRONG_PROVIDERS"),
            api_key=_configured("ACHIEVEMENT_LLM_API_KEY"),
            api_base=_configured("ACHIEVEMENT_LLM_API_BASE"),
            budget_usd=settings.number("ACHIEVEMENT_LLM_BUDGET_USD"),
            timeout_seconds=settings.number("ACHIEVEMENT_LLM_TIMEOUT_SECONDS"),
            num_retries=int(settings.number("ACHIEVEMENT_LLM_NUM_RETRIES")),
            cooldown_seconds=settings.number("ACHIEVEMENT_LLM_COOLDOWN_SECONDS"),
            breaker_failures=int(settings.number("ACHIEVEMENT_LLM_BREAKER_FAILURES")),
            concurrency=int(settings.number("ACHIEVEMENT_LLM_CONCURRENCY")),
            rpm=settings.number("ACHIEVEMENT_LLM_RPM"),
        ),
        "cache": CacheResource(
            redis_url=_configured("ACHIEVEMENT_REDIS_URL"),
            namespace=settings.text("ACHIEVEMENT_CACHE_NAMESPACE"),
            llm_ttl_seconds=settings.number("ACHIEVEMENT_LLM_CACHE_TTL"),
        ),
        "mlflow": MlflowResource(
            tracking_uri=_configured("MLFLOW_TRACKING_URI"), registry_uri=_configured("MLFLOW_REGISTRY_URI")
        ),
        "storage": ObjectStoreResource(
            bucket=_configured("ACHIEVEMENT_S3_BUCKET"),
            prefix=settings.text("ACHIEVEMENT_S3_PREFIX"),
            endpoint_url=_configured("ACHIEVEMENT_S3_ENDPOINT_URL"),
            region_name=_configured("AWS_REGION"),
            local_dir=_configured("ACHIEVEMENT_EXPORT_DIR"),
            public_base_url=settings.text("ACHIEVEMENT_EXPORT_BASE_URL"),
        ),
        "warehouse": WarehouseResource(url=_configured("ACHIEVEMENT_WAREHOUSE_URL")),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
