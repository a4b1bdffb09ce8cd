"""Serving: load the champion models from the registry and turn model-input rows into predictions.

:func:`load_champions` loads the three champion versions; :meth:`ChampionModels.predict` turns
model-input rows (``ml.inputs.model_inputs``) into prediction rows (see
``records.PredictionRecord``), each carrying the exact model versions that produced it.

The sentiment model may be missing (it trains only once there are enough distinct review texts,
see ``training``): predictions then say ``unknown`` (``records.NOT_ASSESSED``) for the review
sentiment, with zero confidence and score, and still count the PR's review texts. Category and
impact must exist: the value stage prices every PR by them, and has no honest figure for
"not assessed", so a missing one is refused (:class:`NoChampionModel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from achievement_pipeline.core.records import NO_REVIEW_TEXT, NOT_ASSESSED
from achievement_pipeline.ml.inputs import feature_frame
from achievement_pipeline.ml.mlflow_env import mlflow_session
from achievement_pipeline.ml.registry import (
    CATEGORY_MODEL,
    IMPACT_MODEL,
    MODEL_NAMES,
    SENTIMENT_MODEL,
    find_champion,
    load_version,
)
from achievement_pipeline.ml.sentiment_labels import review_texts

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

PREDICTION_COLUMNS: tuple[str, ...] = (
    "category",
    "category_confidence",
    "impact",
    "impact_confidence",
    "review_sentiment",
    "sentiment_confidence",
    "sentiment_score",
    "negative_review_share",
    "review_text_count",
    "model_name",
    "model_version",
    "category_model_version",
    "impact_model_version",
    "sentiment_model_version",
)
# Row identity copied from the input to the predictions when present (PredictionRecord keys).
_PASSTHROUGH_COLUMNS: tuple[str, ...] = ("pr_id", "merge_date")


class NoChampionModel(LookupError):
    """The registry has no version of a model carrying the ``champion`` alias."""


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


@dataclass(frozen=True)
class ChampionModels:
    """The champion pipelines and the registry versions they came from (no sentiment model: ``None``, ``""``)."""

    category_model: Any
    impact_model: Any
    sentiment_model: Any | None
    category_version: str
    impact_version: str
    sentiment_version: str
    tracking_uri: str

    @property
    def model_version(self) -> str:
        """Every model that spoke, ``name:version`` each."""
        versions = (
            (CATEGORY_MODEL, self.category_version),
            (IMPACT_MODEL, self.impact_version),
            (SENTIMENT_MODEL, self.sentiment_version),
        )
        return ",".join(f"{name}:{version}" for name, version in versions if version)

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
        for prefix, model in (("category", self.category_model), ("impact", self.impact_model)):
            proba = model.predict_proba(features)
            classes = list(model.classes_)
            best = proba.argmax(axis=1)
            out[prefix] = [str(classes[i]) for i in best]
            out[f"{prefix}_confidence"] = proba.max(axis=1).astype(float)
        empty = pd.Series([None] * len(df), index=df.index, dtype=object)
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
        out["model_name"] = CATEGORY_MODEL
        out["model_version"] = self.model_version
        out["category_model_version"] = self.category_version
        out["impact_model_version"] = self.impact_version
        out["sentiment_model_version"] = self.sentiment_version
        return out[columns]


def load_champions(tracking_uri: str, registry_uri: str | None = None) -> ChampionModels:
    """Load the ``champion`` version of each model from the registry.

    Each alias is resolved to a version number first and that exact version is loaded, so the
    recorded version is the one that predicts even if a training run moves the alias meanwhile.
    A missing sentiment champion is allowed (see the module docstring).

    Raises:
        NoChampionModel: the category or the impact model has no champion (nothing trained yet, or
            too little data: the pr_models check says which).
    """
    registry = registry_uri or tracking_uri
    with mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)
        versions: dict[str, str] = {}
        for name in MODEL_NAMES:
            champion = find_champion(client, name)
            if champion is None and name != SENTIMENT_MODEL:
                raise NoChampionModel(
                    f"no champion for {name} in MLflow at {registry}: materialize the pr_models asset first "
                    "(its champion_comparison check says when a model had too little data to train)"
                )
            if champion is not None:
                versions[name] = str(champion.version)
        loaded = {name: load_version(mlflow, name, v) for name, v in versions.items()}
    return ChampionModels(
        category_model=loaded[CATEGORY_MODEL],
        impact_model=loaded[IMPACT_MODEL],
        sentiment_model=loaded.get(SENTIMENT_MODEL),
        category_version=versions[CATEGORY_MODEL],
        impact_version=versions[IMPACT_MODEL],
        sentiment_version=versions.get(SENTIMENT_MODEL, ""),
        tracking_uri=tracking_uri,
    )
