"""The archive asset: months older than ACHIEVEMENT_ARCHIVE_AFTER_MONTHS moved from the warehouse to Parquet.

The work is ``core.archive.archive_old_months``; this asset runs it on the warehouse resource's
database and reports what moved, where, and how large each tier is now.
"""

from datetime import UTC, datetime

from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue, asset

from achievement_pipeline.core import archive, settings
from achievement_pipeline.core.text import md_escape
from achievement_pipeline.defs.metadata import OWNERS
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.resources.warehouse import WarehouseResource, monthly_tables


def after_months() -> int:
    """ACHIEVEMENT_ARCHIVE_AFTER_MONTHS as whole months (0: the tiers are off)."""
    value = settings.number("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS")
    if not value.is_integer():
        raise settings.SettingError(f"ACHIEVEMENT_ARCHIVE_AFTER_MONTHS={value:g} must be whole months, e.g. 12")
    return int(value)


@asset(
    owners=OWNERS,
    code_version="1",
    # Unpartitioned, like pr_models: a backfill of every asset over a range stays one run.
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=STAGE_RETRY,
    group_name="storage",
    kinds={"parquet"},
    description=(
        "Moves every month older than ACHIEVEMENT_ARCHIVE_AFTER_MONTHS (0 or unset: none) of the stage tables and "
        "the collector's raw PRs to Parquet files in the object store (S3 under ACHIEVEMENT_ARCHIVE_PREFIX, or "
        "ACHIEVEMENT_HOME/archive), records them in the archived_months catalog and drops them from the hot "
        "tables. Reads include archived months as before; writing to one brings it back."
    ),
)
@fails_clearly
def warehouse_archive(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    months = after_months()
    store = warehouse.get()
    today = datetime.now(UTC).date()
    tables = monthly_tables()
    done = archive.archive_old_months(store.engine, tables.values(), store.archive_files, months, today)
    with store.engine.connect() as conn:
        sizes = archive.tier_sizes(conn, tables)
    if not months:
        context.log.info("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS is 0 or unset: nothing is archived")
    for entry in done:
        context.log.info(f"archived {entry.table} {entry.month}: {entry.rows} rows, {entry.bytes} bytes")
    lines = ["| table | month | rows | bytes | location |", "|---|---|---|---|---|"]
    lines += [f"| {e.table} | {e.month} | {e.rows} | {e.bytes} | {md_escape(e.location, 200)} |" for e in done]
    return MaterializeResult(
        metadata={
            "after_months": months,
            "kept_hot_from": archive.cutoff(today, months) if months else "every month (archiving off)",
            "months_archived": len(done),
            "rows_archived": sum(entry.rows for entry in done),
            "bytes_archived": sum(entry.bytes for entry in done),
            "archived": MetadataValue.md("\n".join(lines) if done else "_nothing to archive_"),
            "locations": MetadataValue.json([entry.location for entry in done]),
            "hot_rows": MetadataValue.json(sizes.hot_rows),
            "archived_rows_total": MetadataValue.json(sizes.archived_rows),
            "archived_bytes_total": sum(sizes.archived_bytes.values()),
        }
    )
