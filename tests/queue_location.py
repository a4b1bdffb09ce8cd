"""A code location for the run-queue tests: one daily-partitioned asset whose runs each take a few seconds.

The rule under test lives in the instance (the repository's dagster.yaml), not in a stage: runs of
this asset carry the same partition tags Dagster gives the pipeline's runs, and last long enough
for an overlap to show.
"""

from __future__ import annotations

import time

from dagster import BackfillPolicy, DailyPartitionsDefinition, Definitions, asset, define_asset_job

RUN_SECONDS = 3.0
days = DailyPartitionsDefinition(start_date="2025-01-01")


@asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
def day() -> None:
    """Holds its partition for RUN_SECONDS, as a stage writing it would."""
    time.sleep(RUN_SECONDS)


defs = Definitions(assets=[day], jobs=[define_asset_job("day_job", selection=[day], partitions_def=days)])
