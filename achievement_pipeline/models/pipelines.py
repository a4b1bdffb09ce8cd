"""The scikit-learn pipelines of the two models: feature preparation, vectorisers, classifier.

Builders only: they return unfitted pipelines, and fitting/scoring happens in ``training``.
scikit-learn is imported inside each function, so importing this module stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from achievement_pipeline.models.inputs import _NUMERIC_FEATURES, _prepare_features

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sklearn.pipeline import Pipeline

_MAX_ITER = 2000


def _text_vectorizer(max_features: int, ngram_range: tuple[int, int]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=ngram_range,
        max_features=max_features,
        sublinear_tf=True,
        strip_accents="unicode",
        min_df=1,
    )


def _tag_vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Tokens are whole "label:…"/"area:…" tags; lowercase=False keeps the pre-normalised form.
    return TfidfVectorizer(token_pattern=r"\S+", lowercase=False, max_features=2000)


def _classifier(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Balanced weights: weak labels are skewed (many fixes, few security PRs) and macro-F1,
    # the promotion metric, weights every class equally.
    return LogisticRegression(max_iter=_MAX_ITER, class_weight="balanced", random_state=seed)


def build_category_pipeline(seed: int = 0) -> Pipeline:
    """Text-only classifier: TF-IDF word 1–2 grams over title + body, plus TF-IDF over labels/areas."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    columns = ColumnTransformer(
        [
            ("text", _text_vectorizer(max_features=20000, ngram_range=(1, 2)), "text"),
            ("tags", _tag_vectorizer(), "tags"),
        ]
    )
    return Pipeline(
        [
            ("prepare", FunctionTransformer(_prepare_features)),
            ("features", columns),
            ("classifier", _classifier(seed)),
        ]
    )


def build_impact_pipeline(seed: int = 0) -> Pipeline:
    """Numbers first (log sizes, review depth, claims, issues), text second (what kind of change)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    columns = ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(_NUMERIC_FEATURES)),
            ("text", _text_vectorizer(max_features=5000, ngram_range=(1, 1)), "text"),
            ("tags", _tag_vectorizer(), "tags"),
        ]
    )
    return Pipeline(
        [
            ("prepare", FunctionTransformer(_prepare_features)),
            ("features", columns),
            ("classifier", _classifier(seed)),
        ]
    )
