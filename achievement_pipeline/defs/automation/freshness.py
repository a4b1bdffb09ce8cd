"""Freshness checks on ingest and export, and Dagster's sensor that re-evaluates them.

A missed night turns into a failed (warning) check on the asset, which is what the UI shows
as out of date. The rule for which day is due by when lives in ``core.windows``.
"""

import warnings
from datetime import UTC, datetime, time, timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    MetadataValue,
    asset_check,
    build_sensor_for_freshness_checks,
)

from achievement_pipeline.core.windows import expected_partition

# Dagster's sensor for freshness checks is marked superseded together with its own checks; it
# is what re-evaluates ours (by their dagster/fresh_until_timestamp), so its warning is noise.
warnings.filterwarnings("ignore", message=r".*build_sensor_for_freshness_checks. is superseded")

# When yesterday's partition (UTC) is due: the schedule collects it at 02:00, the later
# stages follow within minutes, so 04:00 and 06:00 leave room for a slow GitHub or a retry.
INGEST_DEADLINE = time(4, 0)
EXPORT_DEADLINE = time(6, 0)


def yesterday_arrived(asset: str, deadline: time) -> AssetChecksDefinition:
    """A warning check on ``asset``: yesterday's partition (UTC) exists by ``deadline``."""
    key = AssetKey(asset)

    @asset_check(
        asset=key,
        name="yesterday_arrived",
        blocking=False,
        description=(
            f"Warns when yesterday's partition (UTC) has not been materialized by {deadline:%H:%M} UTC: "
            "the asset is out of date."
        ),
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        now = datetime.now(UTC)
        day, deadline_at = expected_partition(now, deadline)
        records = context.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
        ).records
        metadata: dict[str, object] = {
            "expected_partition": day.isoformat(),
            "deadline": MetadataValue.timestamp(deadline_at),
        }
        if records:
            metadata["materialized_at"] = MetadataValue.timestamp(records[0].timestamp)
            # Dagster's freshness sensor re-evaluates a passing check once it may have turned overdue.
            metadata["dagster/fresh_until_timestamp"] = MetadataValue.timestamp(deadline_at + timedelta(days=1))
        else:
            metadata["overdue_seconds"] = round((now - deadline_at).total_seconds())
        return AssetCheckResult(passed=bool(records), severity=AssetCheckSeverity.WARN, metadata=metadata)

    return _check


# Ingest must hold yesterday by 04:00 UTC, the portfolio by 06:00 UTC.
ingest_arrived = yesterday_arrived("pull_requests", INGEST_DEADLINE)
portfolio_arrived = yesterday_arrived("portfolio", EXPORT_DEADLINE)

freshness_checks = build_sensor_for_freshness_checks(
    freshness_checks=[ingest_arrived, portfolio_arrived],
    name="freshness_checks",
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.RUNNING,
)
