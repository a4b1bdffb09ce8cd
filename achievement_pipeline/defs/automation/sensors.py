"""The sensor that evaluates the stages' automation conditions (see ``conditions``)."""

from __future__ import annotations

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

# Every asset that carries an automation condition: the stages after ingest. Ingest and the
# models have none, so they are never started by this sensor.
follow_ingest = AutomationConditionSensorDefinition(
    "follow_ingest",
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    run_tags={"achievement/trigger": "follows-ingest"},
    emit_backfills=True,
    description=(
        "Carries every ingest run (nightly schedule, new-PR sensor, a backfill or a click in the UI) "
        "through enrich, predict, value, validate and export for the same days."
    ),
)
