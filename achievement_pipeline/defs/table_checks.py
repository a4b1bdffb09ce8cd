"""Great Expectations suites as blocking Dagster asset checks: each stage declares one for its table.

A check validates the rows of the run's window: schema, nulls, ranges, unique PR ids, and
completeness against the warehouse table the asset depends on (read from the asset's own
``deps``, so the lineage is declared once). A failure blocks the downstream stages, so
nothing unvalidated reaches a portfolio.
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

from achievement_pipeline.core.warehouse import TABLES
from achievement_pipeline.defs.partitions import daily_partitions, run_window
from achievement_pipeline.resources.warehouse import WarehouseResource


def upstream_table(asset: AssetsDefinition) -> str | None:
    """The warehouse table ``asset`` is computed from: its one dependency that is a stage table."""
    tables = sorted(key.path[-1] for key in asset.dependency_keys if key.path[-1] in TABLES)
    if len(tables) > 1:
        raise ValueError(f"{asset.key.to_user_string()} depends on several stage tables ({tables}): name one")
    return tables[0] if tables else None


def table_expectations(asset: AssetsDefinition) -> AssetChecksDefinition:
    """A blocking GX check of ``asset``'s table, complete against its upstream stage table if it has one."""
    table = asset.key.path[-1]
    upstream = upstream_table(asset)

    @asset_check(
        asset=asset,
        name=f"{table}_expectations",
        blocking=True,
        partitions_def=daily_partitions,
        description=(
            f"Great Expectations suite for {table}: schema, nulls, ranges, unique pr_id, merge dates inside "
            "the window" + (f", every PR of {upstream} present." if upstream else ".")
        ),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        from achievement_pipeline.validate.suites import validate_table

        start, end = run_window(context)
        store = warehouse.get()
        import pandas as pd  # imported where used: the code location loads without it

        frame = pd.DataFrame(store.read_window(table, start, end))
        expected = {row["pr_id"] for row in store.read_window(upstream, start, end)} if upstream else None
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
