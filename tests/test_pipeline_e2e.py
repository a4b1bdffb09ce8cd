"""The whole pipeline over a month of partitions against the fake GitHub, run twice.

One module-scoped run keeps the suite fast; each test checks one promise about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from dagster import AssetKey, DagsterInstance

from achievement_pipeline.export import reports
from tests.pipeline_run import JANUARY, PipelineRun, exported, pipeline_environment, run_month

STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, fake_github) -> Iterator[tuple[PipelineRun, PipelineRun, object]]:
    home = tmp_path_factory.mktemp("e2e")
    with pipeline_environment(home, fake_github.base_url, "octo-demo"), DagsterInstance.ephemeral() as instance:
        first = run_month(instance)
        second = run_month(instance)
        yield first, second, instance


def test_every_stage_is_materialized_for_every_day_of_the_window(runs):
    _, _, instance = runs
    days = {f"2025-01-{day:02d}" for day in range(1, 32)}
    for stage in STAGES:
        assert instance.get_materialized_partitions(AssetKey(stage)) >= days, stage


def test_every_merged_pr_of_the_window_reaches_the_warehouse_once(runs, fake_github):
    first, _, _ = runs
    merged = fake_github.history.merged_pulls(author="octo-demo", since=JANUARY[0], until=JANUARY[1])
    assert merged
    assert sorted(r["pr_id"] for r in first.snapshot["pull_requests"]) == sorted(f"{p.repo}#{p.number}" for p in merged)


def test_every_stage_table_holds_one_row_per_pr(runs):
    first, _, _ = runs
    ids = {r["pr_id"] for r in first.snapshot["pull_requests"]}
    for table, rows in first.snapshot.items():
        assert {r["pr_id"] for r in rows} == ids, table
        assert len(rows) == len(ids), table


def test_rerunning_the_window_leaves_the_warehouse_unchanged(runs):
    first, second, _ = runs
    assert {t: len(rows) for t, rows in second.snapshot.items()} == {t: len(rows) for t, rows in first.snapshot.items()}
    assert second.snapshot == first.snapshot


def test_the_rerun_answers_every_summary_from_the_cache(runs):
    _, _, instance = runs
    events = instance.fetch_materializations(AssetKey("enriched_prs"), limit=1000).records
    cache_hits = [e.asset_materialization.metadata["cache_hits"].value for e in events]
    rows = [e.asset_materialization.metadata["row_count"].value for e in events]
    assert max(cache_hits) == max(rows) > 0


def test_ingest_reports_the_github_requests_it_made(runs):
    _, _, instance = runs
    metadata = instance.get_latest_materialization_event(AssetKey("pull_requests")).asset_materialization.metadata
    # The re-run found the source unchanged: one conditional request, answered 304 (free on GitHub).
    assert metadata["github_requests"].value == 1 == metadata["github_not_modified"].value
    assert metadata["row_count"].value > 0 and metadata["rate_limit_remaining"].value > 0


def test_every_asset_check_passed(runs):
    _, _, instance = runs
    from dagster import AssetCheckKey

    for stage in STAGES[:-1]:
        key = AssetCheckKey(AssetKey(stage), f"{stage}_expectations")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
        assert record.evaluation.passed, stage  # type: ignore[union-attr]


def test_the_portfolio_json_validates_against_its_schema(runs):
    first, _, _ = runs
    document = json.loads(exported(first.locations, "json").read_text())
    reports.validate_portfolio(document)
    assert document["window"] == {"start": "2025-01-01", "end": "2025-01-31"}


def test_every_achievement_in_the_json_has_evidence_and_assumptions(runs):
    first, _, _ = runs
    document = json.loads(exported(first.locations, "json").read_text())
    assert document["achievements"]
    for achievement in document["achievements"]:
        assert achievement["evidence"] and achievement["assumptions"], achievement["pr_id"]
        assert achievement["model"]["version"]


def test_the_html_pdf_and_summary_are_written(runs):
    first, _, _ = runs
    html = exported(first.locations, "html").read_text()
    assert "octo-demo" in html and "<svg" in html
    assert exported(first.locations, "pdf").read_bytes().startswith(b"%PDF")
    assert "octo-demo" in exported(first.locations, "summary_md").read_text()
    assert "<html" in exported(first.locations, "summary_html").read_text().lower()


def test_the_export_materialization_links_to_what_it_wrote(runs):
    first, _, instance = runs
    event = instance.get_latest_materialization_event(AssetKey("portfolio"))
    metadata = event.asset_materialization.metadata  # type: ignore[union-attr]
    html = metadata["portfolio_html"].value
    assert html == first.locations["browser"]
    assert html.startswith("http://127.0.0.1:3001/portfolio/octo-demo/") and html.endswith("/portfolio.html")
    assert metadata["portfolio_pdf"].value.endswith("/portfolio.pdf")
    assert f"]({html})" in metadata["headline"].value


def test_predictions_record_the_model_version(runs):
    first, _, _ = runs
    versions = {r["model_version"] for r in first.snapshot["predictions"]}
    assert versions and all("pr-category:" in v for v in versions)


def _significant_digits(figure: str) -> int:
    digits = figure.replace(",", "").rstrip("kMB").lstrip("$").replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) or 1


def test_no_money_or_hours_figure_is_printed_to_more_than_two_significant_figures(runs):
    import re
    import subprocess

    first, _, _ = runs
    html = re.sub(r"<[^>]+>", " ", exported(first.locations, "html").read_text())
    pdf = subprocess.run(
        ["pdftotext", str(exported(first.locations, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    summary = exported(first.locations, "summary_md").read_text().replace("\\", "")
    for name, text in (("html", html), ("pdf", pdf), ("summary", summary)):
        money = re.findall(r"\$[\d,]+(?:\.\d+)?[kMB]?(?![\d/])", text)
        hours = re.findall(r"(?<![\w.])([\d,]+(?:\.\d+)?)\u00a0?\s?h\b", text)
        assert money and hours, name
        too_precise = [f for f in [*money, *hours] if _significant_digits(f) > 2]
        assert too_precise == [], (name, too_precise[:5])


def test_the_hours_fit_the_calendar_and_the_capacity_check_passed(runs):
    from dagster import AssetCheckKey

    first, _, instance = runs
    document = json.loads(exported(first.locations, "json").read_text())
    totals = document["totals"]
    assert totals["hours"]["high"] <= totals["capacity"]["available_hours"] + 0.01
    key = AssetCheckKey(AssetKey("portfolio"), "hours_within_capacity")
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    assert record.evaluation.passed  # type: ignore[union-attr]


def test_every_achievement_carries_its_cost_basis_and_arithmetic(runs):
    first, _, _ = runs
    document = json.loads(exported(first.locations, "json").read_text())
    for achievement in document["achievements"]:
        assert achievement["value_basis"] in ("outcome", "judgement", "none", "reverted", "revert")
        assert achievement["arithmetic"] and achievement["cost"]["expected"] >= 0, achievement["pr_id"]
