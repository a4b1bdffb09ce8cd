"""Stage 3, predict: category, impact and review sentiment for each PR from the MLflow champion models."""

import time
from collections import Counter

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.ml.inputs import model_inputs
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.warehouse import WarehouseResource

# The PredictionRecord fields the models produce (pr_id and merge_date come from the input).
_FLOATS = (
    "category_confidence",
    "impact_confidence",
    "sentiment_confidence",
    "sentiment_score",
    "negative_review_share",
)
_COLUMNS = (
    "category",
    "impact",
    "review_sentiment",
    "review_text_count",
    "model_name",
    "model_version",
    *_FLOATS,
)


def _mix(rows: list[dict[str, object]], column: str) -> MetadataValue:
    counts = Counter(str(r[column]) for r in rows)
    return MetadataValue.md("\n".join(f"- **{value}**: {n}" for value, n in counts.most_common()) or "_no PRs_")


@asset(
    owners=OWNERS,
    code_version="2",
    metadata=warehouse_table_metadata("predictions"),
    deps=["enriched_prs", "pr_models"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    group_name="intelligence",
    kinds={"mlflow", "sql"},
    description=(
        "Category, impact tier and review sentiment per PR from the 'champion' models, with the model versions used."
    ),
)
def predictions(
    context: AssetExecutionContext, mlflow: MlflowResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from achievement_pipeline.ml import load_champions

    start, end = run_window(context)
    store = warehouse.get()
    inputs = model_inputs(store.read_window("pull_requests", start, end), store.read_window("enriched_prs", start, end))
    rows: list[dict[str, object]] = []
    inference_seconds = 0.0
    not_assessed = "-"
    if inputs:
        champions = load_champions(mlflow.resolved_tracking_uri(), mlflow.resolved_registry_uri())
        if champions.sentiment_model is None:
            not_assessed = "review sentiment ('unknown'): no pr-review-sentiment champion (too few review texts)"
            context.log.warning(f"not assessed: {not_assessed}")
        import pandas as pd  # imported where used: the code location loads without it

        started = time.perf_counter()
        predicted = champions.predict(pd.DataFrame(inputs))
        inference_seconds = time.perf_counter() - started
        for source, (_, out) in zip(inputs, predicted.iterrows(), strict=True):
            row: dict[str, object] = {"pr_id": source["pr_id"], "merge_date": source["merge_date"]}
            row.update({c: out[c] for c in _COLUMNS})
            row.update({c: float(out[c]) for c in _FLOATS})
            row["review_text_count"] = int(out["review_text_count"])
            rows.append(row)
    written = store.replace_window("predictions", start, end, rows)
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "inference_seconds": round(inference_seconds, 4),
            "model_versions": ", ".join(sorted({str(r["model_version"]) for r in rows})) or "-",
            "not_assessed": not_assessed,
            "category_mix": _mix(rows, "category"),
            "review_sentiment_mix": _mix(rows, "review_sentiment"),
            "preview": preview(
                rows, ["pr_id", "category", "category_confidence", "impact", "review_sentiment", "model_version"]
            ),
        }
    )
