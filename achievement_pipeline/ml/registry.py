"""Where the models live in MLflow: registered names, the champion alias, and shared look-ups.

Training and serving both need to find an experiment or the current champion version of a
model; those small client calls (and the names they use) live here so neither depends on the
other. Every function takes an ``MlflowClient`` opened inside ``mlflow_env.mlflow_session``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from achievement_pipeline.core import settings
from achievement_pipeline.ml.labels import LABEL_RULES_VERSION
from achievement_pipeline.ml.sentiment_labels import SENTIMENT_RULES_VERSION

CATEGORY_MODEL = "pr-category"
SENTIMENT_MODEL = "pr-review-sentiment"
MODEL_NAMES: tuple[str, ...] = (CATEGORY_MODEL, SENTIMENT_MODEL)
CHAMPION_ALIAS = "champion"
# The version tag naming the label rules a version was trained on: a champion trained on other rules
# answers a different question, so it is not served or compared with (see :func:`find_current_champion`).
RULES_TAG = "label_rules_version"
RULES_VERSIONS: dict[str, str] = {CATEGORY_MODEL: LABEL_RULES_VERSION, SENTIMENT_MODEL: SENTIMENT_RULES_VERSION}
# Shown on each registered model's page in the MLflow UI.
MODEL_DESCRIPTIONS: dict[str, str] = {
    CATEGORY_MODEL: (
        "PR category (feature, fix, performance, security, reliability, refactor, docs, test, build/ci, chore) "
        "from title and body words, title spellings and the kinds of changed paths. Labels: the PR's "
        "conventional-commit type or GitHub labels (achievement_pipeline.ml.labels), neither of which the "
        "model reads. Input: ml.inputs.model_inputs rows."
    ),
    SENTIMENT_MODEL: (
        "Review verdict (positive = approving, negative = changes requested) of one review body or review "
        "comment (input column `text`). Labels: the states of reviews whose author gave one, APPROVED or "
        "CHANGES_REQUESTED (achievement_pipeline.ml.sentiment_labels); the model reads only the words."
    ),
}


class OutdatedModel(RuntimeError):
    """A registered version this code cannot load: it was saved by an older layout of the pipeline."""


def default_artifact_location(tracking_uri: str) -> str | None:
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


def ensure_experiment(client: Any, name: str, artifact_location: str | None) -> str:
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


def find_champion(client: Any, name: str) -> Any | None:
    """The champion ModelVersion of ``name``, or None when the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, CHAMPION_ALIAS)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def find_current_champion(client: Any, name: str) -> Any | None:
    """The champion of ``name`` if it was trained on today's label rules, else None (retired, not served)."""
    champion = find_champion(client, name)
    if champion is None or (champion.tags or {}).get(RULES_TAG) != RULES_VERSIONS[name]:
        return None
    return champion


def load_version(mlflow: Any, name: str, version: str) -> Any:
    """Load one registered version as a scikit-learn pipeline.

    Models are stored with skops and a fixed trusted-type list, but MLflow 3.17 still refuses
    any model deserialization unless ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION`` is true. These are
    models this pipeline trained into its own registry, so the flag is enabled for the load
    only — unless an operator set it explicitly (e.g. to ``false``), which is respected.
    """
    try:
        with settings.library_switch("MLFLOW_ALLOW_PICKLE_DESERIALIZATION"):
            return mlflow.sklearn.load_model(f"models:/{name}/{version}")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("achievement_pipeline."):
            raise
        # A saved pipeline names its feature step by import path; one from an older layout names a module
        # that no longer exists.
        raise OutdatedModel(
            f"{name} version {version} was saved by an older version of this pipeline (it needs {exc.name}): "
            "retrain with the train_models job (for the demo: make clean, then make demo)"
        ) from exc


def logged_metric(client: Any, version: Any, metric: str) -> float | None:
    if not version.run_id:
        return None
    value = client.get_run(version.run_id).data.metrics.get(metric)
    return None if value is None else float(value)
