"""The model asset: the category and review-sentiment classifiers fitted on the warehouse history.

The asset carries its own check, ``champion_comparison``: the training run is the only place
that knows how the new versions fared against the champions, so the result is reported from
the materialization itself rather than recomputed by a separate check.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from achievement_pipeline.defs.metadata import OWNERS
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.ml.inputs import model_inputs
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.warehouse import WarehouseResource

CHAMPION_CHECK = "champion_comparison"


@asset(
    owners=OWNERS,
    code_version="2",
    deps=["enriched_prs"],
    # Unpartitioned, it trains once on the whole warehouse; a single-run policy lets a backfill of every
    # asset over a range (`dg launch --assets '*' --partition-range A...B`) be one run.
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=STAGE_RETRY,
    group_name="intelligence",
    kinds={"scikitlearn", "mlflow"},
    check_specs=[
        AssetCheckSpec(
            CHAMPION_CHECK,
            asset="pr_models",
            description=(
                "Per model: which version holds the 'champion' alias after training, and by how much macro-F1 "
                "it beat (or held off) the incumbent on the new time-ordered holdout, or 'unchanged, champion "
                "kept' when the champion was trained on the same rows and code (nothing registered). Warns "
                "when a champion could only be compared by its logged score (a different holdout) or a model "
                "had too little data to train."
            ),
        )
    ],
    description=(
        "Fits the PR category and review-sentiment models on every enriched PR in the warehouse (labels from "
        "conventional-commit types, GitHub labels and declared review verdicts, none of which the models read), "
        "logs them to MLflow and promotes a new version to the 'champion' alias only when it beats the incumbent "
        "(the champion, or the shipped base category model) on the newest PRs beyond the bootstrap noise. "
        "Each model stands alone: one with too little data is skipped (with its reason), one whose champion was "
        "trained on the same rows and code registers nothing."
    ),
)
@fails_clearly
def pr_models(
    context: AssetExecutionContext, mlflow: MlflowResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from achievement_pipeline.ml import train_models
    from achievement_pipeline.ml.report import champion_report

    mlflow.check_reachable()  # seconds and a message naming MLFLOW_TRACKING_URI, not MLflow's minutes of retries
    store = warehouse.get()
    import pandas as pd  # imported where used: the code location loads without it

    frame = pd.DataFrame(model_inputs(store.read_all("pull_requests"), store.read_all("enriched_prs")))
    result = train_models(
        frame,
        tracking_uri=mlflow.resolved_tracking_uri(),
        registry_uri=mlflow.resolved_registry_uri(),
        artifact_location=mlflow.artifact_location(),
        # The tag dagster-mlflow puts on its runs, so an MLflow run leads back to the Dagster run.
        tags={"dagster_run_id": context.run_id},
    )
    report = champion_report(result)
    metadata: dict[str, object] = {
        "training_rows": len(frame),
        "category_labelled_rows": result.n_category_labelled,
        "sentiment_texts": result.n_sentiment_texts,
        "models": MetadataValue.md(report.markdown),
    }
    for name, outcome in result.models.items():
        metadata[f"{name}_status"] = "unchanged, champion kept" if outcome.unchanged else "trained"
        metadata[f"{name}_version"] = str(outcome.version)
        metadata[f"{name}_champion_version"] = str(outcome.champion_version)
        metadata[f"{name}_holdout_macro_f1"] = float(outcome.macro_f1)
    for name, reason in result.skipped.items():
        metadata[f"{name}_status"] = "skipped: too little data"
        metadata[f"{name}_skipped_reason"] = reason
        context.log.warning(reason)
    context.log.info(report.markdown)
    check = AssetCheckResult(
        check_name=CHAMPION_CHECK,
        passed=report.passed,
        severity=AssetCheckSeverity.WARN,
        metadata={**report.numbers, "comparison": MetadataValue.md(report.markdown)},
    )
    return MaterializeResult(metadata=metadata, check_results=[check])
