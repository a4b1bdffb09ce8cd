"""Training: label, fit, score on the holdout, log to MLflow, register, and promote the champion.

:func:`train_models` labels the enriched PRs weakly, fits the three pipelines (category, impact,
review sentiment) on a stratified split, scores each on its holdout, logs parameters, metrics,
signature and the fitted pipeline to MLflow and registers a new version of ``pr-category``,
``pr-impact`` and ``pr-review-sentiment``. A new version only takes the ``champion`` alias when
it beats the current champion *on the same holdout* (see ``promotion``).

Two rules keep the registry honest:

* **Unchanged data registers nothing.** Every version carries a ``training_fingerprint`` tag: a
  SHA-256 of the model's training rows (features and weak labels, in order), the seed, the
  scikit-learn version and the source of the modules that turn rows into a fitted pipeline
  (inputs, labels, sentiment labels, pipelines, holdout, training). When the champion carries the
  fingerprint of the run about to happen, the run would refit the same model on the same split,
  so nothing is fitted, logged or registered for that model: its outcome says "unchanged,
  champion kept". The same holds for a version with that fingerprint that already lost to the
  current champion (a rerun would lose again); once the champion changes, it is trained and
  compared again.
* **Each model stands alone.** A model with too little data (too few rows or texts, a single
  class, a single-class training split) is skipped with its reason in
  :attr:`TrainingResult.skipped`; the other models still train and get promoted.
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

from achievement_pipeline.core.records import CATEGORIES, IMPACT_TIERS, SENTIMENTS
from achievement_pipeline.ml.holdout import (
    HOLDOUT_FRACTION,
    InsufficientTrainingData,
    check_trainable,
    holdout_split,
)
from achievement_pipeline.ml.inputs import SKOPS_TRUSTED_TYPES, feature_frame
from achievement_pipeline.ml.labels import LABEL_RULES_VERSION, category_label, impact_label
from achievement_pipeline.ml.mlflow_env import mlflow_session
from achievement_pipeline.ml.pipelines import (
    MAX_ITER,
    build_category_pipeline,
    build_impact_pipeline,
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
    IMPACT_MODEL,
    MODEL_DESCRIPTIONS,
    SENTIMENT_MODEL,
    default_artifact_location,
    ensure_experiment,
    find_champion,
)
from achievement_pipeline.ml.sentiment_labels import SENTIMENT_RULES_VERSION, sentiment_examples

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["FINGERPRINT_TAG", "PRIMARY_METRIC", "ModelOutcome", "TrainingResult", "train_models"]

_EXAMPLE_TEXT_CHARS = 200
# The model-version tag (and run parameter) holding what a version was trained on: see the module docstring.
FINGERPRINT_TAG = "training_fingerprint"
# The champion version a version was compared with (so a rerun of a losing candidate is recognised).
_COMPARED_TAG = "compared_with_champion"
# The modules whose code decides what a fitted model is, given its rows: an edit to any retrains.
_CODE_MODULES = ("inputs", "labels", "sentiment_labels", "pipelines", "holdout", "training")
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
    """Per model name (``pr-category``, ``pr-impact``, ``pr-review-sentiment``) → its :class:`ModelOutcome`.

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
    """One model to fit: its pipeline, its raw input rows and their weak labels."""

    name: str
    pipeline: Any
    features: pd.DataFrame
    labels: list[str]
    params: dict[str, Any] = field(default_factory=dict)


def _input_example(features: pd.DataFrame) -> pd.DataFrame:
    """A few real rows, texts cut short: enough to document the input without copying the corpus."""
    rows = list(range(min(3, len(features))))
    if {"claims", "labels", "file_paths"} <= set(features.columns):
        # Prefer a row with claims/labels/paths so the signature records string arrays, not "any".
        columns = zip(features["claims"], features["labels"], features["file_paths"], strict=True)
        rich = [i for i, (claims, labels, paths) in enumerate(columns) if claims and labels and paths]
        rows = sorted(set(rich[:1]) | set(rows))[:3]
    example = features.iloc[rows].copy()
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


