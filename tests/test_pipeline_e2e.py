"""The whole pipeline over a month of partitions against the fake GitHub, run twice.

One module-scoped run keeps the suite fast; each test checks one promise about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from dagster import AssetKey, DagsterInstance

from achievement_pipeline.export import reports
from tests.pipeline_run import JANUARY, PipelineRun, exported, keep_exports, pipeline_environment, run_month

STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, fake_github) -> Iterator[tuple[PipelineRun, PipelineRun, object]]:
    home = tmp_path_factory.mktemp("e2e")
    with pipeline_environment(home, fake_github.base_url, "octo-demo"), DagsterInstance.ephemeral() as instance:
        first = keep_exports(run_month(instance), home / "first")
        second = keep_exports(run_month(instance), home / "second")
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


def test_the_rerun_writes_no_summary_again(runs):
    """The offline summary is a function of the PR and the code: an unchanged window is kept, not asked again."""
    first, _, instance = runs
    latest = instance.get_latest_materialization_event(AssetKey("enriched_prs")).asset_materialization.metadata
    assert latest["unchanged"].value is True
    assert latest["row_count"].value == len(first.snapshot["enriched_prs"]) > 0
    assert (latest["llm_calls"].value, latest["cache_hits"].value, latest["cache_misses"].value) == (0, 0, 0)


def test_exporting_the_unchanged_window_again_renders_nothing_again(runs):
    """The same document through the same renderers: the files stay as they were, generation time included."""
    first, second, _ = runs
    for kind in ("json", "html", "pdf", "summary_md", "markdown", "cv_text"):
        assert exported(second.locations, kind).read_bytes() == exported(first.locations, kind).read_bytes(), kind


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


def test_the_html_tells_at_most_15_headline_achievements_and_links_every_pr(runs):
    first, _, _ = runs
    document = json.loads(exported(first.locations, "json").read_text())
    html = exported(first.locations, "html").read_text()
    assert 0 < html.count('<article class="card group">') <= 15
    assert all(f'href="{a["url"]}"' in html for a in document["achievements"])


def test_the_markdown_portfolio_and_cv_bullets_are_written_from_the_same_document(runs):
    first, _, _ = runs
    document = json.loads(exported(first.locations, "json").read_text())
    markdown = exported(first.locations, "markdown").read_text()
    assert all(f"[{a['pr_id']}]({a['url']})" in markdown for a in document["achievements"])
    cv_lines = [x for x in exported(first.locations, "cv_text").read_text().splitlines() if x.startswith("- ")]
    assert len(cv_lines) == min(15, len(document["achievement_groups"]))
    assert sum(x.startswith("- ") for x in exported(first.locations, "cv_md").read_text().splitlines()) == len(cv_lines)


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
    from achievement_pipeline.core.predictions import SCORECARD_VERSION
    from achievement_pipeline.core.records import NOT_ASSESSED
    from achievement_pipeline.ml.base_model import base_model_version

    first, _, _ = runs
    rows = first.snapshot["predictions"]
    assert rows
    for row in rows:
        category, sentiment = row["category_model_version"], row["sentiment_model_version"]
        # A champion of the user's own, or (a month of PRs being too few to train on) the shipped base model.
        assert category.startswith("pr-category:") or category == base_model_version(), row["pr_id"]
        # The sentiment champion, or none: then sentiment is "unknown", never a guess.
        assert sentiment.startswith("pr-review-sentiment:") or (
            sentiment == "" and row["review_sentiment"] == NOT_ASSESSED
        ), row["pr_id"]
        assert row["model_version"] == ",".join(v for v in (category, SCORECARD_VERSION, sentiment) if v)


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


# Curation: choices made in the launchpad and in curation.yaml outlast a re-collection and a re-run.

PERSONAL_REPO = "octo-demo/dotfiles"
REWORDED = "Cut the checkout's failed payments by retrying declined cards once, safely."


@pytest.fixture(scope="module")
def curated(runs, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict[str, str], dict[str, str]]:
    """Before and after documents of January once choices are set, re-collected and re-run; and the choices."""
    import os
    from pathlib import Path

    from achievement_pipeline import definitions as code_location

    first, _, instance = runs
    before = json.loads(exported(first.locations, "json").read_text())
    groups = before["achievement_groups"]
    pinned, reworded = groups[-1]["pr_ids"][0], groups[0]["pr_ids"][0]
    private = next(a["pr_id"] for a in before["achievements"] if a["pr_id"] not in (pinned, reworded))
    Path(os.environ["ACHIEVEMENT_HOME"], "curation.yaml").write_text(f"private: ['{private}']\n")
    config = {"exclude": [PERSONAL_REPO], "pin": [pinned], "statements": {reworded: REWORDED}, "by": "ada"}
    code_location.defs().resolve_job_def("curate_portfolio").execute_in_process(
        run_config={"ops": {"curation": {"config": config}}}, instance=instance
    )
    after = keep_exports(run_month(instance), tmp_path_factory.mktemp("curated"))
    chosen = {"pinned": pinned, "reworded": reworded, "private": private}
    return before, json.loads(exported(after.locations, "json").read_text()), after.locations, chosen


def _pr_ids(document: dict) -> set[str]:
    return {a["pr_id"] for a in document["achievements"]} | {r["pr_id"] for r in document["rejected"]}


def test_an_excluded_repository_is_out_of_the_portfolio_and_its_figures(curated):
    before, after, _, _ = curated
    personal = {p for p in _pr_ids(before) if p.startswith(PERSONAL_REPO + "#")}
    assert personal and not {p for p in _pr_ids(after) if p.startswith(PERSONAL_REPO + "#")}
    assert PERSONAL_REPO not in {r["repo"] for r in after["repositories"]}
    assert after["totals"]["prs"] < before["totals"]["prs"]
    assert after["totals"]["value"]["expected"] < before["totals"]["value"]["expected"]


def test_a_pinned_achievement_leads_the_portfolio(curated):
    _, after, locations, chosen = curated
    lead = after["achievement_groups"][0]
    assert chosen["pinned"] in lead["pr_ids"] and lead["featured"] is True
    html = exported(locations, "html").read_text()
    assert html.index(lead["title"]) < html.index(after["achievement_groups"][1]["title"])


def test_a_reworded_statement_replaces_the_generated_one_everywhere(curated):
    before, after, locations, chosen = curated
    original = next(a["statement"] for a in before["achievements"] if a["pr_id"] == chosen["reworded"])
    reworded = next(a for a in after["achievements"] if a["pr_id"] == chosen["reworded"])
    assert reworded["statement"] == REWORDED and reworded["rewritten"] == ["statement"]
    from html import unescape

    html = unescape(exported(locations, "html").read_text())
    assert REWORDED in html and original not in html


def test_a_private_pr_shows_neither_its_title_nor_its_figures(curated):
    import subprocess

    before, after, locations, chosen = curated
    title = next(a["title"] for a in before["achievements"] if a["pr_id"] == chosen["private"])
    assert chosen["private"] not in _pr_ids(after) and after["curation"]["private_prs"]
    pdf_file = str(exported(locations, "pdf"))
    pdf = subprocess.run(["pdftotext", pdf_file, "-"], capture_output=True, text=True, check=True).stdout
    for kind in ("json", "html", "summary_md", "summary_html", "markdown", "cv_md", "cv_text"):
        text = exported(locations, kind).read_text()
        assert title not in text and chosen["private"] not in text, kind
    assert title not in pdf and "kept 1 change private" in exported(locations, "html").read_text()


def test_the_json_records_each_choice_with_who_when_and_where_from(curated):
    before, after, _, chosen = curated
    recorded = {(c["kind"], c["target"], c["set_by"], c["source"]) for c in after["curation"]["choices"]}
    assert recorded == {
        ("exclude", "(withheld)", "ada", "ui"),
        ("pin", chosen["pinned"], "ada", "ui"),
        ("statement", chosen["reworded"], "ada", "ui"),
        ("private", "(withheld)", "curation.yaml", "curation.yaml"),
    }
    assert after["curation"]["excluded_prs"] == sum(1 for p in _pr_ids(before) if p.startswith(PERSONAL_REPO + "#"))
