"""Stage 4, value: low / expected / high estimates with their evidence and assumptions."""

from collections import Counter

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.core.text import md_escape
from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.defs.unchanged import window_inputs
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.value.arithmetic import arithmetic_line
from achievement_pipeline.value.estimate import estimate


@asset(
    owners=OWNERS,
    code_version="2",
    metadata=warehouse_table_metadata("valuations"),
    deps=["predictions"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    retry_policy=STAGE_RETRY,
    group_name="portfolio",
    kinds={"python", "sql"},
    description=(
        "Hours, cost and value per PR from the assumptions ledger: value from a stated measured outcome, else by "
        "labelled judgement, times the repository's reach; every figure with its evidence and arithmetic."
    ),
)
@fails_clearly
def valuations(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    ledger = load_ledger()
    upstream = ("predictions", "enriched_prs", "pull_requests")
    inputs = window_inputs(
        store, "valuations", start, end, upstream=upstream, code=("value", "defs/value"), settings=[ledger.entries]
    )
    if inputs.unchanged:
        return inputs.result(start, end, currency=ledger.currency, assumptions_ledger=ledger.source)
    joined = store.read_joined(upstream, start, end)
    rows = [estimate(row, ledger) for row in joined]
    written = store.replace_window("valuations", start, end, rows, inputs=inputs.inputs)
    top = sorted(rows, key=lambda r: -r["value_expected"])[:5]
    top_md = "\n".join(
        f"- **{md_escape(r['pr_id'])}** ({r['value_basis']}): "
        + md_escape(arithmetic_line(r["value_terms"], r["value_expected"], r["currency"]))
        for r in top
        if r["value_terms"]
    )
    bases = Counter(r["value_basis"] for r in rows)
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "value_expected_total": round(sum(r["value_expected"] for r in rows), 2),
            "cost_expected_total": round(sum(r["cost_expected"] for r in rows), 2),
            "hours_expected_total": round(sum(r["hours_expected"] for r in rows), 2),
            "valued_by_outcome": bases["outcome"],
            "valued_by_judgement": bases["judgement"],
            "currency": ledger.currency,
            "assumptions_ledger": ledger.source,
            "largest_values": MetadataValue.md(top_md or "_no PRs_"),
            "preview": preview(rows, ["pr_id", "hours_expected", "cost_expected", "value_basis", "value_expected"]),
        }
    )