def _check_split(task: _Task, seed: int) -> None:
    """A training split with a single class cannot fit a classifier: raise before anything is logged."""
    train_idx, _, _ = holdout_split(task.labels, seed)
    y_train = {task.labels[i] for i in train_idx}
    if len(y_train) < 2:
        raise InsufficientTrainingData(
            f"cannot train {task.name}: the training split has a single class ({next(iter(y_train))!r}) out of "
            f"{len(task.labels)} labelled rows: materialize more ingest/enrich partitions first"
        )


def _same_training(client: Any, name: str, fingerprint: str, champion: Any) -> Any | None:
    """A registered version this run would reproduce: the champion itself, or one that already lost to it."""
    if (champion.tags or {}).get(FINGERPRINT_TAG) == fingerprint:
        return champion
    for version in client.search_model_versions(f"name='{name}'"):
        tags = version.tags or {}
        if (
            tags.get(FINGERPRINT_TAG) == fingerprint
            and tags.get(_COMPARED_TAG) == str(champion.version)
            and tags.get("promoted") == "false"
        ):
            return version
    return None


def _unchanged(client: Any, task: _Task, champion: Any, same: Any, fingerprint: str) -> ModelOutcome:
    """The outcome of a run that registers nothing: ``same`` already is this model, and the champion stays."""
    logged = client.get_run(same.run_id).data.metrics if same.run_id else {}
    metrics = {k: float(logged[k]) for k in _OWN_METRICS if k in logged}
    metrics.setdefault(PRIMARY_METRIC, float((same.tags or {}).get(PRIMARY_METRIC, 0.0)))
    is_champion = str(same.version) == str(champion.version)
    champion_f1 = metrics[PRIMARY_METRIC] if is_champion else logged.get("champion_holdout_macro_f1")
    if champion_f1 is not None:
        metrics["champion_holdout_macro_f1"] = float(champion_f1)
    which = f"champion v{champion.version}"
    if not is_champion:
        which = f"v{same.version} (it did not beat {which})"
    return ModelOutcome(
        name=task.name,
        version=str(same.version),
        run_id=str(same.run_id or ""),
        metrics=metrics,
        promoted=False,
        previous_champion_version=str(champion.version),
        previous_champion_macro_f1=None if champion_f1 is None else float(champion_f1),
        n_train=int(metrics.get("n_train", 0)),
        n_holdout=int(metrics.get("n_holdout", 0)),
        class_counts=dict(sorted(Counter(task.labels).items())),
        comparison_basis=UNCHANGED,
        comparison_note=(
            f"{which} was trained on the same rows and code (fingerprint {fingerprint[:12]}): nothing registered"
        ),
    )


def _fit_and_log(mlflow: Any, client: Any, task: _Task, *, experiment_id: str, seed: int, tags: Mapping[str, str]):
    """Fit on the training split, score the holdout, compare with the champion, log, register, promote.

    Registers nothing when the champion's fingerprint equals this run's (see :func:`_unchanged`).
    """
    from mlflow.models import infer_signature
    from sklearn.metrics import accuracy_score

    fingerprint = training_fingerprint(task, seed)
    champion = find_champion(client, task.name)
    same = None if champion is None else _same_training(client, task.name, fingerprint, champion)
    if same is not None:
        return _unchanged(client, task, champion, same, fingerprint)

    train_idx, holdout_idx, strategy = holdout_split(task.labels, seed)
    y = task.labels
    x_train = task.features.iloc[train_idx]
    y_train = [y[i] for i in train_idx]
    pipeline = compact_vocabularies(task.pipeline.fit(x_train, y_train))

    x_holdout = task.features.iloc[holdout_idx]
    y_holdout = [y[i] for i in holdout_idx]
    metrics: dict[str, float] = {"n_train": float(len(train_idx)), "n_holdout": float(len(holdout_idx))}
    if holdout_idx:
        predicted = [str(p) for p in pipeline.predict(x_holdout)]
        metrics[PRIMARY_METRIC] = macro_f1(y_holdout, predicted)
        metrics["holdout_accuracy"] = float(accuracy_score(y_holdout, predicted))
    else:
        # Nothing to hold out (every class a singleton): no honest score, never promoted over one.
        metrics[PRIMARY_METRIC] = 0.0
        metrics["holdout_accuracy"] = 0.0
    comparison: Comparison = compare_with_champion(mlflow, client, task.name, x_holdout, y_holdout)
    if comparison.champion_macro_f1 is not None:
        metrics["champion_holdout_macro_f1"] = comparison.champion_macro_f1
        metrics["macro_f1_margin"] = metrics[PRIMARY_METRIC] - comparison.champion_macro_f1
    promoted = comparison.beaten_by(metrics[PRIMARY_METRIC])

    class_counts = dict(sorted(Counter(y).items()))
    example = _input_example(x_train)
    signature = infer_signature(example, pipeline.predict(example))
    run_tags = {**tags, "label_rules_version": LABEL_RULES_VERSION, "sentiment_rules_version": SENTIMENT_RULES_VERSION}
    with mlflow.start_run(experiment_id=experiment_id, run_name=task.name, tags=run_tags) as run:
        mlflow.log_params(
            {
                **task.params,
                "model_name": task.name,
                "seed": seed,
                "split_strategy": strategy,
                "holdout_fraction": HOLDOUT_FRACTION,
                "classes": ",".join(class_counts),
                "compared_with_champion": comparison.champion_version or "none",
                "comparison_basis": comparison.basis,
                FINGERPRINT_TAG: fingerprint,
            }
        )
        mlflow.log_dict(class_counts, "class_counts.json")
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
    client.set_model_version_tag(task.name, version, PRIMARY_METRIC, f"{metrics[PRIMARY_METRIC]:.6f}")
    client.set_model_version_tag(task.name, version, "promoted", str(promoted).lower())
    client.set_model_version_tag(task.name, version, "comparison_basis", comparison.basis)
    client.set_model_version_tag(task.name, version, FINGERPRINT_TAG, fingerprint)
    client.set_model_version_tag(task.name, version, _COMPARED_TAG, comparison.champion_version or "none")
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
        n_train=len(train_idx),
        n_holdout=len(holdout_idx),
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


