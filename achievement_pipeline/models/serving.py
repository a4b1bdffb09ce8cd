"""Serving: load the champion models from the registry and turn enriched PRs into predictions.

:func:`load_champions` loads the two champion versions; :meth:`ChampionModels.predict` turns
enriched PRs into prediction rows (see ``records.PredictionRecord``), each carrying the exact
model versions that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from achievement_pipeline.models.inputs import _feature_frame
from achievement_pipeline.models.mlflow_env import _mlflow_session, _scoped_env
from achievement_pipeline.models.registry import CATEGORY_MODEL, IMPACT_MODEL, _champion_version

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

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


class NoChampionModel(LookupError):
    """The registry has no version of a model carrying the ``champion`` alias."""


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
