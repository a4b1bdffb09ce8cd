"""A code location for the killed-run test: a daily asset whose step keeps writing to a warehouse table.

Each write is its own committed transaction (as a stage's batches are), so whether anything still writes
after the run is killed shows in the table's row count. The job uses the project's executor choice
(``defs/executor.py``), so the test covers what a run of the pipeline would do.
"""

from __future__ import annotations

import os
import time

import sqlalchemy as sa
from dagster import DailyPartitionsDefinition, Definitions, asset, define_asset_job

from achievement_pipeline.defs.executor import run_executor

WRITES_FOR_SECONDS = 180.0
days = DailyPartitionsDefinition(start_date="2025-01-01")
heartbeats = sa.Table("heartbeats", sa.MetaData(), sa.Column("written_at", sa.Float, nullable=False))


@asset(partitions_def=days)
def writing_stage() -> None:
    """Writes a row every 50 ms for WRITES_FOR_SECONDS: a long stage, killed long before it ends."""
    engine = sa.create_engine(os.environ["KILL_TEST_WAREHOUSE_URL"])
    heartbeats.create(engine, checkfirst=True)
    deadline = time.monotonic() + WRITES_FOR_SECONDS
    while time.monotonic() < deadline:
        with engine.begin() as conn:
            conn.execute(sa.insert(heartbeats).values(written_at=time.time()))
        time.sleep(0.05)


defs = Definitions(
    assets=[writing_stage],
    jobs=[define_asset_job("writing_job", selection=[writing_stage], partitions_def=days)],
    executor=run_executor(),
)
