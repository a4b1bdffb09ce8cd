"""The MLflow registry as metrics: every model version's holdout scores, and which one is champion.

Models change weekly at most while Prometheus scrapes every few seconds, and the MLflow
client is slow to import and query: the registry is read at most once per ``ttl_seconds``
and the figures are served from memory in between. Every registered model is read, so a new
model (the sentiment model, say) appears without a change here. Versions are read newest
first, at most ``MAX_VERSIONS`` per model: enough to compare a champion with its predecessors,
bounded so a model retrained daily for years does not grow the scrape.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric

from achievement_pipeline.ml.registry import CHAMPION_ALIAS

MAX_VERSIONS = 10


@dataclass(frozen=True)
class Champion:
    model: str
    version: int | None
    updated: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionScores:
    """The metrics a model version's training run logged (holdout_macro_f1, holdout_accuracy, n_holdout, ...)."""

    model: str
    version: int
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    champions: list[Champion] = field(default_factory=list)
    versions: list[VersionScores] = field(default_factory=list)


def read_registry(tracking_uri: str, registry_uri: str | None, max_versions: int = MAX_VERSIONS) -> Registry:
    """Every registered model: its champion (version None without the alias) and its newest versions' scores."""
    from achievement_pipeline.ml.mlflow_env import mlflow_session

    registry = Registry()
    with mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient()
        for registered in _all_registered_models(client):
            champion = (registered.aliases or {}).get(CHAMPION_ALIAS)
            versions = client.search_model_versions(
                f"name = '{_quoted(registered.name)}'", max_results=max_versions, order_by=["version_number DESC"]
            )
            runs: dict[str, dict[str, float]] = {}
            for details in versions:
                metrics = _run_metrics(client, details.run_id, runs)
                registry.versions.append(VersionScores(registered.name, int(details.version), metrics))
            if champion is None:
                registry.champions.append(Champion(registered.name, None))
                continue
            details = client.get_model_version(registered.name, str(champion))
            updated = details.last_updated_timestamp or details.creation_timestamp
            registry.champions.append(
                Champion(
                    model=registered.name,
                    version=int(champion),
                    updated=updated / 1000 if updated else None,
                    metrics=_run_metrics(client, details.run_id, runs),
                )
            )
    return registry


def _run_metrics(client: Any, run_id: str | None, cache: dict[str, dict[str, float]]) -> dict[str, float]:
    if not run_id:
        return {}
    if run_id not in cache:
        cache[run_id] = {k: float(v) for k, v in client.get_run(run_id).data.metrics.items()}
    return cache[run_id]


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")


def _all_registered_models(client: Any) -> list[Any]:
    models: list[Any] = []
    token = None
    while True:
        page = client.search_registered_models(max_results=100, page_token=token)
        models.extend(page)
        token = page.token
        if not token:
            return models


def champion_families(champions: list[Champion]) -> list[Metric]:
    has = GaugeMetricFamily(
        "achievement_model_has_champion", f"1 when a version carries the '{CHAMPION_ALIAS}' alias.", labels=["model"]
    )
    version = GaugeMetricFamily("achievement_model_champion_version", "The champion's version.", labels=["model"])
    updated = GaugeMetricFamily(
        "achievement_model_champion_updated_timestamp_seconds",
        "When the champion version was last updated in the registry.",
        labels=["model"],
    )
    metric = GaugeMetricFamily(
        "achievement_model_champion_metric",
        "Metrics logged by the champion's training run (holdout_macro_f1, holdout_accuracy, n_train, ...).",
        labels=["model", "metric"],
    )
    for champion in sorted(champions, key=lambda c: c.model):
        has.add_metric([champion.model], 0.0 if champion.version is None else 1.0)
        if champion.version is not None:
            version.add_metric([champion.model], champion.version)
        if champion.updated is not None:
            updated.add_metric([champion.model], champion.updated)
        for name, value in sorted(champion.metrics.items()):
            metric.add_metric([champion.model, name], value)
    return [has, version, updated, metric]


def version_family(versions: list[VersionScores]) -> Metric:
    family = GaugeMetricFamily(
        "achievement_model_version_metric",
        "Metrics logged by each model version's training run: holdout_macro_f1, holdout_accuracy, n_holdout, ...",
        labels=["model", "version", "metric"],
    )
    for scores in sorted(versions, key=lambda v: (v.model, v.version)):
        for name, value in sorted(scores.metrics.items()):
            family.add_metric([scores.model, str(scores.version), name], value)
    return family


class ModelsSource:
    """The ``models`` source: the registry read at most once per ``ttl_seconds``."""

    name = "models"

    def __init__(self, tracking_uri: str, registry_uri: str | None, ttl_seconds: float = 300.0) -> None:
        self.tracking_uri = tracking_uri
        self.registry_uri = registry_uri
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._registry = Registry()

    def collect(self) -> list[Metric]:
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self.ttl_seconds:
                self._registry = read_registry(self.tracking_uri, self.registry_uri)
                self._read_at = now
            return [*champion_families(self._registry.champions), version_family(self._registry.versions)]
