"""Great Expectations suites as blocking Dagster asset checks, one per stage table.

Each check validates the rows of the run's window: schema, nulls, ranges, unique PR ids,
and completeness against the stage before it. A failure blocks the downstream stages,
so nothing unvalidated reaches a portfolio.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetsDefinition,
    MetadataValue,
    asset_check,
)

from achievement_pipeline.assets._common import run_window
from achievement_pipeline.assets.enrich import enriched_prs
from achievement_pipeline.assets.ingest import pull_requests
from achievement_pipeline.assets.predict import predictions
from achievement_pipeline.assets.validate import validated_achievements
from achievement_pipeline.assets.value import valuations
from achievement_pipeline.partitions import daily_partitions
from achievement_pipeline.resources.warehouse import WarehouseResource


def gx_check(asset: AssetsDefinition, upstream_table: str | None) -> AssetChecksDefinition:
    """A blocking GX check of ``asset``'s table, complete against ``upstream_table`` when given."""
    table = asset.key.path[-1]

    @asset_check(
        asset=asset,
        name=f"{table}_expectations",
        blocking=True,
        partitions_def=daily_partitions,
        description=(
            f"Great Expectations suite for {table}: schema, nulls, ranges, unique pr_id, merge dates inside "
            "the window" + (f", every PR of {upstream_table} present." if upstream_table else ".")
        ),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        from achievement_pipeline.quality import validate_table

        start, end = run_window(context)
        store = warehouse.get()
        import pandas as pd  # imported where used: the code location loads without it

        frame = pd.DataFrame(store.read_window(table, start, end))
        expected = {row["pr_id"] for row in store.read_window(upstream_table, start, end)} if upstream_table else None
        report = validate_table(table, frame, window_start=start, window_end=end, expected_pr_ids=expected)
        return AssetCheckResult(
            passed=report.success,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "rows": report.row_count,
                "expectations": report.evaluated,
                "failed": len(report.failed),
                "result": MetadataValue.md(report.to_markdown()),
            },
        )

    return _check


stage_checks = [
    gx_check(pull_requests, None),
    gx_check(enriched_prs, "pull_requests"),
    gx_check(predictions, "enriched_prs"),
    gx_check(valuations, "predictions"),
    gx_check(validated_achievements, "valuations"),
]
