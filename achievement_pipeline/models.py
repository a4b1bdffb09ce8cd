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

This module is plain Python (no Dagster) and imports ``mlflow``/``sklearn`` lazily, inside
functions, so importing it (e.g. when Dagster loads the code location) stays fast.

MLflow state is process-global (tracking and registry URI). Every function here sets the URIs
the caller passes only for the duration of the call and restores the previous values, under a
lock, so the embedded store never leaks into other code and nothing falls back to a default
(or remote) server.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from achievement_pipeline.records import CATEGORIES, IMPACT_TIERS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from sklearn.pipeline import Pipeline

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

CATEGORY_MODEL = "pr-category"
IMPACT_MODEL = "pr-impact"
CHAMPION_ALIAS = "champion"
PRIMARY_METRIC = "holdout_macro_f1"
# Bumped whenever the weak-label rules change, so runs trained on different rules are told apart.
LABEL_RULES_VERSION = "weak-v1"

# The raw columns the pipelines read. ``conventional_type`` is deliberately absent: it is the
# source of the category labels, so feeding it to the model would teach it to copy the rule.
FEATURE_COLUMNS: tuple[str, ...] = (
    "clean_title",
    "body",
    "labels",
    "areas",
    "lines_changed",
    "review_count",
    "review_comment_count",
    "claims",
    "linked_issue_count",
)
PREDICTION_COLUMNS: tuple[str, ...] = (
    "category",
    "category_confidence",
    "impact",
    "impact_confidence",
    "model_name",
    "model_version",
    "category_model_version",
    "impact_model_version",
)
# Row identity copied from the input to the predictions when present (PredictionRecord keys).
_PASSTHROUGH_COLUMNS: tuple[str, ...] = ("pr_id", "merge_date")

# skops (MLflow's default, safe format) refuses unknown callables on load; the only one in our
# pipelines is the feature-preparation function below. A fixed allow-list, not one computed from
# the model, so a tampered artifact cannot whitelist itself.
_SKOPS_TRUSTED_TYPES: list[str] = [f"{__name__}._prepare_features"]

_HOLDOUT_FRACTION = 0.25
_MAX_ITER = 2000
_EXAMPLE_BODY_CHARS = 200


class InsufficientTrainingData(ValueError):
    """Too few weakly labelled PRs (or a single class) to train and evaluate a model honestly."""


class NoChampionModel(LookupError):
    """The registry has no version of a model carrying the ``champion`` alias."""


# --------------------------------------------------------------------------------------------
# Weak labels
# --------------------------------------------------------------------------------------------

_PREFIX_CATEGORY: Mapping[str, str] = {
    "feat": "feature",
    "feature": "feature",
    "fix": "fix",
    "bugfix": "fix",
    "hotfix": "fix",
    "perf": "performance",
    "security": "security",
    "refactor": "refactor",
    "style": "refactor",
    "docs": "docs",
    "doc": "docs",
    "test": "test",
    "tests": "test",
    "build": "build/ci",
    "ci": "build/ci",
    "chore": "chore",
    "deps": "chore",
}
# Label words (labels are split on non-alphanumerics, so "type: bug" and "kind/bug" both say bug).
_SECURITY_LABEL_WORDS = frozenset({"security", "vulnerability", "cve"})
_RELIABILITY_LABEL_WORDS = frozenset({"reliability", "incident", "outage", "stability", "sre"})
_LABEL_WORD_CATEGORY: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"bug", "bugfix", "regression"}), "fix"),
    (frozenset({"performance", "perf"}), "performance"),
    (frozenset({"feature", "enhancement"}), "feature"),
    (frozenset({"documentation", "docs"}), "docs"),
    (frozenset({"test", "tests", "testing"}), "test"),
    (frozenset({"ci", "build"}), "build/ci"),
    (frozenset({"refactor", "refactoring", "cleanup"}), "refactor"),
    (frozenset({"dependencies", "deps", "dependency", "chore"}), "chore"),
)
_SECURITY_TITLE = re.compile(
    r"\b(security|vulnerab\w*|cve-\d+|xss|csrf|ssrf|injection|sanitiz\w*|escap\w*|"
    r"path traversal|prototype pollution|redos|auth bypass|privilege)\b",
    re.I,
)
_RELIABILITY_TITLE = re.compile(
    r"\b(retr(?:y|ies|ying)|timeouts?|timed out|crash\w*|deadlocks?|race conditions?|races?|"
    r"flak(?:y|iness)|leaks?|panics?|hangs?|hanging|oom|out of memory|segfaults?|reconnect\w*|"
    r"backoff|idempoten\w*|resilien\w*)\b",
    re.I,
)
_FIX_TITLE = re.compile(r"^\s*(fix|fixes|fixed|fixing|resolve|resolves)\b", re.I)
_BUMP_TITLE = re.compile(r"^\s*(bump|update dependency|upgrade dependency)\b", re.I)


