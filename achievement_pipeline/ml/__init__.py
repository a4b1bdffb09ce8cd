"""The category, impact and review-sentiment models: weak labels, scikit-learn pipelines, MLflow registry.

Why models at all when the labels come from rules? The rules only fire when a PR carries a
signal (a conventional-commit prefix, a telling label, a review verdict); the models learn the
vocabulary behind those signals from the title, body, labels, areas, paths and review text, so
PRs *without* a prefix still get a category and an impact tier, and line comments without a
verdict still get a sentiment, each with a confidence the report can show.

Lifecycle:

* :func:`train_models` labels the model-input rows weakly, fits the three pipelines on a
  stratified split, scores them on the holdout, logs everything to MLflow and registers a new
  version of ``pr-category``, ``pr-impact`` and ``pr-review-sentiment``. A new version only takes
  the ``champion`` alias when its holdout macro-F1 beats the current champion's *on the same
  holdout* (the champion is loaded and re-scored; a tie keeps it). A model whose champion was
  trained on the same rows and code (the ``training_fingerprint`` version tag) registers
  nothing ("unchanged, champion kept"); a model with too little data is skipped with its
  reason while the others train.
* :func:`load_champions` loads the three champion versions; :meth:`ChampionModels.predict` turns
  model-input rows into prediction rows (see ``records.PredictionRecord``).

One job per module; this package only re-exports the public API:

* ``labels`` – the category and impact weak-label rules (``category_label``, ``impact_label``);
* ``sentiment_labels`` – review texts of a PR and their weak sentiment labels;
* ``inputs`` – the raw columns the PR models read and the row → feature transform;
* ``pipelines`` – the scikit-learn pipeline builders;
* ``holdout`` – the enough-data checks and the stratified holdout split;
* ``promotion`` – champion vs. candidate on the same holdout (``compare_with_champion``);
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
(or remote) server. Nothing here assumes a local store: with a tracking server the server's
artifact root (e.g. S3) holds the models.
"""

from __future__ import annotations

from achievement_pipeline.ml.holdout import InsufficientTrainingData
from achievement_pipeline.ml.inputs import FEATURE_COLUMNS
from achievement_pipeline.ml.labels import LABEL_RULES_VERSION as LABEL_RULES_VERSION
from achievement_pipeline.ml.labels import category_label, impact_label
from achievement_pipeline.ml.pipelines import (
    build_category_pipeline,
    build_impact_pipeline,
    build_sentiment_pipeline,
)
from achievement_pipeline.ml.promotion import PRIMARY_METRIC, Comparison
from achievement_pipeline.ml.registry import (
    CATEGORY_MODEL,
    CHAMPION_ALIAS,
    IMPACT_MODEL,
    MODEL_NAMES,
    SENTIMENT_MODEL,
    OutdatedModel,
)
from achievement_pipeline.ml.sentiment_labels import review_texts, sentiment_label
from achievement_pipeline.ml.serving import (
    PREDICTION_COLUMNS,
    ChampionModels,
    NoChampionModel,
    SentimentSummary,
    load_champions,
    summarise_sentiment,
)
from achievement_pipeline.ml.training import ModelOutcome, TrainingResult, train_models

__all__ = [
    "CATEGORY_MODEL",
    "CHAMPION_ALIAS",
    "FEATURE_COLUMNS",
    "IMPACT_MODEL",
    "MODEL_NAMES",
    "PREDICTION_COLUMNS",
    "PRIMARY_METRIC",
    "SENTIMENT_MODEL",
    "ChampionModels",
    "Comparison",
    "InsufficientTrainingData",
    "ModelOutcome",
    "NoChampionModel",
    "OutdatedModel",
    "SentimentSummary",
    "TrainingResult",
    "build_category_pipeline",
    "build_impact_pipeline",
    "build_sentiment_pipeline",
    "category_label",
    "impact_label",
    "load_champions",
    "review_texts",
    "sentiment_label",
    "summarise_sentiment",
    "train_models",
]
