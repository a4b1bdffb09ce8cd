"""The exporter over a real Dagster instance and warehouse: what a scrape shows after real runs."""

import logging
from collections.abc import Iterator
from datetime import date

import pytest
from dagster import (
    BackfillPolicy,
    Config,
    DagsterInstance,
    DailyPartitionsDefinition,
    MaterializeResult,
    asset,
    materialize,
)
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from achievement_pipeline.cli.metrics import main
from achievement_pipeline.monitoring.exporter import build_registry, build_sources
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.conftest import PIPELINE_VARIABLES
from tests.factories import make_pr

RANGE = {"dagster/asset_partition_range_start": "2025-01-02", "dagster/asset_partition_range_end": "2025-01-04"}


def scrape(registry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


PARTITIONS = DailyPartitionsDefinition(start_date="2025-01-01")


class StageConfig(Config):
    fail: bool = False


# Stand-ins with the stage assets' names and metadata keys: the exporter's contract is the metadata,
# and these keep the test independent of GitHub collection (tests/test_prometheus_e2e.py runs the real one).
@asset(name="pull_requests", partitions_def=PARTITIONS, backfill_policy=BackfillPolicy.single_run())
def stand_in_ingest(config: StageConfig) -> MaterializeResult:
    if config.fail:
        raise RuntimeError("GitHub user 'no-such-user' (ACHIEVEMENT_GITHUB_USER) does not exist")
    return MaterializeResult(metadata={"row_count": 6, "github_requests": 35, "rate_limit_remaining": 4965})


@asset(
    name="enriched_prs", deps=["pull_requests"], partitions_def=PARTITIONS, backfill_policy=BackfillPolicy.single_run()
)
def stand_in_enrich() -> MaterializeResult:
    return MaterializeResult(metadata={"row_count": 6, "llm_calls": 2, "cache_hits": 4, "cache_misses": 2})


def run(instance, *assets, fail: bool = False, **kwargs):
    config = {"ops": {"pull_requests": {"config": {"fail": fail}}}}
    return materialize(list(assets), instance=instance, run_config=config, raise_on_error=False, **kwargs)


@pytest.fixture(scope="module")
def pipeline_instance(tmp_path_factory) -> Iterator[DagsterInstance]:
    """A Dagster instance with a successful three-day run (ingest + enrich) and a failed ingest."""
    home = tmp_path_factory.mktemp("metrics") / "home"
    (home / "dagster").mkdir(parents=True)
    with pytest.MonkeyPatch.context() as mp:
        for name in PIPELINE_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("ACHIEVEMENT_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        with DagsterInstance.get() as instance:
            ok = run(instance, stand_in_ingest, stand_in_enrich, tags=RANGE)
            failed = run(instance, stand_in_ingest, fail=True, partition_key="2025-01-05")
            assert ok.success and not failed.success
            WarehouseResource().get().replace_window("pull_requests", date(2025, 1, 2), date(2025, 1, 5), [make_pr()])
            instance._test_runs = {"ok": ok.run_id, "failed": failed.run_id}  # type: ignore[attr-defined]
            yield instance


@pytest.fixture(scope="module")
def metrics(pipeline_instance) -> dict:
    return scrape(build_registry(build_sources(["runs", "events", "warehouse"], pipeline_instance)))


def _job(metrics: dict) -> str:
    (job,) = {
        dict(labels)["dagster_job"] for name, labels in metrics if name == "achievement_dagster_runs_finished_total"
    }
    return job


def test_a_successful_and_a_failed_run_are_counted_by_status(metrics):
    job = _job(metrics)
    assert metrics[("achievement_dagster_runs_finished_total", (("dagster_job", job), ("status", "SUCCESS")))] == 1
    assert metrics[("achievement_dagster_runs_finished_total", (("dagster_job", job), ("status", "FAILURE")))] == 1


def test_the_failed_run_is_named_as_the_jobs_latest(metrics, pipeline_instance):
    failed = pipeline_instance._test_runs["failed"]
    assert (
        metrics[("achievement_dagster_job_last_run_failed", (("dagster_job", _job(metrics)), ("run_id", failed)))] == 1
    )


def test_github_requests_of_a_range_run_are_counted_once(metrics):
    assert metrics[("achievement_github_requests_total", ())] == 35
    assert metrics[("achievement_asset_materializations_total", (("asset", "pull_requests"),))] == 3


def test_cache_figures_of_enrich_are_exported(metrics):
    assert metrics[("achievement_llm_cache_hits_total", ())] == 4
    assert metrics[("achievement_llm_cache_misses_total", ())] == 2
    assert metrics[("achievement_asset_rows", (("asset", "enriched_prs"),))] == 6


def test_each_successful_step_reports_its_duration(metrics):
    job = _job(metrics)
    for step in ("pull_requests", "enriched_prs"):
        count = metrics[("achievement_dagster_step_duration_seconds_count", (("dagster_job", job), ("step", step)))]
        assert count == 1


def test_the_failed_step_is_counted_under_the_class_of_its_error(metrics):
    labels = (("dagster_job", _job(metrics)), ("error", "RuntimeError"), ("step", "pull_requests"))
    assert metrics[("achievement_dagster_step_failures_total", labels)] == 1


def test_the_exposition_passes_promtool_check_metrics(pipeline_instance):
    """What Prometheus would scrape, over HTTP, from every source (the model registry is empty)."""
    import subprocess
    import urllib.request

    from prometheus_client import start_http_server

    from tests.test_deploy_tools import require_tool

    promtool = require_tool("promtool")
    registry = build_registry(build_sources(["runs", "events", "warehouse", "models"], pipeline_instance))
    server, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=30) as response:
            body = response.read()
    finally:
        server.shutdown()
    assert b"achievement_dagster_runs_finished_total" in body
    result = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, b"")


