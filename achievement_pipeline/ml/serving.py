"""Serving: load the models and turn model-input rows into predictions.

:func:`load_champions` loads the category champion (or, when there is none trained on today's
label rules, the shipped base model: ``ml.base_model``) and the sentiment champion if any;
:meth:`ChampionModels.predict` turns model-input rows (``ml.inputs.model_inputs``) into
prediction rows (``records.PredictionRecord``):

* the shown category by ``ml.category_choice`` (the author's prefix or a label first, then a
  confident prediction, else "uncertain"), with the model's own guess and calibrated confidence
  kept beside it;
* impact by the scorecard (``ml.impact_scorecard``), with its points per evidence item;
* review sentiment from the sentiment champion; without one (too few reviews with a verdict),
  ``unknown`` (``records.NOT_ASSESSED``) with zero confidence and score, while the PR's review
  states are still counted as facts.

Each row names the exact version of each model that spoke (``pr-category:3``,
``pr-category-base:vite-…``, ``pr-review-sentiment:2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from achievement_pipeline.core.records import NO_REVIEW_TEXT, NOT_ASSESSED
from achievement_pipeline.ml.base_model import base_model_version, load_base_model
from achievement_pipeline.ml.category_choice import choose_category
from achievement_pipeline.ml.coerce import as_list
from achievement_pipeline.ml.impact_scorecard import SCORECARD_VERSION, score_impact
from achievement_pipeline.ml.inputs import feature_frame
from achievement_pipeline.ml.mlflow_env import mlflow_session
from achievement_pipeline.ml.registry import (
    CATEGORY_MODEL,
    SENTIMENT_MODEL,
    find_current_champion,
    load_version,
)
from achievement_pipeline.ml.sentiment_labels import review_states, review_texts

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

PREDICTION_COLUMNS: tuple[str, ...] = (
    "category",
    "category_basis",
    "predicted_category",
    "category_confidence",
    "impact",
    "impact_points",
    "impact_evidence",
    "review_sentiment",
    "sentiment_confidence",
    "sentiment_score",
    "negative_review_share",
    "review_text_count",
    "review_states",
    "model_name",
    "model_version",
    "category_model_version",
    "sentiment_model_version",
)
# Row identity copied from the input to the predictions when present (PredictionRecord keys).
_PASSTHROUGH_COLUMNS: tuple[str, ...] = ("pr_id", "merge_date")


@dataclass(frozen=True)
class SentimentSummary:
    """One PR's review sentiment, aggregated over its review texts."""

    label: str  # the class with the highest mean probability, or NO_REVIEW_TEXT
    confidence: float  # that mean probability (0 when there is no text)
    score: float  # mean of P(positive) - P(negative), in [-1, 1]
    negative_share: float  # share of texts whose most likely class is negative
    n_texts: int


def _summarise(classes: list[str], proba: Any) -> SentimentSummary:
    """One PR's summary from the class probabilities of its texts (one row per text)."""
    if len(proba) == 0:
        return SentimentSummary(NO_REVIEW_TEXT, 0.0, 0.0, 0.0, 0)
    mean = proba.mean(axis=0)
    best = int(mean.argmax())

    def column(name: str) -> Any:
        return proba[:, classes.index(name)] if name in classes else proba[:, 0] * 0.0

    negative = classes.index("negative") if "negative" in classes else -1
    return SentimentSummary(
        label=classes[best],
        confidence=float(mean[best]),
        score=float((column("positive") - column("negative")).mean()),
        negative_share=float((proba.argmax(axis=1) == negative).mean()),
        n_texts=len(proba),
    )


