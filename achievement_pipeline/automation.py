"""How the stages after ingest keep up by themselves, and when the UI calls the data out of date.

Only ingest is started by hand, by the nightly schedule or by the new-PR sensor; every later
stage declares that it follows its upstream stage (a Dagster automation condition), so any
run of ingest, from any of those or from a backfill in the UI, is carried through to the
portfolio without a hand-made job. Freshness checks on ingest and export turn a missed
night into a failed (warning) check on the asset, which is what the UI shows as out of date.
"""

import warnings
from datetime import UTC, date, datetime, time, timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetRecordsFilter,
    AssetsDefinition,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    MetadataValue,
    SensorDefinition,
    asset_check,
    build_sensor_for_freshness_checks,
)

# Dagster's sensor for freshness checks is marked superseded together with its own checks; it
# is what re-evaluates ours (by their dagster/fresh_until_timestamp), so its warning is noise.
warnings.filterwarnings("ignore", message=r".*build_sensor_for_freshness_checks. is superseded")

# Model training is not a reason to recompute history: a new champion is used from the next
# run on, and re-predicting past days is a deliberate backfill. Only data updates count.
_UPSTREAM_DATA_UPDATED = AutomationCondition.any_deps_updated().ignore(AssetSelection.assets("pr_models"))

FOLLOWS_UPSTREAM = (
    _UPSTREAM_DATA_UPDATED.since_last_handled()
    & ~AutomationCondition.any_deps_missing()  # predictions wait until pr_models has been trained
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("follows upstream")

# When yesterday's partition (UTC) is due: the schedule collects it at 02:00, the later
# stages follow within minutes, so 04:00 and 06:00 leave room for a slow GitHub or a retry.
INGEST_DEADLINE = time(4, 0)
EXPORT_DEADLINE = time(6, 0)


def expected_partition(now: datetime, deadline: time) -> tuple[date, datetime]:
    """The day whose partition must exist by now, and the deadline that made it due.

    Dagster's time-partition freshness check expects the newest partition, which for these
    partitions (end_offset=1, today's exists for the new-PR sensor) is the day in progress;
    and its replacement, FreshnessPolicy, judges an asset by its newest materialization of
    any partition, which a backfill of last year would satisfy. So the rule is written here.
    """
    today_deadline = datetime.combine(now.date(), deadline, tzinfo=UTC)
    last_deadline = today_deadline if now >= today_deadline else today_deadline - timedelta(days=1)
    return last_deadline.date() - timedelta(days=1), last_deadline


def _freshness_check(asset: AssetsDefinition, deadline: time) -> AssetChecksDefinition:
    @asset_check(
        asset=asset,
        name="yesterday_arrived",
        blocking=False,
        description=(
            f"Warns when yesterday's partition (UTC) has not been materialized by {deadline:%H:%M} UTC: "
            "the asset is out of date."
        ),
    )
    def yesterday_arrived(context: AssetCheckExecutionContext) -> AssetCheckResult:
        now = datetime.now(UTC)
        day, deadline_at = expected_partition(now, deadline)
        records = context.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=asset.key, asset_partitions=[day.isoformat()]), limit=1
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

    return yesterday_arrived


def freshness_checks(ingest: AssetsDefinition, export: AssetsDefinition) -> list[AssetChecksDefinition]:
    """Ingest must hold yesterday by 04:00 UTC, the portfolio by 06:00 UTC."""
    return [_freshness_check(ingest, INGEST_DEADLINE), _freshness_check(export, EXPORT_DEADLINE)]


def freshness_sensor(checks: list[AssetChecksDefinition]) -> SensorDefinition:
    """Evaluates the freshness checks when they could have turned overdue (Dagster's own sensor)."""
    return build_sensor_for_freshness_checks(
        freshness_checks=checks,
        name="freshness_checks",
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.RUNNING,
    )


def follow_ingest_sensor(stages: list) -> AutomationConditionSensorDefinition:
    """Evaluates the stages' automation conditions; a range of days becomes one single-run backfill."""
    return AutomationConditionSensorDefinition(
        "follow_ingest",
        target=AssetSelection.assets(*stages),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        run_tags={"achievement/trigger": "follows-ingest"},
        emit_backfills=True,
        description=(
            "Carries every ingest run (nightly schedule, new-PR sensor, a backfill or a click in the UI) "
            "through enrich, predict, value, validate and export for the same days."
        ),
    )
