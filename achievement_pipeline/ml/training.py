"""Training: label, fit, score on a time-ordered holdout, log to MLflow, register, promote the champion.

:func:`train_models` labels the enriched PRs (``ml.labels``: the author's conventional type or a
GitHub label; ``ml.sentiment_labels``: the reviewer's declared verdict), fits the two models
(``pr-category``, ``pr-review-sentiment``) on the older rows, scores each on the newest ones
(``ml.holdout``), logs parameters, metrics, signature and the fitted pipeline to MLflow and
registers a new version. A new version only takes the ``champion`` alias when it beats the
incumbent (the champion, or for the category model the shipped base model) on the same holdout
beyond the bootstrap noise (``ml.promotion``). Impact is not trained at all: it is a scorecard
(``ml.impact_scorecard``).

Two rules keep the registry honest:

* **Unchanged data registers nothing.** Every version carries a ``training_fingerprint`` tag: a
  SHA-256 of the model's training rows (features and labels, in order), the seed, the
  scikit-learn version and the source of the modules that turn rows into a fitted pipeline.
  When the champion carries the fingerprint of the run about to happen, or a version with that
  fingerprint already lost to the current incumbent, nothing is fitted, logged or registered for
  that model: its outcome says "unchanged".
* **Each model stands alone.** A model with too little data (too few rows or texts, a single
  class, a holdout too small to score two classes) is skipped with its reason in
  :attr:`TrainingResult.skipped`; the other model still trains, and predictions still run (the
  base category model and "not assessed" sentiment stand in).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from achievement_pipeline.core.records import CATEGORIES, SENTIMENTS
from achievement_pipeline.core.redaction import redact_all
from achievement_pipeline.ml.base_model import load_base_model
from achievement_pipeline.ml.category_fit import TITLE_ONLY_PERCENT
from achievement_pipeline.ml.holdout import (
    HOLDOUT_FRACTION,
    MIN_SUPPORT,
    InsufficientTrainingData,
    Split,
    check_trainable,
    time_ordered_split,
)
from achievement_pipeline.ml.inputs import SKOPS_TRUSTED_TYPES, feature_frame
from achievement_pipeline.ml.labels import LABEL_RULES_VERSION, category_label
from achievement_pipeline.ml.mlflow_env import mlflow_session
from achievement_pipeline.ml.pipelines import (
    MAX_ITER,
    build_category_pipeline,
    build_sentiment_pipeline,
    compact_vocabularies,
)
from achievement_pipeline.ml.promotion import (
    PRIMARY_METRIC,
    UNCHANGED,
    Comparison,
    compare_with_champion,
    macro_f1,
)
from achievement_pipeline.ml.registry import (
    CATEGORY_MODEL,
    CHAMPION_ALIAS,
    MODEL_DESCRIPTIONS,
    RULES_TAG,
    RULES_VERSIONS,
    SENTIMENT_MODEL,
    default_artifact_location,
    ensure_experiment,
    find_current_champion,
)
from achievement_pipeline.ml.sentiment_labels import (
    CHANGES_REQUESTED,
    SENTIMENT_RULES_VERSION,
    review_states,
    review_texts,
    sentiment_examples,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["FINGERPRINT_TAG", "PRIMARY_METRIC", "ModelOutcome", "TrainingResult", "train_models"]

_EXAMPLE_TEXT_CHARS = 200
# The model-version tag (and run parameter) holding what a version was trained on: see the module docstring.
FINGERPRINT_TAG = "training_fingerprint"
# The champion version a version was compared with (so a rerun of a losing candidate is recognised).
_COMPARED_TAG = "compared_with_champion"
# The modules whose code decides what a fitted model is, given its rows: an edit to any retrains.
_CODE_MODULES = (
    "inputs",
    "labels",
    "sentiment_labels",
    "pipelines",
    "calibration",
    "category_fit",
    "holdout",
    "training",
)
# The metrics of a champion's run that describe the champion itself (not its own comparison).
_OWN_METRICS = (PRIMARY_METRIC, "holdout_accuracy", "n_train", "n_holdout")


@dataclass(frozen=True)
class ModelOutcome:
    """What one training run did to one registered model, and how it compared with the champion."""

    name: str
    version: str
    run_id: str
    metrics: dict[str, float]
    promoted: bool
    previous_champion_version: str | None
    # The previous champion's macro-F1 on *this* run's holdout (or, when it could not be scored,
    # its logged one: see ``comparison_basis``); None when there was no champion.
    previous_champion_macro_f1: float | None
    n_train: int
    n_holdout: int
    class_counts: dict[str, int]
    comparison_basis: str = "no champion"
    comparison_note: str = ""

    @property
    def unchanged(self) -> bool:
        """Nothing was trained or registered: the champion was trained on the same rows and code."""
        return self.comparison_basis == UNCHANGED

    @property
    def champion_version(self) -> str | None:
        """The version carrying the champion alias after this run (the winner)."""
        return self.version if self.promoted else self.previous_champion_version

    @property
    def macro_f1(self) -> float:
        return self.metrics[PRIMARY_METRIC]

    @property
    def margin(self) -> float | None:
        """Candidate minus champion macro-F1 on the holdout (positive: the candidate is better)."""
        if self.previous_champion_macro_f1 is None:
            return None
        return self.macro_f1 - self.previous_champion_macro_f1


@dataclass(frozen=True)
class TrainingResult:
    """Per model name (``pr-category``, ``pr-review-sentiment``) → its :class:`ModelOutcome`.

    A model that had too little data is not in ``models`` but in ``skipped`` (name → the reason,
    naming the counts found and needed); ``experiment_id`` is None when every model was skipped
    (MLflow was not touched).
    """

    models: dict[str, ModelOutcome]
    n_rows: int
    n_category_labelled: int
    tracking_uri: str
    experiment_id: str | None
    n_sentiment_texts: int = 0
    label_rules_version: str = LABEL_RULES_VERSION
    skipped: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ModelOutcome:
        return self.models[name]


@dataclass(frozen=True)
class _Task:
    """One model to fit: its pipeline builder, its raw input rows, their labels and the time-ordered split."""

    name: str
    build: Any  # () -> unfitted pipeline
    features: pd.DataFrame
    labels: list[str]
    split: Split
    params: dict[str, Any] = field(default_factory=dict)
    calibrate: bool = False  # fit the category recipe with its confidence curves (``ml.category_fit``)
    seed: int = 0
    pr_rows: list[dict[str, Any]] = field(default_factory=list)  # holdout PRs, for the PR-level check


def _input_example(features: pd.DataFrame) -> pd.DataFrame:
    """A few real rows, texts cut short: enough to document the input without copying the corpus.

    The example is stored with the model in MLflow's artifact store, outside the warehouse, so
    every text in it is redacted (``core.redaction``) before the texts are cut.
    """
    rows = list(range(min(3, len(features))))
    if {"claims", "labels", "file_paths"} <= set(features.columns):
        # Prefer a row with claims/labels/paths so the signature records string arrays, not "any".
        columns = zip(features["claims"], features["labels"], features["file_paths"], strict=True)
        rich = [i for i, (claims, labels, paths) in enumerate(columns) if claims and labels and paths]
        rows = sorted(set(rich[:1]) | set(rows))[:3]
    example = features.iloc[rows].copy()
    for column in example.columns:
        if example[column].dtype == object:
            example[column] = example[column].map(redact_all)
    for text in ("body", "text"):
        if text in example.columns:
            example[text] = example[text].map(lambda v: str(v)[:_EXAMPLE_TEXT_CHARS])
    return example.reset_index(drop=True)


def _jsonable(value: Any) -> Any:
    """numpy arrays and scalars as plain values (``str`` would abbreviate long arrays), anything else as text."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else str(value)