def summarise_sentiment_batch(model: Any, texts_per_pr: list[list[str]]) -> list[SentimentSummary]:
    """Aggregate per-text sentiment into each PR's: one text says little, the mix says more.

    All texts of all PRs go through the model in one call (a backfill has thousands), then each
    PR's rows are averaged: the label is the class with the highest mean probability.
    """
    import numpy as np
    import pandas as pd

    classes = [str(c) for c in model.classes_]
    flat = [text for texts in texts_per_pr for text in texts]
    proba = model.predict_proba(pd.DataFrame({"text": flat})) if flat else np.zeros((0, len(classes)))
    bounds = np.cumsum([0, *(len(texts) for texts in texts_per_pr)])
    return [_summarise(classes, proba[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def summarise_sentiment(model: Any, texts: list[str]) -> SentimentSummary:
    """One PR's review sentiment from its texts (see :func:`summarise_sentiment_batch`)."""
    return summarise_sentiment_batch(model, [texts])[0]


def _calibrated_top(model: Any, features: pd.DataFrame) -> tuple[list[str], list[float]]:
    """Top class and its calibrated confidence; a model without curves gives its raw top probability."""
    if hasattr(model, "top_with_confidence"):
        labels, _, confidence = model.top_with_confidence(features)
        return list(labels), [float(c) for c in confidence]
    proba = model.predict_proba(features)
    classes = [str(c) for c in model.classes_]
    return [classes[i] for i in proba.argmax(axis=1)], [float(c) for c in proba.max(axis=1)]


@dataclass(frozen=True)
class ChampionModels:
    """The models that predict and the versions they are (no sentiment model: ``None``, ``""``).

    ``category_version`` is ``pr-category:N`` for a trained champion, ``pr-category-base:ID`` for
    the shipped base model; ``sentiment_version`` is ``pr-review-sentiment:N`` or ``""``.
    """

    category_model: Any
    sentiment_model: Any | None
    category_version: str
    sentiment_version: str
    tracking_uri: str
    min_confidence: float = 0.6

    @property
    def uses_base_model(self) -> bool:
        return not self.category_version.startswith(f"{CATEGORY_MODEL}:")

    @property
    def model_version(self) -> str:
        """Every model that spoke, ``name:version`` each, and the impact scorecard's rules."""
        return ",".join(v for v in (self.category_version, SCORECARD_VERSION, self.sentiment_version) if v)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """One prediction row per input row (same index), with versions so every row is traceable.

        ``pr_id``/``merge_date`` are copied through when present, so the result is a ready
        ``PredictionRecord`` frame. Rows without ``reviews``/``review_comments`` get the "none"
        sentiment. An empty input gives an empty frame with the same columns.
        """
        import pandas as pd

        passthrough = [c for c in _PASSTHROUGH_COLUMNS if c in df.columns]
        columns = [*passthrough, *PREDICTION_COLUMNS]
        if len(df) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}, index=df.index)
        features = feature_frame(df)
        out = df[passthrough].copy()
        guesses, confidence = _calibrated_top(self.category_model, features)
        empty = pd.Series([None] * len(df), index=df.index, dtype=object)
        choices = [
            choose_category(ctype if isinstance(ctype, str) else "", as_list(labels), guess, conf, self.min_confidence)
            for ctype, labels, guess, conf in zip(
                df.get("conventional_type", empty), df.get("labels", empty), guesses, confidence, strict=True
            )
        ]
        out["category"] = [c.category for c in choices]
        out["category_basis"] = [c.basis for c in choices]
        out["predicted_category"] = guesses
        out["category_confidence"] = confidence
        scores = [
            score_impact(row, choice.category) for row, choice in zip(df.to_dict("records"), choices, strict=True)
        ]
        out["impact"] = [s.tier for s in scores]
        out["impact_points"] = [s.points for s in scores]
        out["impact_evidence"] = [list(s.items) for s in scores]
        reviews, comments = df.get("reviews", empty), df.get("review_comments", empty)
        texts = [[text for text, _ in review_texts(r, c)] for r, c in zip(reviews, comments, strict=True)]
        if self.sentiment_model is None:
            summaries = [SentimentSummary(NOT_ASSESSED, 0.0, 0.0, 0.0, len(t)) for t in texts]
        else:
            summaries = summarise_sentiment_batch(self.sentiment_model, texts)
        out["review_sentiment"] = [s.label for s in summaries]
        out["sentiment_confidence"] = [s.confidence for s in summaries]
        out["sentiment_score"] = [s.score for s in summaries]
        out["negative_review_share"] = [s.negative_share for s in summaries]
        out["review_text_count"] = [s.n_texts for s in summaries]
        out["review_states"] = [dict(sorted(review_states(r).items())) for r in reviews]
        out["model_name"] = CATEGORY_MODEL
        out["model_version"] = self.model_version
        out["category_model_version"] = self.category_version
        out["sentiment_model_version"] = self.sentiment_version
        return out[columns]


def champion_versions(tracking_uri: str, registry_uri: str | None = None) -> tuple[str, str]:
    """The (category, sentiment) versions :func:`load_champions` would load now, without loading them."""
    registry = registry_uri or tracking_uri
    with mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)
        category = find_current_champion(client, CATEGORY_MODEL)
        sentiment = find_current_champion(client, SENTIMENT_MODEL)
    return (
        f"{CATEGORY_MODEL}:{category.version}" if category else base_model_version(),
        f"{SENTIMENT_MODEL}:{sentiment.version}" if sentiment else "",
    )


def load_champions(
    tracking_uri: str, registry_uri: str | None = None, *, min_confidence: float = 0.6
) -> ChampionModels:
    """Load the models that predict: each champion trained on today's label rules, else the fallback.

    Each alias is resolved to a version number first and that exact version is loaded, so the
    recorded version is the one that predicts even if a training run moves the alias meanwhile.
    No category champion: the shipped base model. No sentiment champion: sentiment not assessed.
    ``min_confidence`` is the ledger's ``category_min_confidence``.
    """
    registry = registry_uri or tracking_uri
    with mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)
        category = find_current_champion(client, CATEGORY_MODEL)
        sentiment = find_current_champion(client, SENTIMENT_MODEL)
        category_model = load_version(mlflow, CATEGORY_MODEL, str(category.version)) if category else None
        sentiment_model = load_version(mlflow, SENTIMENT_MODEL, str(sentiment.version)) if sentiment else None
    return ChampionModels(
        category_model=category_model if category_model is not None else load_base_model(),
        sentiment_model=sentiment_model,
        category_version=f"{CATEGORY_MODEL}:{category.version}" if category else base_model_version(),
        sentiment_version=f"{SENTIMENT_MODEL}:{sentiment.version}" if sentiment else "",
        tracking_uri=tracking_uri,
        min_confidence=min_confidence,
    )