def _tasks(
    df: pd.DataFrame, seed: int, min_rows: int, min_sentiment_texts: int
) -> tuple[list[_Task], dict[str, str], int, int]:
    """The models' inputs and weak labels, and the models that cannot train (name → reason).

    Every data check runs here, before any MLflow call, and each model is judged on its own.
    """
    import pandas as pd

    frame = df.reset_index(drop=True)
    features = feature_frame(frame)
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
    review_columns = [c for c in ("reviews", "review_comments") if c in frame.columns]
    texts, sentiment_y = sentiment_examples(frame[review_columns].to_dict("records") if review_columns else [])
    # The rules' vocabulary is the records' vocabulary; anything else is a bug in the rules.
    assert set(category_y) <= set(CATEGORIES) and set(impact_y) <= set(IMPACT_TIERS)
    assert set(sentiment_y) <= set(SENTIMENTS)

    common = {"n_rows": len(frame), "max_iter": MAX_ITER}
    candidates = [
        (
            _Task(
                CATEGORY_MODEL,
                build_category_pipeline(seed),
                features.iloc[labelled].reset_index(drop=True),
                category_y,
                {**common, "n_labelled": len(labelled)},
            ),
            min_rows,
            "labelled rows",
        ),
        (
            _Task(IMPACT_MODEL, build_impact_pipeline(seed), features, impact_y, {**common, "n_labelled": len(frame)}),
            min_rows,
            "labelled rows",
        ),
        (
            _Task(
                SENTIMENT_MODEL,
                build_sentiment_pipeline(seed),
                pd.DataFrame({"text": texts}),
                sentiment_y,
                {**common, "n_labelled": len(texts)},
            ),
            min_sentiment_texts,
            "distinct review texts",
        ),
    ]
    tasks: list[_Task] = []
    skipped: dict[str, str] = {}
    for task, minimum, unit in candidates:
        try:
            check_trainable(task.name, task.labels, minimum, len(frame), unit=unit)
            _check_split(task, seed)
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
    """Weakly label ``df``, train the models that have enough data, log/register them, promote the better ones.

    ``df`` holds model-input rows (``ml.inputs.model_inputs``: enriched PRs with their body,
    labels, file paths, reviews and review comments). Rows without a category label are left
    out of the category model (impact always has a label); the sentiment model trains on the
    distinct human review texts. Each model is checked for enough data *before* anything is
    logged; one that has too little (fewer than ``min_rows`` labelled rows or
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
                task.name: _fit_and_log(mlflow, client, task, experiment_id=experiment_id, seed=seed, tags=tags or {})
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
