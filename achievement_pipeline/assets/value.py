"""Stage 4, value: low / expected / high estimates with their evidence and assumptions."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.assets._common import OWNERS, preview, run_window, warehouse_table_metadata, window_metadata
from achievement_pipeline.assets.predict import predictions
from achievement_pipeline.automation import FOLLOWS_UPSTREAM
from achievement_pipeline.partitions import daily_partitions, single_run
from achievement_pipeline.portfolio import join_rows
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.valuation import estimate, load_ledger


@asset(
    owners=OWNERS,
    code_version="1",
    metadata=warehouse_table_metadata("valuations"),
    deps=[predictions],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    group_name="portfolio",
    kinds={"python", "sql"},
    description="Business value per PR in hours and money from the assumptions ledger, every figure with evidence.",
)
def valuations(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    ledger = load_ledger()
    joined = join_rows(
        store.read_window("predictions", start, end),
        store.read_window("enriched_prs", start, end),
        store.read_window("pull_requests", start, end),
    )
    rows = [estimate(row, ledger) for row in joined]
    written = store.replace_window("valuations", start, end, rows)
    top = sorted(rows, key=lambda r: -r["value_expected"])[:5]
    top_md = "\n".join(
        f"- **{r['pr_id']}**: {r['value_expected']:,.0f} {r['currency']} "
        f"({r['value_low']:,.0f}–{r['value_high']:,.0f}); evidence: " + "; ".join(e["detail"] for e in r["evidence"])
        for r in top
    )
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "value_expected_total": round(sum(r["value_expected"] for r in rows), 2),
            "currency": ledger.currency,
            "assumptions_ledger": ledger.source,
            "largest_values": MetadataValue.md(top_md or "_no PRs_"),
            "preview": preview(rows, ["pr_id", "hours_expected", "value_low", "value_expected", "value_high"]),
        }
    )