def test_warehouse_rows_are_read_from_the_tables(metrics):
    assert metrics[("achievement_warehouse_rows", (("table", "pull_requests"),))] == 1
    assert metrics[("achievement_warehouse_rows", (("table", "predictions"),))] == 0


def test_every_source_reports_itself_up(metrics):
    for source in ("runs", "events", "warehouse"):
        assert metrics[("achievement_exporter_source_up", (("source", source),))] == 1


def test_a_run_finished_after_a_scrape_appears_in_the_next_one(pipeline_home):
    with DagsterInstance.ephemeral() as instance:
        registry = build_registry(build_sources(["runs"], instance))
        failed = run(instance, stand_in_ingest, fail=True, partition_key="2025-01-02")
        first = scrape(registry)
        ok = run(instance, stand_in_ingest, partition_key="2025-01-02")
        second = scrape(registry)
    job = _job(second)
    assert first[("achievement_dagster_job_last_run_failed", (("dagster_job", job), ("run_id", failed.run_id)))] == 1
    assert second[("achievement_dagster_job_last_run_failed", (("dagster_job", job), ("run_id", ok.run_id)))] == 0
    assert second[("achievement_dagster_runs_finished_total", (("dagster_job", job), ("status", "SUCCESS")))] == 1
    assert second[("achievement_dagster_runs_finished_total", (("dagster_job", job), ("status", "FAILURE")))] == 1


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_an_unreachable_warehouse_is_a_source_failure_that_names_no_password(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_WAREHOUSE_URL", "postgresql+psycopg2://reader:pw-S3cr3t-9f@127.0.0.1:9/achievement")
    records = _Records()
    logger = logging.getLogger("achievement_pipeline.monitoring.sources")
    logger.addHandler(records)
    try:
        with DagsterInstance.ephemeral() as instance:
            registry = build_registry(build_sources(["runs", "warehouse"], instance))
            text = generate_latest(registry).decode()
    finally:
        logger.removeHandler(records)
    got = {(s.name, tuple(s.labels.items())): s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert got[("achievement_exporter_source_up", (("source", "warehouse"),))] == 0
    assert got[("achievement_exporter_source_up", (("source", "runs"),))] == 1
    assert records.messages and "warehouse" in records.messages[0]
    assert "pw-S3cr3t-9f" not in text + "".join(records.messages)


def test_an_unreachable_warehouse_is_logged_in_one_line_naming_its_setting(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_WAREHOUSE_URL", "postgresql+psycopg2://reader:pw-S3cr3t-9f@127.0.0.1:9/achievement")
    records = _Records()
    logger = logging.getLogger("achievement_pipeline.monitoring.sources")
    logger.addHandler(records)
    try:
        generate_latest(build_registry(build_sources(["warehouse"])))
    finally:
        logger.removeHandler(records)
    (message,) = records.messages
    assert "WarehouseUnavailable" in message and "(ACHIEVEMENT_WAREHOUSE_URL) is unreachable" in message
    assert len(message.splitlines()) == 1


def test_an_unknown_source_is_refused_with_the_setting_to_fix():
    with pytest.raises(SystemExit) as stopped:
        main(["--sources", "runs,gpu", "--port", "0"])
    assert "unknown metrics source(s) gpu" in str(stopped.value)
    assert "ACHIEVEMENT_METRICS_SOURCES" in str(stopped.value)


def test_where_the_event_log_is_one_table_steps_come_with_the_materializations(pipeline_home):
    from achievement_pipeline.monitoring.events import keeps_steps_per_run

    with DagsterInstance.ephemeral() as instance:
        registry = build_registry(build_sources(["events"], instance))
        run(instance, stand_in_ingest, fail=True, partition_key="2025-01-02")
        got = scrape(registry)
        assert not keeps_steps_per_run(instance)
    (labels,) = [labels for name, labels in got if name == "achievement_dagster_step_failures_total"]
    assert dict(labels)["error"] == "RuntimeError"
