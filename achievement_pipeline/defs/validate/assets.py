"""Stage 5, validate: which achievements may be published, and the reason for each that may not."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.defs.unchanged import window_inputs
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.validate.plausibility import JUDGED, HistoryBaseline, plausibility_reasons


@asset(
    owners=OWNERS,
    code_version="3",
    metadata=warehouse_table_metadata("validated_achievements"),
    deps=["valuations"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    retry_policy=STAGE_RETRY,
    group_name="portfolio",
    kinds={"python", "sql"},
    description=(
        "Accepts or rejects each valued PR by business plausibility rules (evidence present, effort within "
        "the ledger's maximum, ordered ranges), and rejects each PR enrich set aside (no title, impossible "
        "dates, a malformed id); rejected rows keep their reasons for the report's appendix."
    ),
)
@fails_clearly
def validated_achievements(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    ledger = load_ledger()
    # The baseline is the whole judged history: an outlier is judged against the person's own work.
    history = store.read_columns("valuations", ("value_expected", "value_basis"))
    baseline = HistoryBaseline.from_values(row["value_expected"] for row in history if row["value_basis"] == JUDGED)
    inputs = window_inputs(
        store,
        "validated_achievements",
        start,
        end,
        upstream=("valuations", "set_aside"),
        code=("validate", "defs/validate"),
        settings=[ledger.entries, vars(baseline)],
    )
    if inputs.unchanged:
        return inputs.result(start, end, history_prs=baseline.count)
    # PRs set aside upstream are rejected with the reasons they were set aside for: that is how they
    # reach Appendix A. Their reasons win over a valuation left from before they were set aside.
    set_aside = store.read_window("set_aside", start, end)
    rows = [
        {"pr_id": row["pr_id"], "merge_date": row["merge_date"], "status": "rejected", "reasons": list(row["reasons"])}
        for row in set_aside
    ]
    refused = {row["pr_id"] for row in set_aside}
    for valuation in store.read_window("valuations", start, end):
        if valuation["pr_id"] in refused:
            continue
        reasons = plausibility_reasons(valuation, ledger, baseline)
        rows.append(
            {
                "pr_id": valuation["pr_id"],
                "merge_date": valuation["merge_date"],
                "status": "rejected" if reasons else "accepted",
                "reasons": reasons,
            }
        )
    written = store.replace_window("validated_achievements", start, end, rows, inputs=inputs.inputs)
    rejected = [r for r in rows if r["status"] == "rejected"]
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "accepted": written - len(rejected),
            "rejected": len(rejected),
            "rejected_set_aside": len(set_aside),
            "history_prs": baseline.count,
            "rejections": preview(rejected, ["pr_id", "reasons"]),
        }
    )
