"""The audit_trail asset: the warehouse's append-only record of every export, shown in the UI.

The portfolio asset appends a row to the trail after every export (``export.audit``) and reports
this asset's materialization in the same step, so the preview here is current after each export
without a run of its own; materializing ``audit_trail`` by hand reads the trail again.
"""

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from achievement_pipeline.defs.metadata import OWNERS
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.export.audit import TABLE, AuditTrail, preview
from achievement_pipeline.resources.warehouse import WarehouseResource

AUDIT_TRAIL = "audit_trail"
PREVIEW_ROWS = 20


def trail_metadata(trail: AuditTrail) -> dict[str, object]:
    """What the asset's page shows: how many exports are recorded and the newest ones as a table."""
    latest = trail.latest(PREVIEW_ROWS)
    return {
        "entries": trail.count(),
        "latest_entries": MetadataValue.md(preview(latest)),
        "latest_by": latest[0].launched_by if latest else "",
        "warehouse_table": TABLE,
    }


def trail_materialization(trail: AuditTrail) -> AssetMaterialization:
    """The trail as it stands, reported by the run that just appended to it (the portfolio's)."""
    return AssetMaterialization(asset_key=AUDIT_TRAIL, metadata=trail_metadata(trail))


@asset(
    name=AUDIT_TRAIL,
    owners=OWNERS,
    code_version="1",
    deps=["portfolio"],
    backfill_policy=BackfillPolicy.single_run(),  # in a range run of every asset, read once
    retry_policy=STAGE_RETRY,
    group_name="portfolio",
    kinds={"sql"},
    description=(
        "Every export, append-only: who started it (the signed-in person, else the schedule, sensor or "
        "backfill), when, whose portfolio over which window, from which inputs (warehouse rows and digests, "
        "model versions, the assumptions ledger's hash, curation choices, what the GitHub token could see), "
        "and whether the files were rendered or reused. Written by each portfolio export; the preview shows "
        "the newest entries."
    ),
)
@fails_clearly
def audit_trail(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    trail = AuditTrail(warehouse.get().engine)
    context.log.info(f"{trail.count()} exports recorded in {TABLE}")
    return MaterializeResult(metadata=trail_metadata(trail))
