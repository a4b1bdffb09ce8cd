"""The scikit-learn pipelines of the two models (category, review sentiment): features, vectorisers, classifier.

Builders only: they return unfitted pipelines, and fitting/scoring happens in ``training``.
scikit-learn is imported inside each function, so importing this module stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from achievement_pipeline.ml.inputs import prepare_features

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sklearn.pipeline import Pipeline

MAX_ITER = 2000


def _text_vectorizer(max_features: int, ngram_range: tuple[int, int]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=ngram_range,
        max_features=max_features,
        sublinear_tf=True,
        strip_accents="unicode",
        min_df=1,
    )


def _char_vectorizer(max_features: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Character 2–5-grams within words: catch stems and spellings word n-grams split apart
    # ("optimiz…"/"optimis…", "deps"/"dependency", "flaky"/"flakiness", emoji in reviews).
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1, max_features=max_features
    )


def _path_vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Tokens are whole "ext:…"/"kind:…" facts from inputs.path_tokens, already normalised.
    return TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True, max_features=5000)


def _classifier(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Balanced weights: weak labels are skewed (many fixes, few security PRs) and macro-F1,
    # the promotion metric, weights every class equally.
    return LogisticRegression(max_iter=MAX_ITER, class_weight="balanced", random_state=seed)


def build_category_pipeline(seed: int = 0) -> Pipeline:
    """TF-IDF word 1–2-grams over title + body, character n-grams over the title, and path kinds.

    Every feature means the same in any repository: words, spellings, file extensions and what a
    changed path is (docs, test, CI, manifest, lockfile, ...), never a folder name or a GitHub
    label (labels are where training labels come from). Chosen on time-ordered validation folds
    of the vite corpus's *training* part (bench/eval_category.py ``--folds``), never its test split.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    columns = ColumnTransformer(
        [
            ("text", _text_vectorizer(max_features=20000, ngram_range=(1, 2)), "text"),
            ("title_chars", _char_vectorizer(max_features=30000), "title"),
            ("paths", _path_vectorizer(), "paths"),
        ]
    )
    return Pipeline(
        [
            ("prepare", FunctionTransformer(prepare_features)),
            ("features", columns),
            ("classifier", _classifier(seed)),
        ]
    )


def build_sentiment_pipeline(seed: int = 0) -> Pipeline:
    """Review text → positive / neutral / negative: word 1–2-grams plus character n-grams.

    Input is a frame with one ``text`` column (one review body or review comment per row), so
    the logged model's signature is a plain string column. Character n-grams keep emoji and
    short verdicts ("LGTM", "nit:") that the word tokenizer drops.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    columns = ColumnTransformer(
        [
            ("words", _text_vectorizer(max_features=20000, ngram_range=(1, 2)), "text"),
            ("chars", _char_vectorizer(max_features=20000), "text"),
        ]
    )
    return Pipeline([("features", columns), ("classifier", _classifier(seed))])


def compact_vocabularies(pipeline: Any) -> Any:
    """Store each fitted TF-IDF vocabulary with plain ``int`` indices instead of numpy integers.

    skops (the safe format the models are saved in) writes every numpy scalar as its own array
    file in the zip, so a 30,000-term vocabulary became 30,000 files: seconds to save and to load
    on every prediction run. Plain ints go inline in its JSON schema; transforms are unchanged
    (the vocabulary is only ever used as a dict lookup). Returns the same pipeline, for chaining.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    for step in _walk(pipeline):
        if isinstance(step, TfidfVectorizer) and hasattr(step, "vocabulary_"):
            step.vocabulary_ = {term: int(index) for term, index in step.vocabulary_.items()}
    return pipeline


def _walk(estimator: Any) -> list[Any]:
    """The estimator and every estimator nested in its pipeline steps, column transformers or calibration wrapper."""
    found = [estimator]
    if getattr(estimator, "classifier", None) is not None and not hasattr(estimator, "steps"):
        found += _walk(estimator.classifier)
    for _, child in getattr(estimator, "steps", []):
        found += _walk(child)
    for _, child, _ in getattr(estimator, "transformers_", []):
        found += _walk(child)
    return found
