"""The one partitioning every stage shares: UTC days of merge, from ACHIEVEMENT_START_DATE."""

from __future__ import annotations

from datetime import date, datetime

from dagster import BackfillPolicy, DailyPartitionsDefinition

from achievement_pipeline import settings

# end_offset=1: today's partition exists too, so the new-PR sensor can refresh it as PRs merge;
# the nightly schedule then settles yesterday's once the day is over.
daily_partitions = DailyPartitionsDefinition(start_date=settings.start_date(), timezone="UTC", end_offset=1)

# Every partitioned asset carries the same policy: mixed policies make Dagster fall back
# to one partition per run, and a year of history should backfill as one run.
single_run = BackfillPolicy.single_run()


def window_dates(start: datetime, end: datetime) -> tuple[date, date]:
    """A partition time window as [start, end) dates."""
    return start.date(), end.date()
