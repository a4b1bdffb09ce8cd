"""A month of the pipeline on PostgreSQL and S3, archived, then exported again: the same portfolio."""

from __future__ import annotations

import json

import boto3
import pytest
import sqlalchemy as sa
from dagster import AssetKey, DagsterInstance

from achievement_pipeline import definitions as code_location
from achievement_pipeline.cli.demo import partition_range_tags, succeeded
from achievement_pipeline.core import archive
from achievement_pipeline.core.partitions_pg import MONTHLY_TABLES
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.pipeline_run import JANUARY, pipeline_environment, run_month, snapshot
from tests.tiers_support import postgres_database


def _document(s3, location: str) -> dict:
    bucket, key = location.removeprefix("s3://").split("/", 1)
    document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    document.pop("generated_at")
    return document


@pytest.mark.slow
@pytest.mark.services
def test_a_portfolio_over_archived_months_is_the_portfolio_it_was(tmp_path, fake_github, s3_endpoint, aws_credentials):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="tiers-pipeline")
    with (
        postgres_database() as url,
        pipeline_environment(tmp_path / "home", fake_github.base_url, "octo-demo"),
        pytest.MonkeyPatch.context() as env,
        DagsterInstance.ephemeral() as instance,
    ):
        for name, value in {
            "ACHIEVEMENT_WAREHOUSE_URL": url,
            "ACHIEVEMENT_S3_BUCKET": "tiers-pipeline",
            "ACHIEVEMENT_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_REGION": "us-east-1",
        }.items():
            env.setenv(name, value)
        first = run_month(instance)
        assert first.locations["json"].startswith("s3://tiers-pipeline/portfolio/")
        before = _document(s3, first.locations["json"])
        assert before["achievements"]

        # The monthly job with archiving on: January 2025 is long past, so it leaves the warehouse.
        env.setenv("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS", "1")
        defs = code_location.defs()
        succeeded(defs.resolve_job_def("archive_warehouse").execute_in_process(instance=instance))
        warehouse = WarehouseResource(url=url).get()
        with warehouse.engine.connect() as conn:
            archived = {(entry.table, entry.month) for entry in archive.entries(conn)}
            partitions = set(conn.execute(sa.text("SELECT inhrelid::regclass::text FROM pg_inherits")).scalars())
        assert {month for _, month in archived} == {"2025-01"}
        assert {table for table, _ in archived} >= set(MONTHLY_TABLES) - {"set_aside"}  # set_aside: if it held any
        assert not {p for p in partitions if p.endswith("_y2025m01")}
        listed = s3.list_objects_v2(Bucket="tiers-pipeline", Prefix="warehouse-archive/")["KeyCount"]
        assert listed == len(archived)
        assert snapshot(warehouse) == first.snapshot  # row for row, read from the archive

        # The portfolio of January alone, exported again (its upstream stages not re-run) from the archive.
        s3.delete_object(Bucket="tiers-pipeline", Key=first.locations["json"].split("/", 3)[3])
        job = defs.resolve_implicit_global_asset_job_def()
        tags = partition_range_tags(*JANUARY)
        succeeded(job.execute_in_process(instance=instance, tags=tags, asset_selection=[AssetKey("portfolio")]))
        assert _document(s3, first.locations["json"]) == before
        with warehouse.engine.connect() as conn:
            assert {(entry.table, entry.month) for entry in archive.entries(conn)} == archived  # reads restore nothing
