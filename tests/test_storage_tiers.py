"""The warm tier: old months archived to Parquet, read as before, brought back by a write; the cold tier's rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from achievement_pipeline.core import archive
from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.resources.warehouse import monthly_tables
from achievement_pipeline.sources.github.store import GitHubStore, SourceState
from tests.tiers_support import DAYS, EVERYTHING, JANUARY, TODAY, fill, postgres_database, pr_of, reads

ROOT = Path(__file__).resolve().parents[1]
LIFECYCLE = ROOT / "deploy" / "s3" / "archive-lifecycle.json"


@pytest.fixture
def files(tmp_path) -> archive.ArchiveFiles:
    return archive.ArchiveFiles(local_dir=str(tmp_path / "archive"))


@pytest.fixture
def warehouse(tmp_path, files):
    warehouse = connect(f"sqlite:///{tmp_path}/w.db", files)
    fill(warehouse)
    return warehouse


def archive_january(warehouse, files) -> list[archive.ArchivedMonth]:
    """Archive what is older than one month before TODAY (March): January."""
    return archive.archive_old_months(warehouse.engine, monthly_tables().values(), files, 1, TODAY)


def hot_days(warehouse, table: str) -> list[str]:
    with warehouse.engine.connect() as conn:
        return list(conn.execute(sa.text(f"SELECT merge_date FROM {table} ORDER BY merge_date")).scalars())


def catalog(warehouse) -> list[tuple[str, str, int]]:
    with warehouse.engine.connect() as conn:
        return [(entry.table, entry.month, entry.rows) for entry in archive.entries(conn)]


def test_months_before_the_kept_ones_are_archived_and_every_read_is_as_before(warehouse, files):
    before = reads(warehouse)
    done = archive_january(warehouse, files)
    assert sorted((entry.table, entry.month, entry.rows) for entry in done) == catalog(warehouse)
    assert catalog(warehouse) == [("predictions", "2025-01", 3), ("pull_requests", "2025-01", 3)]
    assert hot_days(warehouse, "pull_requests") == ["2025-02-14", "2025-03-01"]
    assert reads(warehouse) == before


def test_nothing_is_archived_while_the_setting_is_zero_or_the_months_are_recent(warehouse, files):
    tables = monthly_tables().values()
    assert archive.archive_old_months(warehouse.engine, tables, files, 0, TODAY) == []
    assert archive.archive_old_months(warehouse.engine, tables, files, 3, TODAY) == []
    assert catalog(warehouse) == [] and len(hot_days(warehouse, "pull_requests")) == len(DAYS)


def test_the_kept_months_are_this_one_and_the_setting_before_it():
    assert archive.cutoff(date(2025, 3, 20), 1) == "2025-02"
    assert archive.cutoff(date(2025, 3, 1), 12) == "2024-03"
    assert archive.cutoff(date(2025, 1, 31), 1) == "2024-12"


def test_an_archived_month_is_one_parquet_file_with_the_tables_types(warehouse, files, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    archive_january(warehouse, files)
    (location,) = [e.location for e in archive.entries(warehouse.engine.connect(), "pull_requests")]
    assert Path(location).parent == tmp_path / "archive" / "warehouse-archive" / "pull_requests" / "2025-01"
    table = pq.read_table(location)
    assert table.num_rows == 3 and table.schema.metadata[b"achievement.table"] == b"pull_requests"
    assert table.schema.field("number").type == pa.int64()
    assert table.schema.field("repo_is_fork").type == pa.bool_()
    assert table.schema.field("title").type == pa.string()
    files_field = table.schema.field("files")
    assert files_field.metadata[archive.ENCODING] == archive.JSON_TEXT
    assert json.loads(table.column("files")[0].as_py())[0]["filename"] == "src/api/session.py"
    assert not list((tmp_path / "archive").rglob("*.tmp"))


def test_a_write_to_an_archived_month_brings_it_back_first_and_deletes_its_file(warehouse, files):
    archive_january(warehouse, files)
    (location,) = [e.location for e in archive.entries(warehouse.engine.connect(), "pull_requests")]
    day = date(2025, 1, 17)
    warehouse.replace_window("pull_requests", day, day + timedelta(days=1), [pr_of(2, "2025-01-17", title="new")])
    assert catalog(warehouse) == [("predictions", "2025-01", 3)]  # only the table written to came back
    assert not Path(location).exists()
    assert hot_days(warehouse, "pull_requests") == list(DAYS)
    titles = {row["pr_id"]: row["title"] for row in warehouse.read_window("pull_requests", *JANUARY)}
    assert titles["acme/web-app#2"] == "new" and titles["acme/web-app#1"].startswith("perf(api): naïve")


def test_running_an_archived_window_again_leaves_every_read_as_it_was(warehouse, files):
    before = reads(warehouse)
    archive_january(warehouse, files)
    fill(warehouse)  # the backfill of every day again, January's included
    assert reads(warehouse) == before
    assert catalog(warehouse) == []


def test_a_month_archived_again_after_a_write_is_one_new_file(warehouse, files, tmp_path):
    archive_january(warehouse, files)
    fill(warehouse)
    archive_january(warehouse, files)
    january = sorted((tmp_path / "archive").rglob("pull_requests-2025-01-*.parquet"))
    assert len(january) == 1 and catalog(warehouse) == [("predictions", "2025-01", 3), ("pull_requests", "2025-01", 3)]


def test_restoring_a_month_puts_its_rows_back_and_forgets_it(warehouse, files):
    before = reads(warehouse)
    archive_january(warehouse, files)
    restored = archive.restore_month(warehouse.engine, monthly_tables()["predictions"], "2025-01", files)
    assert restored is not None and restored.rows == 3
    assert catalog(warehouse) == [("pull_requests", "2025-01", 3)]
    assert hot_days(warehouse, "predictions") == list(DAYS)
    assert reads(warehouse) == before
    assert archive.restore_month(warehouse.engine, monthly_tables()["predictions"], "2025-01", files) is None


def test_an_archived_file_that_changed_is_refused_rather_than_read(warehouse, files):
    import pyarrow.parquet as pq

    archive_january(warehouse, files)
    (location,) = [e.location for e in archive.entries(warehouse.engine.connect(), "predictions")]
    table = pq.read_table(location)
    pq.write_table(table.slice(0, 2), location)  # a row lost
    with pytest.raises(archive.ArchiveUnreadable, match="is not the file archived"):
        warehouse.read_window("predictions", *JANUARY)
    Path(location).unlink()
    with pytest.raises(archive.ArchiveUnreadable, match="is missing"):
        warehouse.read_all("predictions")


def test_the_raw_pr_store_reads_archived_months_and_a_save_brings_them_back(warehouse, files):
    store = GitHubStore(warehouse.engine, files)
    pulls = [(pr_of(n, day), f"{day}T12:00:00Z") for n, day in enumerate(DAYS, start=1)]
    store.save("demo:42", "user:octo-demo", SourceState(), pulls)
    before = store.read_window("demo:42", ["user:octo-demo"], *EVERYTHING)
    archive_january(warehouse, files)
    assert ("github_pulls", "2025-01", 3) in catalog(warehouse)
    assert store.read_window("demo:42", ["user:octo-demo"], *EVERYTHING) == before
    assert store.read_window("demo:42", ["user:octo-demo"], date(2025, 1, 17), date(2025, 1, 18)) == before[1:2]
    assert store.count("demo:42", "user:octo-demo") == len(DAYS)
    store.save("demo:42", "user:octo-demo", SourceState(), [(pr_of(2, "2025-01-17", title="again"), "2025-04-01")])
    assert ("github_pulls", "2025-01", 3) not in catalog(warehouse)
    after = store.read_window("demo:42", ["user:octo-demo"], *EVERYTHING)
    assert [row["title"] for row in after][:3] == [before[0]["title"], "again", before[2]["title"]]


def test_achievement_archive_lists_restores_and_archives_by_hand(warehouse, files, monkeypatch, capsys, tmp_path):
    from achievement_pipeline.cli.archive import main

    monkeypatch.setenv("ACHIEVEMENT_WAREHOUSE_URL", str(warehouse.engine.url))
    monkeypatch.setenv("ACHIEVEMENT_HOME", str(tmp_path))  # the local archive: ACHIEVEMENT_HOME/archive, as files
    archive_january(warehouse, files)
    assert main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:3] for line in listed] == [
        ["predictions", "2025-01", "3 rows"],
        ["pull_requests", "2025-01", "3 rows"],
    ]
    assert main(["restore", "pull_requests", "2025-01"]) == 0
    assert catalog(warehouse) == [("predictions", "2025-01", 3)]
    assert main(["restore", "pull_requests", "2025-13"]) == 2
    assert "'2025-13' is not a month" in capsys.readouterr().err
    assert main(["restore", "--all"]) == 0 and catalog(warehouse) == []
    assert main(["run"]) == 2  # ACHIEVEMENT_ARCHIVE_AFTER_MONTHS unset: said, nothing done
    assert "ACHIEVEMENT_ARCHIVE_AFTER_MONTHS is 0 or unset" in capsys.readouterr().err


def test_the_metrics_show_each_tiers_size(warehouse, files):
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from achievement_pipeline.monitoring.exporter import build_registry
    from achievement_pipeline.monitoring.warehouse import WarehouseSource

    done = archive_january(warehouse, files)
    text = generate_latest(build_registry([WarehouseSource(str(warehouse.engine.url))])).decode()
    got = {
        (sample.name, sample.labels.get("table")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert got[("achievement_warehouse_hot_rows", "pull_requests")] == 2
    assert got[("achievement_warehouse_archived_rows", "pull_requests")] == 3
    assert got[("achievement_warehouse_archived_months", "predictions")] == 1
    assert got[("achievement_warehouse_archived_months", "valuations")] == 0
    assert got[("achievement_warehouse_archived_bytes", "pull_requests")] == sum(
        entry.bytes for entry in done if entry.table == "pull_requests"
    )


def test_the_archive_asset_reports_what_it_moved_and_where(warehouse, tmp_path, monkeypatch):
    from dagster import materialize

    from achievement_pipeline.defs.storage.assets import warehouse_archive
    from achievement_pipeline.resources.warehouse import WarehouseResource

    monkeypatch.setenv("ACHIEVEMENT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS", "1")  # today is long after 2025: every month goes
    result = materialize([warehouse_archive], resources={"warehouse": WarehouseResource(url=str(warehouse.engine.url))})
    metadata = result.asset_materializations_for_node("warehouse_archive")[0].metadata
    assert metadata["months_archived"].value == 6  # three months of two tables
    assert metadata["rows_archived"].value == 2 * len(DAYS)
    assert all(location.startswith(str(tmp_path / "home" / "archive")) for location in metadata["locations"].value)
    assert metadata["hot_rows"].value["pull_requests"] == 0


def test_the_archive_asset_refuses_a_fraction_of_a_month(warehouse, monkeypatch):
    from dagster import materialize

    from achievement_pipeline.defs.storage.assets import warehouse_archive
    from achievement_pipeline.resources.warehouse import WarehouseResource

    monkeypatch.setenv("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS", "1.5")
    result = materialize(
        [warehouse_archive],
        resources={"warehouse": WarehouseResource(url=str(warehouse.engine.url))},
        raise_on_error=False,
    )
    assert not result.success
    assert "ACHIEVEMENT_ARCHIVE_AFTER_MONTHS=1.5 must be whole months" in str(result.all_events)


# -- PostgreSQL and S3 ---------------------------------------------------------------------------------------


@pytest.fixture
def bucket(s3_endpoint, aws_credentials) -> str:
    name = f"archive-{date.today():%Y%m%d}-{id(object()) % 100000}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def archived_on_postgresql(s3_endpoint, bucket) -> Iterator[tuple[Any, dict[str, Any], Any]]:
    """A PostgreSQL warehouse archiving to S3 (moto), filled, its January archived: (warehouse, reads before, s3)."""
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    files = archive.ArchiveFiles(bucket=bucket, endpoint_url=s3_endpoint, region_name="us-east-1")
    with postgres_database() as url:
        warehouse = connect(url, files)
        fill(warehouse)
        before = reads(warehouse)
        archive_january(warehouse, files)
        yield warehouse, before, s3
        warehouse.engine.dispose()


@pytest.mark.services
def test_on_postgresql_an_archived_month_leaves_as_a_partition_to_s3_and_reads_stay_identical(
    archived_on_postgresql, bucket
):
    warehouse, before, s3 = archived_on_postgresql
    with warehouse.engine.connect() as conn:
        kept = set(conn.execute(sa.text("SELECT inhrelid::regclass::text FROM pg_inherits")).scalars())
    assert "pull_requests_y2025m02" in kept and "pull_requests_y2025m01" not in kept
    assert "predictions_y2025m01" not in kept
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="warehouse-archive/")["Contents"]]
    assert sorted(key.split("/")[1:3] for key in keys) == [["predictions", "2025-01"], ["pull_requests", "2025-01"]]
    assert reads(warehouse) == before
    # A backfill of January again: the month comes back as a partition, the file goes.
    fill(warehouse)
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('pull_requests_y2025m01')")).scalar() is not None
    assert s3.list_objects_v2(Bucket=bucket, Prefix="warehouse-archive/")["KeyCount"] == 0
    assert reads(warehouse) == before


@pytest.mark.services
def test_a_month_in_a_cold_storage_class_is_refused_with_how_to_thaw_it(archived_on_postgresql, bucket):
    from achievement_pipeline.cli.archive import thaw

    warehouse, _, s3 = archived_on_postgresql
    (entry,) = [e for e in archive.entries(warehouse.engine.connect(), "pull_requests")]
    key = entry.location.removeprefix(f"s3://{bucket}/")
    # What the lifecycle rule does after its days: the object moves to GLACIER.
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key}, StorageClass="GLACIER")
    cold = r"2025-01 of pull_requests: .* cold storage class .*achievement-archive thaw"
    with pytest.raises(archive.ArchiveUnreadable, match=cold):
        warehouse.read_window("pull_requests", *JANUARY)
    assert thaw(entry.location, warehouse.archive_files, days=1, tier="Bulk").startswith("restore requested")
    assert [row["pr_id"] for row in warehouse.read_window("pull_requests", *JANUARY)] == [
        "acme/web-app#1", "acme/web-app#2", "acme/web-app#3"
    ]  # fmt: skip


def test_the_lifecycle_file_moves_the_archive_prefix_to_glacier_then_deep_archive(s3_endpoint, bucket, monkeypatch):
    from achievement_pipeline.cli.archive import apply_lifecycle

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    exports_rule = {
        "ID": "exports-expire", "Filter": {"Prefix": "portfolio/"}, "Status": "Enabled", "Expiration": {"Days": 3650}
    }  # fmt: skip
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [exports_rule]})
    monkeypatch.setenv("ACHIEVEMENT_S3_BUCKET", bucket)
    monkeypatch.setenv("ACHIEVEMENT_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    said = apply_lifecycle(LIFECYCLE)
    assert said == [
        f"{bucket}: achievement-warehouse-archive-cold-tier on 'warehouse-archive/': GLACIER_IR after 365 days"
    ]
    rules = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert set(rules) == {"exports-expire", "achievement-warehouse-archive-cold-tier"}  # the exports' rule stays
    ours = rules["achievement-warehouse-archive-cold-tier"]
    assert ours["Filter"]["Prefix"] == "warehouse-archive/" and ours["Status"] == "Enabled"
    assert [(t["StorageClass"], t["Days"]) for t in ours["Transitions"]] == [("GLACIER_IR", 365)]
    apply_lifecycle(LIFECYCLE)  # applied again: replaced, not doubled
    assert len(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]) == 2


def test_a_lifecycle_file_for_another_prefix_is_refused(tmp_path, monkeypatch):
    from achievement_pipeline.cli.archive import lifecycle_rules
    from achievement_pipeline.core.settings import SettingError

    monkeypatch.setenv("ACHIEVEMENT_ARCHIVE_PREFIX", "cold/warehouse")
    with pytest.raises(SettingError, match="not the archive's prefix 'cold/warehouse/'"):
        lifecycle_rules(LIFECYCLE)
    monkeypatch.delenv("ACHIEVEMENT_ARCHIVE_PREFIX")
    assert lifecycle_rules(LIFECYCLE)["Rules"][0]["Filter"]["Prefix"] == "warehouse-archive/"


def test_the_read_api_finds_a_pr_of_an_archived_month(warehouse, files, tmp_path):
    from achievement_pipeline.serve.reader import Reader

    archive_january(warehouse, files)
    reader = Reader(warehouse.engine, github_base_url="demo", curation_path=tmp_path / "curation.yaml")
    found = reader.pull_request("acme/web-app#2")
    assert found == {"pr_id": "acme/web-app#2", "author": "octo-demo", "merge_date": "2025-01-17"}
    assert reader.pull_request("acme/web-app#99") is None