@cache
def _code_fingerprint() -> str:
    from importlib import import_module
    from importlib.metadata import version

    digest = hashlib.sha256(f"scikit-learn=={version('scikit-learn')}".encode())
    for module in _CODE_MODULES:
        digest.update(Path(str(import_module(f"achievement_pipeline.ml.{module}").__file__)).read_bytes())
    return digest.hexdigest()


def training_fingerprint(task: _Task, seed: int) -> str:
    """What a fit of ``task`` depends on: its rows and labels in order, the seed and the code (see the module doc)."""
    digest = hashlib.sha256(json.dumps([task.name, seed, _code_fingerprint()]).encode())
    for row, label in zip(task.features.to_dict("records"), task.labels, strict=True):
        digest.update(json.dumps([row, label], sort_keys=True, default=_jsonable).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _incumbent_tag(champion: Any | None) -> str:
    """What a candidate was compared with: the champion's version, or "base" (the shipped model, or nothing)."""
    return "base" if champion is None else str(champion.version)


def _same_training(client: Any, name: str, fingerprint: str, champion: Any | None) -> Any | None:
    """A registered version this run would reproduce: the champion itself, or one that already lost to the incumbent."""
    if champion is not None and (champion.tags or {}).get(FINGERPRINT_TAG) == fingerprint:
        return champion
    incumbent = _incumbent_tag(champion)
    for version in client.search_model_versions(f"name='{name}'"):
        tags = version.tags or {}
        if (
            tags.get(FINGERPRINT_TAG) == fingerprint
            and tags.get(_COMPARED_TAG) == incumbent
            and tags.get("promoted") == "false"
        ):
            return version
    return None


def _unchanged(client: Any, task: _Task, champion: Any | None, same: Any, fingerprint: str) -> ModelOutcome:
    """The outcome of a run that registers nothing: ``same`` already is this model, and the incumbent stays."""
    logged = client.get_run(same.run_id).data.metrics if same.run_id else {}
    metrics = {k: float(logged[k]) for k in _OWN_METRICS if k in logged}
    metrics.setdefault(PRIMARY_METRIC, float((same.tags or {}).get(PRIMARY_METRIC, 0.0)))
    is_champion = champion is not None and str(same.version) == str(champion.version)
    champion_f1 = metrics[PRIMARY_METRIC] if is_champion else logged.get("champion_holdout_macro_f1")
    if champion_f1 is not None:
        metrics["champion_holdout_macro_f1"] = float(champion_f1)
    which = "the base model" if champion is None else f"champion v{champion.version}"
    if not is_champion:
        which = f"v{same.version} (it did not beat {which})"
    return ModelOutcome(
        name=task.name,
        version=str(same.version),
        run_id=str(same.run_id or ""),
        metrics=metrics,
        promoted=False,
        previous_champion_version="base" if champion is None else str(champion.version),
        previous_champion_macro_f1=None if champion_f1 is None else float(champion_f1),
        n_train=int(metrics.get("n_train", 0)),
        n_holdout=int(metrics.get("n_holdout", 0)),
        class_counts=dict(sorted(Counter(task.labels).items())),
        comparison_basis=UNCHANGED,
        comparison_note=(
            f"{which} was trained on the same rows and code (fingerprint {fingerprint[:12]}): nothing registered"
        ),
    )


def _pr_level(pipeline: Any, rows: list[dict[str, Any]]) -> dict[str, float]:
    """The sentiment model at PR level on the holdout PRs: "mostly negative" vs "had a changes-requested review".

    A PR is predicted negative when its texts' mean P(negative) is the larger; the baseline says no PR
    had one (the majority). Both are accuracies over the holdout PRs with review text.
    """
    from achievement_pipeline.ml.serving import summarise_sentiment_batch

    texts = [[text for text, _ in review_texts(r.get("reviews"), r.get("review_comments"))] for r in rows]
    kept = [(row, t) for row, t in zip(rows, texts, strict=True) if t]
    if not kept:
        return {}
    summaries = summarise_sentiment_batch(pipeline, [t for _, t in kept])
    truth = [review_states(row.get("reviews"))[CHANGES_REQUESTED] > 0 for row, _ in kept]
    predicted = [s.label == "negative" for s in summaries]
    return {
        "pr_level_n": float(len(kept)),
        "pr_level_accuracy": sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(kept),
        "pr_level_baseline_accuracy": sum(not t for t in truth) / len(kept),
    }


def _fit(task: _Task, x_train: pd.DataFrame, y_train: list[str]) -> tuple[Any, dict[str, Any]]:
    """The fitted pipeline (with confidence curves for the category model) and its reliability report."""
    if not task.calibrate:
        return task.build().fit(x_train, y_train), {}
    from achievement_pipeline.ml.category_fit import fit_category_model

    return fit_category_model(x_train.reset_index(drop=True), y_train, task.seed)


def _fit_and_log(
    mlflow: Any,
    client: Any,
    task: _Task,
    *,
    experiment_id: str,
    seed: int,
    tags: Mapping[str, str],
) -> ModelOutcome:
    """Fit on the older rows, score the newest, compare with the incumbent, log, register, promote.

    Registers nothing when this exact training already happened (see :func:`_unchanged`); the shipped
    base model, the category model's first rival, is loaded only when there is a comparison to make.
    """
    from mlflow.models import infer_signature
    from sklearn.metrics import accuracy_score

    fingerprint = training_fingerprint(task, seed)
    champion = find_current_champion(client, task.name)
    same = _same_training(client, task.name, fingerprint, champion)
    if same is not None:
        return _unchanged(client, task, champion, same, fingerprint)

    split, y = task.split, task.labels
    x_train = task.features.iloc[split.train]
    y_train = [y[i] for i in split.train]
    pipeline, reliability = _fit(task, x_train, y_train)
    pipeline = compact_vocabularies(pipeline)

    x_holdout = task.features.iloc[split.holdout]
    y_holdout = [y[i] for i in split.holdout]
    predicted = [str(p) for p in pipeline.predict(x_holdout)]
    metrics: dict[str, float] = {
        "n_train": float(len(split.train)),
        "n_holdout": float(len(split.holdout)),
        PRIMARY_METRIC: macro_f1(y_holdout, predicted, split.scored_classes),
        "holdout_accuracy": float(accuracy_score(y_holdout, predicted)),
    }
    if task.name == SENTIMENT_MODEL:
        metrics.update(_pr_level(pipeline, task.pr_rows))
    base_model = load_base_model() if task.name == CATEGORY_MODEL else None
    comparison: Comparison = compare_with_champion(
        mlflow, client, task.name, x_holdout, y_holdout, predicted, split.scored_classes, base_model
    )
    if comparison.champion_macro_f1 is not None:
        metrics["champion_holdout_macro_f1"] = comparison.champion_macro_f1
        metrics["macro_f1_margin"] = metrics[PRIMARY_METRIC] - comparison.champion_macro_f1
    if comparison.difference is not None:
        metrics["macro_f1_margin_low"] = comparison.difference.low
        metrics["macro_f1_margin_high"] = comparison.difference.high
    promoted = comparison.beaten_by(metrics[PRIMARY_METRIC])

    class_counts = dict(sorted(Counter(y).items()))
    example = _input_example(x_train)
    signature = infer_signature(example, pipeline.predict(example))
    rules = RULES_VERSIONS[task.name]
    run_tags = {**tags, RULES_TAG: rules, "sentiment_rules_version": SENTIMENT_RULES_VERSION}
    incumbent = comparison.champion_version or "base"
    # Logged as a parameter; the version tag below names the champion (or "base") this run faced.
    with mlflow.start_run(experiment_id=experiment_id, run_name=task.name, tags=run_tags) as run:
        mlflow.log_params(
            {
                **task.params,
                "model_name": task.name,
                "seed": seed,
                "split_strategy": split.strategy,
                "holdout_fraction": HOLDOUT_FRACTION,
                "min_support": MIN_SUPPORT,
                "scored_classes": ",".join(split.scored_classes),
                "classes": ",".join(class_counts),
                "compared_with_champion": incumbent,
                "comparison_basis": comparison.basis,
                FINGERPRINT_TAG: fingerprint,
            }
        )
        mlflow.log_dict(class_counts, "class_counts.json")
        if reliability:
            mlflow.log_dict(reliability, "reliability.json")
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            registered_model_name=task.name,
            signature=signature,
            input_example=example,
            # Explicit requirements skip MLflow's inference, which re-imports the model in a
            # subprocess (slow) just to list packages we already know.
            pip_requirements=_pip_requirements(),
            serialization_format="skops",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )
        # Logged against the run *and* the logged model, so the model version page shows them too.
        mlflow.log_metrics(metrics, model_id=info.model_id)
    version = str(info.registered_model_version)
    client.update_registered_model(task.name, description=MODEL_DESCRIPTIONS[task.name])
    version_tags = {
        PRIMARY_METRIC: f"{metrics[PRIMARY_METRIC]:.6f}",
        "promoted": str(promoted).lower(),
        "comparison_basis": comparison.basis,
        FINGERPRINT_TAG: fingerprint,
        _COMPARED_TAG: _incumbent_tag(champion),
        RULES_TAG: rules,
    }
    for key, value in version_tags.items():
        client.set_model_version_tag(task.name, version, key, value)
    if promoted:
        client.set_registered_model_alias(task.name, CHAMPION_ALIAS, version)
    return ModelOutcome(
        name=task.name,
        version=version,
        run_id=run.info.run_id,
        metrics=metrics,
        promoted=promoted,
        previous_champion_version=comparison.champion_version,
        previous_champion_macro_f1=comparison.champion_macro_f1,
        n_train=len(split.train),
        n_holdout=len(split.holdout),
        class_counts=class_counts,
        comparison_basis=comparison.basis,
        comparison_note=comparison.note,
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


def _order(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(merge day, PR id) per row: the time order splits and calibration folds follow."""
    days = frame["merge_date"] if "merge_date" in frame.columns else [""] * len(frame)
    ids = frame["pr_id"] if "pr_id" in frame.columns else [str(i) for i in range(len(frame))]
    return [(str(day), str(pr)) for day, pr in zip(days, ids, strict=True)]


def _tasks(
    df: pd.DataFrame, seed: int, min_rows: int, min_sentiment_texts: int
) -> tuple[list[_Task], dict[str, str], int, int]:
    """The models' inputs and labels, and the models that cannot train (name → reason).

    Rows are put in time order first, so every split, fold and fingerprint follows merge time.
    Every data check runs here, before any MLflow call, and each model is judged on its own.
    """
    import pandas as pd

    unordered = df.reset_index(drop=True)
    order = _order(unordered)
    frame = unordered.iloc[sorted(range(len(unordered)), key=lambda i: order[i])].reset_index(drop=True)
    order = _order(frame)
    features = feature_frame(frame)
    labels_column = frame["labels"] if "labels" in frame.columns else [[]] * len(frame)
    category = [
        category_label(ctype, labels) for ctype, labels in zip(frame["conventional_type"], labels_column, strict=True)
    ]
    labelled = [i for i, c in enumerate(category) if c is not None]
    category_y = [str(category[i]) for i in labelled]
    review_columns = [c for c in ("reviews", "review_comments") if c in frame.columns]
    records = frame[review_columns].to_dict("records") if review_columns else [{} for _ in range(len(frame))]
    texts, sentiment_y, first_rows = sentiment_examples(records)
    # The rules' vocabulary is the records' vocabulary; anything else is a bug in the rules.
    assert set(category_y) <= set(CATEGORIES) and set(sentiment_y) <= set(SENTIMENTS)

    category_split = time_ordered_split([order[i] for i in labelled], category_y)
    sentiment_split = time_ordered_split([(*order[r], str(k)) for k, r in enumerate(first_rows)], sentiment_y)
    holdout_rows = sorted({first_rows[k] for k in sentiment_split.holdout})
    first_holdout_row = holdout_rows[0] if holdout_rows else len(frame)
    common = {"n_rows": len(frame), "max_iter": MAX_ITER}
    candidates = [
        (
            _Task(
                CATEGORY_MODEL,
                lambda: build_category_pipeline(seed),
                features.iloc[labelled].reset_index(drop=True),
                category_y,
                category_split,
                {**common, "n_labelled": len(labelled), "title_only_percent": TITLE_ONLY_PERCENT},
                calibrate=True,
                seed=seed,
            ),
            min_rows,
            "labelled rows",
        ),
        (
            _Task(
                SENTIMENT_MODEL,
                lambda: build_sentiment_pipeline(seed),
                pd.DataFrame({"text": texts}),
                sentiment_y,
                sentiment_split,
                {**common, "n_labelled": len(texts)},
                pr_rows=records[first_holdout_row:],
            ),
            min_sentiment_texts,
            "distinct review texts with a verdict (APPROVED or CHANGES_REQUESTED)",
        ),
    ]
    tasks: list[_Task] = []
    skipped: dict[str, str] = {}
    for task, minimum, unit in candidates:
        try:
            check_trainable(task.name, task.labels, task.split, minimum, len(frame), unit=unit)
        except InsufficientTrainingData as exc:
            skipped[task.name] = str(exc)
            continue
        tasks.append(task)
    return tasks, skipped, len(labelled), len(texts)


def train_models(
    df: pd.DataFrame,
    *,
    tracking_uri: str,
    registry_uri: str | None = None,
    experiment: str = "achievement-pipeline",
    seed: int = 0,
    min_rows: int = 20,
    min_sentiment_texts: int = 15,
    artifact_location: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> TrainingResult:
    """Label ``df``, train the models that have enough data, log/register them, promote the better ones.

    ``df`` holds model-input rows (``ml.inputs.model_inputs``: enriched PRs with their body,
    labels, file paths, reviews and review comments). Rows without a category label (no known
    conventional type, no telling label) are left out of the category model; the sentiment model
    trains on the distinct review texts whose review declared a verdict. Each model is checked for
    enough data *before* anything is logged; one that has too little (fewer than ``min_rows`` labelled rows or
    ``min_sentiment_texts`` texts, or a single class) is left out with its reason in
    :attr:`TrainingResult.skipped` while the others train. When no model can train, MLflow is
    not touched at all. A model whose champion was trained on the same rows and code registers
    nothing (see the module docstring).
    ``artifact_location`` is used only when the experiment is created; for a
    ``sqlite:///<home>/mlflow.db`` store it defaults to ``<home>/mlartifacts``, and for a
    tracking server the server decides (e.g. its S3 artifact root). ``tags`` go on every MLflow
    run (the Dagster run id, say).
    """
    missing = [c for c in ("conventional_type", "clean_title") if c not in df.columns]
    if missing:
        raise ValueError(f"train_models needs enriched PR columns {missing}; got {sorted(df.columns)}")
    tasks, skipped, n_labelled, n_texts = _tasks(df, seed, min_rows, min_sentiment_texts)

    outcomes: dict[str, ModelOutcome] = {}
    experiment_id: str | None = None
    if tasks:
        location = artifact_location or default_artifact_location(tracking_uri)
        with mlflow_session(tracking_uri, registry_uri) as mlflow:
            client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri or tracking_uri)
            experiment_id = ensure_experiment(client, experiment, location)
            outcomes = {
                task.name: _fit_and_log(
                    mlflow,
                    client,
                    task,
                    experiment_id=experiment_id,
                    seed=seed,
                    tags=tags or {},
                )
                for task in tasks
            }
    return TrainingResult(
        models=outcomes,
        n_rows=len(df),
        n_category_labelled=n_labelled,
        tracking_uri=tracking_uri,
        experiment_id=experiment_id,
        n_sentiment_texts=n_texts,
        skipped=skipped,
    )
