"""The metric sources of ``achievement-metrics`` (``cli/metrics.py``), configured like the pipeline.

They read the Dagster instance of ``DAGSTER_HOME`` (``deploy/dagster.yaml`` in production, so
``DAGSTER_PG_URL``), the warehouse of ``ACHIEVEMENT_WAREHOUSE_URL`` and the MLflow registry of
``MLFLOW_TRACKING_URI``, each unset variable keeping the pipeline's embedded default. It needs
no secret of its own and prints none: only variable names appear in its output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from achievement_pipeline.core import settings
from achievement_pipeline.monitoring.sources import GuardedCollector, Source

if TYPE_CHECKING:  # pragma: no cover - typing only
    from dagster import DagsterInstance

SOURCES = ("runs", "events", "warehouse", "models")


def build_sources(names: Sequence[str], instance: DagsterInstance | None = None) -> list[Source]:
    """The named sources, configured from the environment (and ``instance`` when given)."""
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown metrics source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}")
    sources: list[Source] = []
    if {"runs", "events"} & set(names) and instance is None:
        from dagster import DagsterInstance

        instance = DagsterInstance.get()
    for name in names:
        if name == "runs":
            from achievement_pipeline.monitoring.runs import RunsSource

            sources.append(RunsSource(instance))  # type: ignore[arg-type]
        elif name == "events":
            from achievement_pipeline.monitoring.events import EventsSource

            sources.append(EventsSource(instance))  # type: ignore[arg-type]
        elif name == "warehouse":
            from achievement_pipeline.monitoring.warehouse import WarehouseSource
            from achievement_pipeline.resources.warehouse import WarehouseResource

            url = WarehouseResource(url=settings.text("ACHIEVEMENT_WAREHOUSE_URL")).resolved_url()
            sources.append(WarehouseSource(url))
        elif name == "models":
            from achievement_pipeline.monitoring.model_registry import ModelsSource
            from achievement_pipeline.resources.mlflow import MlflowResource

            mlflow = MlflowResource(
                tracking_uri=settings.text("MLFLOW_TRACKING_URI"),
                registry_uri=settings.text("MLFLOW_REGISTRY_URI"),
            )
            ttl = settings.number("ACHIEVEMENT_METRICS_MODELS_TTL")
            sources.append(ModelsSource(mlflow.resolved_tracking_uri(), mlflow.resolved_registry_uri(), ttl))
    return sources


def build_registry(sources: Sequence[Source]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GuardedCollector(sources))
    return registry