def _label_words(labels: Iterable[str]) -> set[str]:
    return {word for label in labels for word in re.split(r"[^a-z0-9]+", str(label).lower()) if word}


def _refine_fix(title: str) -> str:
    """A fix whose title names a vulnerability or a failure mode is security or reliability work."""
    if _SECURITY_TITLE.search(title):
        return "security"
    if _RELIABILITY_TITLE.search(title):
        return "reliability"
    return "fix"


def category_label(conventional_type: str | None, labels: Iterable[str] | None, title: str | None) -> str | None:
    """The weak category label of one PR, or ``None`` when nothing says what the PR is.

    Rules, first match wins (human labels beat the prefix because they are the most deliberate
    signal; the title only refines a fix or fills in when there is no other signal):

    1. A label with a security word (``security``, ``vulnerability``, ``cve``) → ``security``.
    2. A label with a reliability word (``reliability``, ``incident``, ``outage``, ``stability``,
       ``sre``) → ``reliability``.
    3. Conventional type: ``feat`` → feature; ``fix`` → fix, refined to ``security`` when the
       title names a vulnerability (XSS, CVE-…, injection, sanitize, …) or to ``reliability``
       when it names a failure mode (retry, timeout, crash, deadlock, race, flaky, leak, hang,
       OOM, reconnect, backoff, …); ``perf`` → performance; ``security`` → security;
       ``refactor``/``style`` → refactor; ``docs`` → docs; ``test`` → test; ``build``/``ci`` →
       build/ci; ``chore``/``deps`` → chore. ``revert`` → ``None``: a revert undoes a change of
       any category, so it says nothing about this one.
    4. No (known) prefix: a type-like label word — bug/regression → fix (refined as above),
       performance → performance, feature/enhancement → feature, documentation → docs,
       test → test, ci/build → build/ci, refactor/cleanup → refactor, dependencies/chore → chore.
    5. Still nothing: a title starting with "Fix …" → fix (refined as above); "Bump …" /
       "Update dependency …" (bot upgrades) → chore.
    6. Otherwise ``None``: the row is left out of training rather than guessed.
    """
    ctype = (conventional_type or "").strip().lower()
    words = _label_words(labels or ())
    text = title or ""
    if words & _SECURITY_LABEL_WORDS:
        return "security"
    if words & _RELIABILITY_LABEL_WORDS:
        return "reliability"
    if ctype == "revert":
        return None
    if ctype in _PREFIX_CATEGORY:
        category = _PREFIX_CATEGORY[ctype]
        return _refine_fix(text) if category == "fix" else category
    for label_words, category in _LABEL_WORD_CATEGORY:
        if words & label_words:
            return _refine_fix(text) if category == "fix" else category
    if _FIX_TITLE.search(text):
        return _refine_fix(text)
    if _BUMP_TITLE.search(text):
        return "chore"
    return None


def _as_list(value: Any) -> list[Any]:
    """Lists arrive as lists, numpy arrays (parquet), tuples or None; treat them all alike."""
    if value is None or isinstance(value, str | bytes):
        return [] if not value else [value]
    try:
        return list(value)
    except TypeError:
        return [] if _is_missing(value) else [value]


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_int(value: Any) -> int:
    try:
        return 0 if _is_missing(value) else int(value)
    except (TypeError, ValueError):
        return 0


