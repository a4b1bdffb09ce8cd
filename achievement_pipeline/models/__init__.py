"""The category and impact models: weak labels, scikit-learn pipelines, and the MLflow registry.

Why models at all when the labels come from rules? The rules only fire when a PR carries a
signal (a conventional-commit prefix, a telling label); the models learn the vocabulary behind
those signals from the title, body, labels and areas, so PRs *without* a prefix still get a
category and an impact tier, each with a confidence the report can show.

Lifecycle:

* :func:`train_models` labels the enriched PRs weakly, fits both pipelines on a stratified
  split, scores them on the holdout, logs everything to MLflow and registers a new version of
  ``pr-category`` and ``pr-impact``. A new version only takes the ``champion`` alias when its
  holdout macro-F1 beats the current champion's (a tie keeps the current one, so re-running
  the same materialization never churns the alias).
* :func:`load_champions` loads the two champion versions; :meth:`ChampionModels.predict` turns
  enriched PRs into prediction rows (see ``records.PredictionRecord``).

One job per module; this package only re-exports the public API:

* ``labels`` – the weak-label rules (``category_label``, ``impact_label``);
* ``inputs`` – the raw columns the models read and the row → feature transform;
* ``pipelines`` – the scikit-learn pipeline builders;
* ``holdout`` – the enough-data checks and the stratified holdout split;
* ``training`` – fit, score, log, register and promote (``train_models``);
* ``serving`` – load the champions and predict (``load_champions``, ``ChampionModels``);
* ``registry`` – registered model names, the champion alias, shared MLflow client look-ups;
* ``mlflow_env`` – the lock and context managers that scope MLflow's process-global state;
* ``coerce`` – lenient reading of parquet/pandas cell values, shared by labels and inputs.

The package is plain Python (no Dagster) and imports ``mlflow``/``sklearn``/``pandas`` lazily,
inside functions, so importing it (e.g. when Dagster loads the code location) stays fast.

MLflow state is process-global (tracking and registry URI). Every function here sets the URIs
the caller passes only for the duration of the call and restores the previous values, under a
lock, so the embedded store never leaks into other code and nothing falls back to a default
(or remote) server.
"""

from __future__ import annotations

from achievement_pipeline.models.holdout import InsufficientTrainingData
from achievement_pipeline.models.inputs import FEATURE_COLUMNS
from achievement_pipeline.models.labels import LABEL_RULES_VERSION as LABEL_RULES_VERSION
from achievement_pipeline.models.labels import category_label, impact_label
from achievement_pipeline.models.pipelines import build_category_pipeline, build_impact_pipeline
from achievement_pipeline.models.registry import CATEGORY_MODEL, CHAMPION_ALIAS, IMPACT_MODEL
from achievement_pipeline.models.serving import PREDICTION_COLUMNS, ChampionModels, NoChampionModel, load_champions
from achievement_pipeline.models.training import PRIMARY_METRIC as PRIMARY_METRIC
from achievement_pipeline.models.training import ModelOutcome, TrainingResult, train_models

__all__ = [
    "CATEGORY_MODEL",
    "CHAMPION_ALIAS",
    "FEATURE_COLUMNS",
    "IMPACT_MODEL",
    "PREDICTION_COLUMNS",
    "ChampionModels",
    "InsufficientTrainingData",
    "ModelOutcome",
    "NoChampionModel",
    "TrainingResult",
    "build_category_pipeline",
    "build_impact_pipeline",
    "category_label",
    "impact_label",
    "load_champions",
    "train_models",
]
