"""Where the models live in MLflow: registered names, the champion alias, and shared look-ups.

Training and serving both need to find an experiment or the current champion version of a
model; those small client calls (and the names they use) live here so neither depends on the
other. Every function takes an ``MlflowClient`` opened inside ``mlflow_env._mlflow_session``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CATEGORY_MODEL = "pr-category"
IMPACT_MODEL = "pr-impact"
CHAMPION_ALIAS = "champion"


def _default_artifact_location(tracking_uri: str) -> str | None:
    """``sqlite:///<home>/mlflow.db`` keeps its artifacts beside it in ``<home>/mlartifacts``.

    Without this MLflow would use ``./mlartifacts`` relative to whatever the working directory
    happens to be. Other stores (a tracking server) decide for themselves: ``None``.
    """
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    db_path = Path(tracking_uri[len(prefix) :])
    if str(db_path) in ("", ":memory:"):
        return None
    return (db_path.parent / "mlartifacts").resolve().as_uri()


def _experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = artifact_location
    if location is not None and "://" not in location:
        location = Path(location).resolve().as_uri()
    try:
        return client.create_experiment(name, artifact_location=location)
    except Exception:  # created concurrently by another process: use theirs
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def _champion_version(client: Any, name: str) -> Any | None:
    """The champion ModelVersion of ``name``, or None when the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, CHAMPION_ALIAS)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def _logged_metric(client: Any, version: Any, metric: str) -> float | None:
    if not version.run_id:
        return None
    value = client.get_run(version.run_id).data.metrics.get(metric)
    return None if value is None else float(value)