def impact_label(row: Mapping[str, Any]) -> str:
    """The weak impact tier (``low``/``medium``/``high``) of one enriched PR, from transparent points.

    Points (each rule is something a reviewer could check on the PR page):

    * size: ``lines_changed`` ≥ 1000 (size class xl) → +2; ≥ 250 (size class l) → +1;
    * measurable claims quoted from the PR text: 1 → +1; 2 or more → +2;
    * linked issues it closes: 1–2 → +1; 3 or more → +2;
    * review depth: ≥ 3 reviews or ≥ 10 review comments → +1;
    * category (``row["category"]`` if given, else the weak :func:`category_label`):
      security or performance → +2, because those changes matter beyond their size.

    Tier: ≥ 4 points → ``high``; 2–3 → ``medium``; 0–1 → ``low``. Size alone therefore never
    makes a PR high impact: it also needs evidence (claims, issues, review or category).
    """
    points = 0
    lines = _as_int(row.get("lines_changed"))
    points += 2 if lines >= 1000 else 1 if lines >= 250 else 0
    claims = len(_as_list(row.get("claims")))
    points += 2 if claims >= 2 else 1 if claims == 1 else 0
    issues = _as_int(row.get("linked_issue_count"))
    points += 2 if issues >= 3 else 1 if issues >= 1 else 0
    if _as_int(row.get("review_count")) >= 3 or _as_int(row.get("review_comment_count")) >= 10:
        points += 1
    category = row.get("category")
    if _is_missing(category) or category == "":
        title = row.get("clean_title") or row.get("title")
        category = category_label(row.get("conventional_type"), _as_list(row.get("labels")), title)
    if category in ("security", "performance"):
        points += 2
    return "high" if points >= 4 else "medium" if points >= 2 else "low"


# --------------------------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------------------------

_NUMERIC_FEATURES: tuple[str, ...] = (
    "log_lines_changed",
    "log_review_count",
    "log_review_comment_count",
    "log_claims",
    "log_linked_issues",
)


def _tag_tokens(prefix: str, values: Any) -> str:
    """One token per tag ("label:type:_bug area:packages/vite"), whitespace inside a tag joined.

    No tags at all becomes "label:none": the absence is a signal too, and it keeps the tag
    vocabulary non-empty when a repository never labels its PRs (TF-IDF refuses to fit on none).
    """
    tokens = [f"{prefix}:{'_'.join(str(v).lower().split())}" for v in _as_list(values) if str(v).strip()]
    return " ".join(tokens) or f"{prefix}:none"


def _prepare_features(df: pd.DataFrame) -> pd.DataFrame:
    """Turn raw enriched-PR rows into the model's columns (text, tags, log counts).

    Lives inside the pipeline (as a FunctionTransformer) so the logged model takes the same
    raw rows the pipeline stores, with no separate preprocessing step to keep in sync. Missing
    columns become empty values rather than errors: older partitions may lack newer fields.
    It never reads ``conventional_type``.
    """
    import numpy as np
    import pandas as pd

    def column(name: str, default: Any) -> pd.Series:
        if name in df.columns:
            return df[name]
        return pd.Series([default] * len(df), index=df.index, dtype=object)

    def log_count(values: pd.Series) -> np.ndarray:
        return np.log1p(np.array([max(_as_int(v), 0) for v in values], dtype=float))

    titles = column("clean_title", "").map(lambda v: "" if _is_missing(v) else str(v))
    bodies = column("body", "").map(lambda v: "" if _is_missing(v) else str(v))
    out = pd.DataFrame(index=df.index)
    out["text"] = (titles + " \n " + bodies).astype(str)
    out["tags"] = [
        f"{_tag_tokens('label', labels)} {_tag_tokens('area', areas)}".strip()
        for labels, areas in zip(column("labels", None), column("areas", None), strict=True)
    ]
    out["log_lines_changed"] = log_count(column("lines_changed", 0))
    out["log_review_count"] = log_count(column("review_count", 0))
    out["log_review_comment_count"] = log_count(column("review_comment_count", 0))
    out["log_claims"] = np.log1p(np.array([len(_as_list(v)) for v in column("claims", None)], dtype=float))
    out["log_linked_issues"] = log_count(column("linked_issue_count", 0))
    return out


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


