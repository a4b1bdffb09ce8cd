"""The archive job and its monthly schedule."""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

archive_warehouse = define_asset_job(
    "archive_warehouse",
    selection=AssetSelection.assets("warehouse_archive"),
    description="Move the warehouse's months older than ACHIEVEMENT_ARCHIVE_AFTER_MONTHS to the Parquet archive.",
)
monthly_archive = ScheduleDefinition(
    job=archive_warehouse,
    cron_schedule="0 4 2 * *",
    execution_timezone="UTC",
    description="On the 2nd of each month at 04:00 UTC, after the nightly runs of the month's last day.",
    # On from the start, as the README says: with ACHIEVEMENT_ARCHIVE_AFTER_MONTHS 0 or unset a run archives nothing.
    default_status=DefaultScheduleStatus.RUNNING,
)
