"""Stage 4, value: low / expected / high estimates with their evidence and assumptions."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.value.estimate import estimate


@asset(
    owners=OWNERS,
    code_version="1",
    metadata=warehouse_table_metadata("valuations"),
    deps=["predictions"],
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
    joined = store.read_joined(("predictions", "enriched_prs", "pull_requests"), start, end)
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
