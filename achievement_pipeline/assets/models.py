"""The model asset: category and impact classifiers fitted on the warehouse history, kept in MLflow."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.assets.enrich import enriched_prs
from achievement_pipeline.features import model_inputs
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.warehouse import WarehouseResource


@asset(
    deps=[enriched_prs],
    group_name="intelligence",
    kinds={"scikitlearn", "mlflow"},
    description=(
        "Fits the PR category and impact models on every enriched PR in the warehouse (weak labels from "
        "conventional-commit types and GitHub labels), logs them to MLflow and promotes a new version to "
        "the 'champion' alias only when it beats the current one on the holdout."
    ),
)
def pr_models(
    context: AssetExecutionContext, mlflow: MlflowResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from achievement_pipeline.models import train_models

    store = warehouse.get()
    frame = pd.DataFrame(model_inputs(store.read_all("pull_requests"), store.read_all("enriched_prs")))
    result = train_models(
        frame,
        tracking_uri=mlflow.resolved_tracking_uri(),
        registry_uri=mlflow.resolved_registry_uri(),
        artifact_location=mlflow.artifact_location(),
    )
    metadata: dict[str, object] = {"training_rows": len(frame)}
    lines = ["| model | version | holdout macro-F1 | promoted | previous champion |", "|---|---|---|---|---|"]
    for name, outcome in result.models.items():
        f1 = outcome.metrics.get("holdout_macro_f1", float("nan"))
        metadata[f"{name}_version"] = str(outcome.version)
        metadata[f"{name}_holdout_macro_f1"] = float(f1)
        lines.append(
            f"| {name} | {outcome.version} | {f1:.3f} | {'yes' if outcome.promoted else 'no'} | "
            f"{outcome.previous_champion_version or '-'} |"
        )
    metadata["models"] = MetadataValue.md("\n".join(lines))
    context.log.info("\n".join(lines))
    return MaterializeResult(metadata=metadata)
