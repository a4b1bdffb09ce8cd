"""The predict stage's logic: category and review-sentiment models, the impact scorecard, the MLflow registry.

Why models at all when the labels come from what people said? An author's conventional prefix,
a GitHub label and a reviewer's verdict exist only on some PRs and reviews; the models learn the
words and changed files behind them, so PRs *without* a prefix still get a category (or an
honest "uncertain") and comments without a verdict still get a sentiment. No model's label is a
function of its own inputs: the category model never reads the prefix or the labels, the
sentiment model reads only review words. Impact is not a model: it is an explained scorecard.

Lifecycle:

* :func:`train_models` labels the model-input rows, fits each model on the older rows, scores it
  on the newest (time-ordered, minimum support per class), logs everything to MLflow and
  registers a version of ``pr-category`` and ``pr-review-sentiment``. A version takes the
  ``champion`` alias only when it beats the incumbent (the champion, or the shipped base category
  model) beyond the bootstrap noise of that holdout. Unchanged rows and code register nothing; a
  model with too little data is skipped with its reason while the other trains.
* :func:`load_champions` loads the champions (the shipped base model stands in for a missing
  category champion); :meth:`ChampionModels.predict` turns model-input rows into prediction rows
  (see ``records.PredictionRecord``), choosing the shown category (``category_choice``) and
  scoring impact (``impact_scorecard``).

One job per module; this package only re-exports the public API:

* ``labels`` – where category labels come from (``explicit_category``, ``category_label``);
* ``sentiment_labels`` – review texts of a PR and their verdict labels;
* ``impact_scorecard`` – impact points per evidence item (``score_impact``);
* ``category_choice`` – stated category, confident prediction, or "uncertain";
* ``inputs`` – the raw columns the models read and the row → feature transform;
* ``pipelines`` – the scikit-learn pipeline builders;
* ``calibration`` – per-class confidence curves from time-ordered out-of-fold predictions;
* ``base_model`` – the shipped base category model and its card;
* ``holdout`` – the enough-data checks and the time-ordered holdout;
* ``bootstrap`` – intervals and the paired difference promotion relies on;
* ``promotion`` – candidate vs. incumbent on the same holdout (``compare_with_champion``);
* ``training`` – fit, score, log, register and promote (``train_models``);
* ``serving`` – load the champions and predict (``load_champions``, ``ChampionModels``);
* ``registry`` – registered model names, the champion alias, shared MLflow client look-ups;
* ``mlflow_env`` – the lock and context managers that scope MLflow's process-global state;
* ``coerce`` – lenient reading of parquet/pandas cell values.

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
from achievement_pipeline.ml.impact_scorecard import ImpactScore, score_impact
from achievement_pipeline.ml.inputs import FEATURE_COLUMNS
from achievement_pipeline.ml.labels import LABEL_RULES_VERSION as LABEL_RULES_VERSION
from achievement_pipeline.ml.labels import category_label, explicit_category
from achievement_pipeline.ml.pipelines import build_category_pipeline, build_sentiment_pipeline
from achievement_pipeline.ml.promotion import PRIMARY_METRIC, Comparison
from achievement_pipeline.ml.registry import (
    CATEGORY_MODEL,
    CHAMPION_ALIAS,
    MODEL_NAMES,
    SENTIMENT_MODEL,
    OutdatedModel,
)
from achievement_pipeline.ml.sentiment_labels import review_texts, sentiment_label
from achievement_pipeline.ml.serving import (
    PREDICTION_COLUMNS,
    ChampionModels,
    SentimentSummary,
    champion_versions,
    load_champions,
    summarise_sentiment,
)
from achievement_pipeline.ml.training import ModelOutcome, TrainingResult, train_models

__all__ = [
    "CATEGORY_MODEL",
    "CHAMPION_ALIAS",
    "FEATURE_COLUMNS",
    "MODEL_NAMES",
    "PREDICTION_COLUMNS",
    "PRIMARY_METRIC",
    "SENTIMENT_MODEL",
    "ChampionModels",
    "Comparison",
    "ImpactScore",
    "InsufficientTrainingData",
    "ModelOutcome",
    "OutdatedModel",
    "SentimentSummary",
    "TrainingResult",
    "build_category_pipeline",
    "build_sentiment_pipeline",
    "category_label",
    "champion_versions",
    "explicit_category",
    "load_champions",
    "review_texts",
    "score_impact",
    "sentiment_label",
    "summarise_sentiment",
    "train_models",
]
