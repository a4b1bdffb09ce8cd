"""Training: label, fit, score on the holdout, log to MLflow, register, and promote the champion.

:func:`train_models` labels the enriched PRs weakly, fits both pipelines on a stratified split,
scores them on the holdout, logs everything to MLflow and registers a new version of
``pr-category`` and ``pr-impact``. A new version only takes the ``champion`` alias when its
holdout macro-F1 beats the current champion's (a tie keeps the current one, so re-running the
same materialization never churns the alias).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from achievement_pipeline.models.holdout import (
    _HOLDOUT_FRACTION,
    InsufficientTrainingData,
    _check_trainable,
    _holdout_split,
)
from achievement_pipeline.models.inputs import _SKOPS_TRUSTED_TYPES, _feature_frame
from achievement_pipeline.models.labels import LABEL_RULES_VERSION, category_label, impact_label
from achievement_pipeline.models.mlflow_env import _mlflow_session
from achievement_pipeline.models.pipelines import _MAX_ITER, build_category_pipeline, build_impact_pipeline
from achievement_pipeline.models.registry import (
    CATEGORY_MODEL,
    CHAMPION_ALIAS,
    IMPACT_MODEL,
    _champion_version,
    _default_artifact_location,
    _experiment_id,
    _logged_metric,
)
from achievement_pipeline.records import CATEGORIES, IMPACT_TIERS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

PRIMARY_METRIC = "holdout_macro_f1"

_EXAMPLE_BODY_CHARS = 200


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


def _input_example(features: pd.DataFrame) -> pd.DataFrame:
    """A few real rows, bodies cut short: enough to document the input without copying the corpus."""
    # Prefer a row with claims/labels so the signature records them as string arrays, not "any".
    pairs = zip(features["claims"], features["labels"], strict=True)
    rich = [i for i, (claims, labels) in enumerate(pairs) if claims and labels]
    rows = sorted(set(rich[:1]) | set(range(min(3, len(features)))))[:3]
    example = features.iloc[rows].copy()
    example["body"] = example["body"].map(lambda v: str(v)[:_EXAMPLE_BODY_CHARS])
    return example.reset_index(drop=True)


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
