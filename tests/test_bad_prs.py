"""One bad PR never blocks a window, and no PR text links, fetches or injects anything in the Dagster UI.

A week of the fake GitHub's history for one person, with four PRs no one could describe (a blank
title, a title that is only "fix: ", merged before it was created, a malformed id) and four good
PRs whose titles attack Markdown (an image, links, raw HTML, a script, bare URLs), runs through
every stage as the demo runs it. One module-scoped run; each test checks one promise about it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    MarkdownMetadataValue,
    UrlMetadataValue,
)
from markdown_it import MarkdownIt

from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.fakes.github.model import FakeHistory
from achievement_pipeline.fakes.github.server import FakeGitHub
from tests.hostile_corpus import with_malformed_id
from tests.markdown_reading import read_markdown
from tests.pipeline_run import exported, pipeline_environment

pytestmark = pytest.mark.slow  # the whole pipeline, about a minute

FIRST, LAST = date(2025, 1, 6), date(2025, 1, 10)
ATTACKER = "attacker.example"
HOSTILE_TITLES = (
    f"feat: ![pixel](http://{ATTACKER}/pixel.png) faster cart totals",
    "fix: <img src=x onerror=alert(1)> checkout rounding",
    f"docs: [read me](javascript:alert(1)) and <http://{ATTACKER}/autolink>",
    f"chore: <script>fetch('http://{ATTACKER}/s')</script> see www.{ATTACKER}/w and http://{ATTACKER}/bare",
)
MALFORMED_REPO = f"acme/web app ![id](http://{ATTACKER}/id.png)"


def _history() -> tuple[FakeHistory, dict[str, str], list[str]]:
    """The week with its bad PRs (id → the words its reason must hold) and its hostile-titled good PRs."""
    history = generate_history(seed=11, start=FIRST, end=LAST, prs_per_week=40)
    mine = sorted((p for p in history.pulls if p.author == "octo-demo" and p.merged_at), key=lambda p: p.pr_id)
    blank, prefix_only, backwards, *good = mine
    changed = [
        dataclasses.replace(blank, title=""),
        dataclasses.replace(prefix_only, title="fix: "),
        dataclasses.replace(backwards, created_at=backwards.merged_at + timedelta(days=2)),
        *(dataclasses.replace(pr, title=title) for pr, title in zip(good, HOSTILE_TITLES, strict=False)),
    ]
    history, malformed = with_malformed_id(history.with_pulls(changed), good[-1], MALFORMED_REPO)
    bad = {
        blank.pr_id: "blank title",
        prefix_only.pr_id: "only a conventional prefix",
        backwards.pr_id: "before it was created",
        malformed: "malformed PR id",
    }
    return history, bad, [p.pr_id for p in good[: len(HOSTILE_TITLES)]]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from achievement_pipeline.cli.demo import run_pipeline

    history, bad, hostile = _history()
    home = tmp_path_factory.mktemp("bad-prs")
    with (
        FakeGitHub(history) as github,
        pipeline_environment(home, github.base_url, "octo-demo"),
        DagsterInstance.ephemeral() as instance,
    ):
        locations = run_pipeline(FIRST, LAST, instance=instance)
        collected = {
            p.pr_id
            for p in history.pulls
            if p.author == "octo-demo" and p.merged_at and FIRST <= p.merged_at.date() <= LAST
        }
        yield {
            "instance": instance,
            "locations": locations,
            "document": json.loads(exported(locations, "json").read_text()),
            "bad": bad,
            "good": collected - set(bad),
            "hostile": hostile,
        }


def _check(instance: DagsterInstance, stage: str) -> Any:  # noqa: ANN401 - Dagster's evaluation record
    key = AssetCheckKey(AssetKey(stage), f"{stage}_expectations")
    return instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key].evaluation


def test_every_good_pr_of_the_window_is_in_the_portfolio(week):
    published = {a["pr_id"] for a in week["document"]["achievements"]}
    # A good PR may still be held back by a plausibility rule (an outlier value), never by a row rule.
    held_back = {r["pr_id"]: " ".join(r["reasons"]) for r in week["document"]["rejected"] if r["pr_id"] in week["good"]}
    assert len(week["good"]) > len(week["bad"])
    assert week["good"] == published | set(held_back)
    assert set(week["hostile"]) <= published
    for pr_id, reasons in held_back.items():
        assert not any(row_rule in reasons for row_rule in week["bad"].values()), (pr_id, reasons)


def test_each_bad_pr_is_in_appendix_a_with_its_own_reason(week):
    rejected = {r["pr_id"]: " ".join(r["reasons"]) for r in week["document"]["rejected"]}
    for pr_id, reason in week["bad"].items():
        assert reason in rejected.get(pr_id, ""), (pr_id, rejected.get(pr_id))
    assert not set(week["bad"]) & {a["pr_id"] for a in week["document"]["achievements"]}


def test_each_bad_pr_is_named_in_the_html_appendix(week):
    html = exported(week["locations"], "html").read_text()
    appendix = html[html.index("Appendix A") :]
    for pr_id, reason in week["bad"].items():
        assert reason in appendix, pr_id


def test_the_ingest_check_warns_naming_every_bad_pr_and_blocks_nothing(week):
    evaluation = _check(week["instance"], "pull_requests")
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    named = read_markdown(evaluation.description).text
    for pr_id in week["bad"]:
        assert pr_id in named, pr_id
    assert set(evaluation.metadata["offending_pr_ids"].value.split(", ")) == set(week["bad"])


def test_the_checks_after_ingest_pass(week):
    for stage in ("enriched_prs", "predictions", "valuations", "validated_achievements"):
        assert _check(week["instance"], stage).passed, stage


def test_enrich_reports_what_it_set_aside(week):
    instance = week["instance"]
    event = instance.get_latest_materialization_event(AssetKey("enriched_prs"))
    assert event.asset_materialization.metadata["set_aside"].value == len(week["bad"])


def markdown_shown_in_the_ui(instance: DagsterInstance) -> list[tuple[str, str]]:
    """Every Markdown text the UI renders for the runs: materialization and check metadata, check descriptions."""
    shown = []
    kinds = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION}
    for run in instance.get_runs():
        for event in instance.all_logs(run.run_id, of_type=kinds):
            data = event.dagster_event.event_specific_data
            entry = getattr(data, "materialization", data)
            where = f"{event.dagster_event.event_type_value} {entry.asset_key.to_user_string()}"
            markdown = [
                (name, value) for name, value in entry.metadata.items() if isinstance(value, MarkdownMetadataValue)
            ]
            shown += [(f"{where} {name}", value.value) for name, value in markdown]
            if getattr(entry, "description", None):
                shown.append((f"{where} description", entry.description))
    return shown


def test_pr_text_in_the_ui_links_nothing_fetches_nothing_and_injects_no_html(week):
    instance = week["instance"]
    ours = {
        str(value.value)
        for value in instance.get_latest_materialization_event(
            AssetKey("portfolio")
        ).asset_materialization.metadata.values()
        if isinstance(value, UrlMetadataValue)
    }
    renderer = MarkdownIt("gfm-like")  # CommonMark with GFM tables, strikethrough and bare-URL linking
    shown = markdown_shown_in_the_ui(instance)
    assert any(ATTACKER in read_markdown(text).text for _, text in shown), "hostile text should be in some preview"
    for where, text in shown:
        html = renderer.render(text)
        assert "<img" not in html and "<script" not in html, where
        reading = read_markdown(text)
        assert not reading.html, (where, reading.html)
        assert set(reading.links) <= ours, (where, reading.links)
        assert ATTACKER not in " ".join(reading.links), where