# --------------------------------------------------------------------------------------------
# MLflow session handling
# --------------------------------------------------------------------------------------------

_MLFLOW_LOCK = threading.RLock()
_QUIET_LOGGERS = ("mlflow", "alembic", "skops")


@contextlib.contextmanager
def _scoped_env(name: str, value: str, *, respect_existing: bool) -> Iterator[None]:
    """Set one environment variable for a block; with ``respect_existing`` an operator's value wins."""
    previous = os.environ.get(name)
    if respect_existing and previous is not None:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def _mlflow_session(tracking_uri: str, registry_uri: str | None) -> Iterator[Any]:
    """Import mlflow and point it at the caller's store for one block, restoring everything after.

    Restores the fluent tracking/registry URIs *and* the ``MLFLOW_TRACKING_URI`` /
    ``MLFLOW_REGISTRY_URI`` environment variables (``mlflow.set_tracking_uri`` writes the
    former), quiets MLflow's INFO chatter and warnings, and turns telemetry off: this pipeline
    must never talk to the network on its own.
    """
    # Real switch (mlflow/telemetry/utils.py reads it at import and on every event); an explicit
    # operator setting is left alone. DO_NOT_TRACK is not set: it would reach other libraries.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    with _MLFLOW_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"mlflow(\.|$)")
        warnings.filterwarnings("ignore", module=r"skops(\.|$)")
        import mlflow
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
        old_env = {key: os.environ.get(key) for key in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
        old_tracking = getattr(tracking_utils, "_tracking_uri", None)
        old_registry = getattr(registry_utils, "_registry_uri", None)
        try:
            for name in _QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
            mlflow.set_tracking_uri(tracking_uri)
            mlflow.set_registry_uri(registry_uri or tracking_uri)
            yield mlflow
        finally:
            mlflow.set_tracking_uri(old_tracking)
            mlflow.set_registry_uri(old_registry)
            for key, value in old_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


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


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelOutcome:
    """What one training run did to one registered model."""

    name: str
    version: str
    run_id: str
    metrics: dict[str, float]
    promoted: bool
    previous_champion_version: str | None
    previous_champion_macro_f1: float | None
    n_train: int
    n_holdout: int
    class_counts: dict[str, int]

    @property
    def champion_version(self) -> str | None:
        """The version carrying the champion alias after this run (the winner)."""
        return self.version if self.promoted else self.previous_champion_version


@dataclass(frozen=True)
class TrainingResult:
    """Per model name (``pr-category``, ``pr-impact``) → its :class:`ModelOutcome`."""

    models: dict[str, ModelOutcome]
    n_rows: int
    n_category_labelled: int
    tracking_uri: str
    experiment_id: str
    label_rules_version: str = LABEL_RULES_VERSION

    def __getitem__(self, name: str) -> ModelOutcome:
        return self.models[name]


def _holdout_split(labels: Sequence[str], seed: int) -> tuple[list[int], list[int], str]:
    """Stratified holdout indices, deterministic for a seed; returns (train, holdout, strategy).

    Stratified rather than time-ordered: weak labels are skewed, and a time slice of a few
    partitions often misses whole classes, which makes macro-F1 meaningless. Classes with a
    single example cannot be split, so they go to training (the model should still know them);
    if the rest is too small to hold one example of every class out, the split is a plain
    seeded shuffle instead.
    """
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    singles = [i for i, y in enumerate(labels) if counts[y] < 2]
    rest = [i for i, y in enumerate(labels) if counts[y] >= 2]
    rest_labels = [labels[i] for i in rest]
    n_classes = len(set(rest_labels))
    n_holdout = max(1, round(len(rest) * _HOLDOUT_FRACTION))
    if not rest:
        return singles, [], "none"
    if n_classes >= 2 and n_holdout >= n_classes and len(rest) - n_holdout >= n_classes:
        train, holdout = train_test_split(rest, test_size=n_holdout, random_state=seed, stratify=rest_labels)
        strategy = "stratified"
    else:
        train, holdout = train_test_split(rest, test_size=n_holdout, random_state=seed, shuffle=True)
        strategy = "shuffled"
    return sorted([*train, *singles]), sorted(holdout), strategy


def _check_trainable(name: str, labels: Sequence[str], min_rows: int, total_rows: int) -> None:
    classes = Counter(labels)
    if len(labels) >= min_rows and len(classes) >= 2:
        return
    found = ", ".join(f"{k}={v}" for k, v in sorted(classes.items())) or "none"
    raise InsufficientTrainingData(
        f"cannot train {name}: found {len(labels)} labelled rows (of {total_rows} PRs) in "
        f"{len(classes)} class(es) [{found}], need at least {min_rows} labelled rows in at least "
        "2 classes: materialize more ingest/enrich partitions first"
    )


def _input_example(features: pd.DataFrame) -> pd.DataFrame:
    """A few real rows, bodies cut short: enough to document the input without copying the corpus."""
    # Prefer a row with claims/labels so the signature records them as string arrays, not "any".
    pairs = zip(features["claims"], features["labels"], strict=True)
    rich = [i for i, (claims, labels) in enumerate(pairs) if claims and labels]
    rows = sorted(set(rich[:1]) | set(range(min(3, len(features)))))[:3]
    example = features.iloc[rows].copy()
    example["body"] = example["body"].map(lambda v: str(v)[:_EXAMPLE_BODY_CHARS])
    return example.reset_index(drop=True)


def _feature_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The raw feature columns in a fixed order, with empty defaults for absent ones."""
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    for name in FEATURE_COLUMNS:
        if name in df.columns:
            out[name] = df[name]
        elif name in ("labels", "areas", "claims"):
            out[name] = [[] for _ in range(len(df))]
        elif name in ("clean_title", "body"):
            out[name] = ""
        else:
            out[name] = 0
    for name in ("labels", "areas", "claims"):
        out[name] = out[name].map(lambda v: [str(x) for x in _as_list(v)])
    for name in ("clean_title", "body"):
        out[name] = out[name].map(lambda v: "" if _is_missing(v) else str(v))
    for name in ("lines_changed", "review_count", "review_comment_count", "linked_issue_count"):
        out[name] = out[name].map(_as_int).astype("int64")
    return out


def _fit_and_log(
    mlflow: Any,
    client: Any,
    *,
    name: str,
    pipeline: Any,
    features: pd.DataFrame,
    labels: list[str],
    experiment_id: str,
    seed: int,
    params: dict[str, Any],
) -> ModelOutcome:
    """Fit on the training split, score the holdout, log and register, then maybe promote."""
    from mlflow.models import infer_signature
    from sklearn.metrics import accuracy_score, f1_score

    train_idx, holdout_idx, strategy = _holdout_split(labels, seed)
    y = list(labels)
    x_train = features.iloc[train_idx]
    y_train = [y[i] for i in train_idx]
    if len(set(y_train)) < 2:
        raise InsufficientTrainingData(
            f"cannot train {name}: the training split has a single class ({y_train[0]!r}) out of "
            f"{len(y)} labelled rows: materialize more ingest/enrich partitions first"
        )
    pipeline.fit(x_train, y_train)

    metrics: dict[str, float] = {"n_train": float(len(train_idx)), "n_holdout": float(len(holdout_idx))}
    if holdout_idx:
        x_holdout = features.iloc[holdout_idx]
        y_holdout = [y[i] for i in holdout_idx]
        predicted = list(pipeline.predict(x_holdout))
        metrics[PRIMARY_METRIC] = float(f1_score(y_holdout, predicted, average="macro", zero_division=0))
        metrics["holdout_accuracy"] = float(accuracy_score(y_holdout, predicted))
    else:
        # Nothing to hold out (every class a singleton): no honest score, never promoted over one.
        metrics[PRIMARY_METRIC] = 0.0
        metrics["holdout_accuracy"] = 0.0

    class_counts = dict(sorted(Counter(y).items()))
    example = _input_example(features.iloc[train_idx])
    signature = infer_signature(example, pipeline.predict(example))
    previous = _champion_version(client, name)
    previous_f1 = _logged_metric(client, previous, PRIMARY_METRIC) if previous is not None else None

    with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
        mlflow.log_params(
            {
                **params,
                "model_name": name,
                "seed": seed,
                "split_strategy": strategy,
                "holdout_fraction": _HOLDOUT_FRACTION,
                "classes": ",".join(class_counts),
                "label_rules_version": LABEL_RULES_VERSION,
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.log_dict(class_counts, "class_counts.json")
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            registered_model_name=name,
            signature=signature,
            input_example=example,
            # Explicit requirements skip MLflow's inference, which re-imports the model in a
            # subprocess (slow) just to list packages we already know.
            pip_requirements=_pip_requirements(),
            serialization_format="skops",
            skops_trusted_types=_SKOPS_TRUSTED_TYPES,
        )
    version = str(info.registered_model_version)
    client.set_model_version_tag(name, version, PRIMARY_METRIC, f"{metrics[PRIMARY_METRIC]:.6f}")

    # Strictly better only: a tie (e.g. the same data retrained) keeps the current champion.
    promoted = previous is None or previous_f1 is None or metrics[PRIMARY_METRIC] > previous_f1
    if promoted:
        client.set_registered_model_alias(name, CHAMPION_ALIAS, version)
    return ModelOutcome(
        name=name,
        version=version,
        run_id=run.info.run_id,
        metrics=metrics,
        promoted=promoted,
        previous_champion_version=None if previous is None else str(previous.version),
        previous_champion_macro_f1=previous_f1,
        n_train=len(train_idx),
        n_holdout=len(holdout_idx),
        class_counts=class_counts,
    )


def _pip_requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for package in ("scikit-learn", "skops", "pandas", "numpy", "scipy"):
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:  # pragma: no cover - all are sklearn/mlflow dependencies
            pins.append(package)
    return pins


def train_models(
    df: pd.DataFrame,
    *,
    tracking_uri: str,
    registry_uri: str | None = None,
    experiment: str = "achievement-pipeline",
    seed: int = 0,
    min_rows: int = 20,
    artifact_location: str | None = None,
) -> TrainingResult:
    """Weakly label ``df``, train both models, log/register them, and promote the better ones.

    ``df`` holds enriched PRs (see the module docstring of ``records``). Rows without a category
    label are left out of the category model (impact always has a label). Both models are checked
    for enough data *before* anything is logged, so a failure never leaves one model registered
    and the other not. ``artifact_location`` is used only when the experiment is created; for a
    ``sqlite:///<home>/mlflow.db`` store it defaults to ``<home>/mlartifacts``.

    Raises:
        InsufficientTrainingData: fewer than ``min_rows`` labelled rows or fewer than 2 classes.
    """
    missing = [c for c in ("conventional_type", "clean_title") if c not in df.columns]
    if missing:
        raise ValueError(f"train_models needs enriched PR columns {missing}; got {sorted(df.columns)}")

    frame = df.reset_index(drop=True)
    features = _feature_frame(frame)
    category = [
        category_label(ctype, labels, title)
        for ctype, labels, title in zip(
            frame["conventional_type"], features["labels"], features["clean_title"], strict=True
        )
    ]
    labelled = [i for i, c in enumerate(category) if c is not None]
    category_y = [str(category[i]) for i in labelled]
    impact_rows = features.assign(conventional_type=frame["conventional_type"].fillna(""))
    impact_y = [
        impact_label({**row, "category": category[i] or ""}) for i, row in enumerate(impact_rows.to_dict("records"))
    ]
    # The rules' vocabulary is the records' vocabulary; anything else is a bug in the rules.
    assert set(category_y) <= set(CATEGORIES) and set(impact_y) <= set(IMPACT_TIERS)
    _check_trainable(CATEGORY_MODEL, category_y, min_rows, len(frame))
    _check_trainable(IMPACT_MODEL, impact_y, min_rows, len(frame))

    location = artifact_location or _default_artifact_location(tracking_uri)
    with _mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri or tracking_uri)
        experiment_id = _experiment_id(client, experiment, location)
        outcomes = {
            CATEGORY_MODEL: _fit_and_log(
                mlflow,
                client,
                name=CATEGORY_MODEL,
                pipeline=build_category_pipeline(seed),
                features=features.iloc[labelled].reset_index(drop=True),
                labels=category_y,
                experiment_id=experiment_id,
                seed=seed,
                params={"n_rows": len(frame), "n_labelled": len(labelled), "max_iter": _MAX_ITER},
            ),
            IMPACT_MODEL: _fit_and_log(
                mlflow,
                client,
                name=IMPACT_MODEL,
                pipeline=build_impact_pipeline(seed),
                features=features,
                labels=impact_y,
                experiment_id=experiment_id,
                seed=seed,
                params={"n_rows": len(frame), "n_labelled": len(frame), "max_iter": _MAX_ITER},
            ),
        }
    return TrainingResult(
        models=outcomes,
        n_rows=len(frame),
        n_category_labelled=len(labelled),
        tracking_uri=tracking_uri,
        experiment_id=experiment_id,
    )


# --------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChampionModels:
    """The two champion pipelines and the registry versions they came from."""

    category_model: Any
    impact_model: Any
    category_version: str
    impact_version: str
    tracking_uri: str

    @property
    def model_version(self) -> str:
        return f"{CATEGORY_MODEL}:{self.category_version},{IMPACT_MODEL}:{self.impact_version}"

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """One prediction row per input row (same index), with versions so every row is traceable.

        ``pr_id``/``merge_date`` are copied through when present, so the result is a ready
        ``PredictionRecord`` frame. An empty input gives an empty frame with the same columns.
        """
        import pandas as pd

        passthrough = [c for c in _PASSTHROUGH_COLUMNS if c in df.columns]
        columns = [*passthrough, *PREDICTION_COLUMNS]
        if len(df) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}, index=df.index)
        features = _feature_frame(df)
        out = df[passthrough].copy()
        for prefix, model in (("category", self.category_model), ("impact", self.impact_model)):
            proba = model.predict_proba(features)
            classes = list(model.classes_)
            best = proba.argmax(axis=1)
            out[prefix] = [str(classes[i]) for i in best]
            out[f"{prefix}_confidence"] = proba.max(axis=1).astype(float)
        out["model_name"] = CATEGORY_MODEL
        out["model_version"] = self.model_version
        out["category_model_version"] = self.category_version
        out["impact_model_version"] = self.impact_version
        return out[columns]


def load_champions(tracking_uri: str, registry_uri: str | None = None) -> ChampionModels:
    """Load the ``champion`` version of both models from the registry.

    The alias is resolved to a version number first and that exact version is loaded, so the
    recorded version is the one that predicts even if a training run moves the alias meanwhile.

    Models are stored with skops and a fixed trusted-type list, but MLflow 3.17 still refuses
    any model deserialization unless ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION`` is true. These are
    models this pipeline trained into its own registry, so the flag is enabled for the load
    only — unless an operator set it explicitly (e.g. to ``false``), which is respected.

    Raises:
        NoChampionModel: a model has no champion (nothing trained yet).
    """
    registry = registry_uri or tracking_uri
    with _mlflow_session(tracking_uri, registry_uri) as mlflow:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)
        versions: dict[str, str] = {}
        for name in (CATEGORY_MODEL, IMPACT_MODEL):
            champion = _champion_version(client, name)
            if champion is None:
                raise NoChampionModel(
                    f"no champion for {name} in MLflow at {registry}: materialize the pr_models asset first"
                )
            versions[name] = str(champion.version)
        with _scoped_env("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true", respect_existing=True):
            loaded = {name: mlflow.sklearn.load_model(f"models:/{name}/{v}") for name, v in versions.items()}
    return ChampionModels(
        category_model=loaded[CATEGORY_MODEL],
        impact_model=loaded[IMPACT_MODEL],
        category_version=versions[CATEGORY_MODEL],
        impact_version=versions[IMPACT_MODEL],
        tracking_uri=tracking_uri,
    )
