"""Stage 3, predict: category (stated, predicted or "uncertain"), impact scorecard and review sentiment per PR."""

import time
from collections import Counter

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.defs.unchanged import WindowInputs, window_inputs
from achievement_pipeline.ml.inputs import model_inputs
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.warehouse import WarehouseResource

# The PredictionRecord fields the models produce (pr_id and merge_date come from the input).
_FLOATS = (
    "category_confidence",
    "sentiment_confidence",
    "sentiment_score",
    "negative_review_share",
)
_COLUMNS = (
    "category",
    "category_basis",
    "predicted_category",
    "impact",
    "impact_points",
    "impact_evidence",
    "review_sentiment",
    "review_text_count",
    "review_states",
    "model_name",
    "model_version",
    "category_model_version",
    "sentiment_model_version",
    *_FLOATS,
)


def _mix(rows: list[dict[str, object]], column: str) -> MetadataValue:
    counts = Counter(str(r[column]) for r in rows)
    return MetadataValue.md("\n".join(f"- **{value}**: {n}" for value, n in counts.most_common()) or "_no PRs_")


@asset(
    owners=OWNERS,
    code_version="3",
    metadata=warehouse_table_metadata("predictions"),
    deps=["enriched_prs", "pr_models"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    retry_policy=STAGE_RETRY,
    group_name="intelligence",
    kinds={"mlflow", "sql"},
    description=(
        "Per PR: the category its prefix or a label states, else the category model's when its calibrated "
        "confidence clears the ledger's threshold, else 'uncertain'; the impact scorecard with its points per "
        "evidence item; review sentiment from the 'champion' model (or 'unknown' without one) and the review "
        "states as facts; each model's own version."
    ),
)
@fails_clearly
def predictions(
    context: AssetExecutionContext, mlflow: MlflowResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from achievement_pipeline.core.ledger import load_ledger
    from achievement_pipeline.ml import champion_versions, load_champions

    start, end = run_window(context)
    store = warehouse.get()
    min_confidence = load_ledger().number("category_min_confidence")

    def fingerprinted(versions: tuple[str, str]) -> WindowInputs:
        return window_inputs(
            store,
            "predictions",
            start,
            end,
            upstream=("enriched_prs", "pull_requests"),
            code=("ml", "defs/predict"),
            settings=[min_confidence, *versions],
        )

    previous = store.last_write("predictions", start, end)
    if previous is not None and previous.rows and previous.inputs:  # only a window with rows needs the models
        mlflow.check_reachable()
        versions = champion_versions(mlflow.resolved_tracking_uri(), mlflow.resolved_registry_uri())
        if (known := fingerprinted(versions)).unchanged:
            return known.result(start, end, model_versions=", ".join(sorted(filter(None, versions))))
    inputs = model_inputs(store.read_window("pull_requests", start, end), store.read_window("enriched_prs", start, end))
    rows: list[dict[str, object]] = []
    inference_seconds = 0.0
    not_assessed: list[str] = []
    if inputs:
        mlflow.check_reachable()  # seconds and a message naming MLFLOW_TRACKING_URI, not MLflow's minutes of retries
        champions = load_champions(
            mlflow.resolved_tracking_uri(),
            mlflow.resolved_registry_uri(),
            min_confidence=min_confidence,
        )
        if champions.uses_base_model:
            context.log.info(
                f"category: no pr-category champion of your own yet; the shipped {champions.category_version}"
            )
        if champions.sentiment_model is None:
            not_assessed.append(
                "review sentiment ('unknown'): no pr-review-sentiment champion (too few reviews with a verdict); "
                "review states are reported as facts"
            )
            context.log.warning(f"not assessed: {not_assessed[-1]}")
        import pandas as pd  # imported where used: the code location loads without it

        started = time.perf_counter()
        predicted = champions.predict(pd.DataFrame(inputs))
        inference_seconds = time.perf_counter() - started
        for source, (_, out) in zip(inputs, predicted.iterrows(), strict=True):
            row: dict[str, object] = {"pr_id": source["pr_id"], "merge_date": source["merge_date"]}
            row.update({c: out[c] for c in _COLUMNS})
            row.update({c: float(out[c]) for c in _FLOATS})
            row["review_text_count"] = int(out["review_text_count"])
            row["impact_points"] = int(out["impact_points"])
            rows.append(row)
    # Recorded with the versions that predicted, so the next run of the window knows what it would redo.
    versions_used = (champions.category_version, champions.sentiment_version) if inputs else None
    recorded = fingerprinted(versions_used).inputs if versions_used else ""
    written = store.replace_window("predictions", start, end, rows, inputs=recorded)
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "inference_seconds": round(inference_seconds, 4),
            "model_versions": ", ".join(sorted({str(r["model_version"]) for r in rows})) or "-",
            "not_assessed": "; ".join(not_assessed) or "-",
            "category_mix": _mix(rows, "category"),
            "category_basis_mix": _mix(rows, "category_basis"),
            "impact_mix": _mix(rows, "impact"),
            "review_sentiment_mix": _mix(rows, "review_sentiment"),
            "preview": preview(
                rows,
                [
                    "pr_id",
                    "category",
                    "category_basis",
                    "category_confidence",
                    "impact",
                    "impact_points",
                    "review_sentiment",
                ],
            ),
        }
    )
