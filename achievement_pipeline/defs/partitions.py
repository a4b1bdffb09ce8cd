"""The one partitioning every stage shares: UTC days of merge, from ACHIEVEMENT_START_DATE."""

from __future__ import annotations

from datetime import date

from dagster import AssetCheckExecutionContext, AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition

from achievement_pipeline.core import settings

# end_offset=1: today's partition exists too, so the new-PR sensor can refresh it as PRs merge;
# the nightly schedule then settles yesterday's once the day is over.
daily_partitions = DailyPartitionsDefinition(start_date=settings.start_date(), timezone="UTC", end_offset=1)

# Every partitioned asset carries the same policy: mixed policies make Dagster fall back
# to one partition per run, and a year of history should backfill as one run.
single_run = BackfillPolicy.single_run()


def run_window(context: AssetExecutionContext | AssetCheckExecutionContext) -> tuple[date, date]:
    """[start, end) of the partitions this run covers: one day, or a whole backfill range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()
