"""The audit trail and privacy by subject through real export runs, as the UI and the schedule start them.

Three weeks of two people's PRs (and the northwind organisation's) collected from the fake GitHub served as a
token that may read one private repository of the three (acme/payments-api) sees it, through every stage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, DagsterInstance

from achievement_pipeline.core.launched_by import LAUNCHED_BY_TAG, SCHEDULE_TAG
from achievement_pipeline.export.schema import validate_portfolio
from tests.pipeline_run import pipeline_environment

# One pipeline run over three weeks for the module: about a minute and a half.
pytestmark = pytest.mark.slow

WINDOW = ("2025-02-03", "2025-02-23")
READABLE = ("acme/payments-api",)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from achievement_pipeline import definitions as code_location
    from achievement_pipeline.cli.demo import partition_range_tags, run_pipeline
    from achievement_pipeline.fakes.github.history import generate_history
    from achievement_pipeline.fakes.github.server import FakeGitHub

    first, last = date.fromisoformat(WINDOW[0]), date.fromisoformat(WINDOW[1])
    history = generate_history(seed=42, users=("octo-demo", "ada-dev")).seen_by(READABLE)
    home = tmp_path_factory.mktemp("provenance")
    with (
        FakeGitHub(history) as fake,
        pytest.MonkeyPatch.context() as env,
        pipeline_environment(home, fake.base_url, "octo-demo,ada-dev"),
        DagsterInstance.ephemeral() as instance,
    ):
        env.setenv("ACHIEVEMENT_GITHUB_ORGS", "northwind")
        defs = code_location.defs()
        job = defs.resolve_implicit_global_asset_job_def()
        tags = partition_range_tags(first, last)
        run_pipeline(first, last, instance=instance, defs=defs)

        def export(config: dict, launched: dict[str, str], assets: str = "portfolio") -> Any:
            result = job.execute_in_process(
                instance=instance,
                tags={**tags, **launched},
                asset_selection=[AssetKey(assets)],
                run_config={"ops": {"portfolio": {"config": config}}} if assets == "portfolio" else {},
            )
            assert result.success
            return result

        yield export


def _materialization(result: Any, asset: str) -> Any:
    return next(m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey(asset))


def _files(result: Any) -> tuple[dict, str, str]:
    metadata = _materialization(result, "portfolio").materialization.metadata
    path = Path(str(metadata["json_location"].value))
    markdown = Path(str(metadata["markdown_location"].value)).read_text()
    html = Path(str(metadata["html_location"].value)).read_text()
    return json.loads(path.read_text()), markdown, html


def test_an_export_from_the_ui_records_the_signed_in_person_in_the_trail_and_the_document(runs):
    result = runs({"person": "ada-dev"}, {LAUNCHED_BY_TAG: "ada-dev"})
    document, markdown, html = _files(result)
    assert document["generated_by"] == {"kind": "user", "name": "ada-dev", "text": "ada-dev"}
    trail = _materialization(result, "audit_trail").materialization.metadata
    assert trail["latest_by"].value == "ada-dev"
    assert "| ada\\-dev | user ada\\-dev |" in trail["latest_entries"].value
    assert "Generated" in markdown and "by ada-dev." in markdown and "How this portfolio was made" in html


def test_a_scheduled_export_of_an_unchanged_portfolio_is_recorded_while_its_files_are_kept(runs):
    config = {"person": "octo-demo"}
    first, _, _ = _files(runs(config, {LAUNCHED_BY_TAG: "octo-demo"}))
    again = runs(config, {SCHEDULE_TAG: "nightly_collect"})
    document, _, _ = _files(again)
    assert document == first  # the same inputs: the same files, generator and time included
    metadata = _materialization(again, "portfolio").materialization.metadata
    assert metadata["files"].value == "reused (nothing changed)"
    assert metadata["launched_by"].value == "nightly_collect"
    preview = _materialization(again, "audit_trail").materialization.metadata["latest_entries"].value
    newest, before = preview.splitlines()[2:4]
    assert "schedule nightly\\_collect" in newest and "| reused |" in newest
    assert "| octo\\-demo |" in before


def test_the_document_says_what_it_was_made_from_and_validates(runs):
    document, markdown, _ = _files(runs({"person": "octo-demo"}, {LAUNCHED_BY_TAG: "octo-demo"}))
    validate_portfolio(document)
    made = document["provenance"]
    tables = {t["table"]: t["rows"] for t in made["warehouse"]["tables"]}
    assert tables["validated_achievements"] == document["totals"]["prs"] + document["totals"]["rejected"]
    assert tables["pull_requests"] >= tables["validated_achievements"]
    assert any(model.startswith("pr-category") for model in made["models"])
    assert len(made["assumptions"]["sha256"]) == 64
    assert "## How this portfolio was made" in markdown and made["assumptions"]["sha256"][:12] in markdown


def test_a_persons_portfolio_holds_their_private_work_and_says_what_the_token_saw(runs):
    document, markdown, _ = _files(runs({"person": "octo-demo"}, {LAUNCHED_BY_TAG: "octo-demo"}))
    github = document["provenance"]["github"]
    assert github["private_repositories_included"] == 1 and github["private_prs_left_out"] == 0
    assert any(a["repo"] == "acme/payments-api" for a in document["achievements"])
    assert github["statement"].startswith("1 private repository included;")
    assert "the token saw no private repository of northwind" in github["statement"]
    assert "the token saw no private repository of northwind" in markdown


def test_another_persons_portfolio_holds_none_of_their_work(runs):
    document, _, _ = _files(runs({"person": "ada-dev"}, {LAUNCHED_BY_TAG: "ada-dev"}))
    assert {a["author"] for a in document["achievements"]} == {"ada-dev"}


def test_a_team_with_a_member_who_could_not_see_a_private_repository_leaves_its_prs_out_and_counts_them(runs):
    document, markdown, _ = _files(
        runs({"team": "Newcomers", "members": ["octo-demo", "new-hire"]}, {LAUNCHED_BY_TAG: "octo-demo"})
    )
    github = document["provenance"]["github"]
    assert github["private_prs_left_out"] >= 1 and github["private_repositories_included"] == 0
    assert not any(a["repo"] == "acme/payments-api" for a in document["achievements"])
    left_out = f"{github['private_prs_left_out']} PR"
    assert left_out in markdown and "not every member of the team could see them" in markdown
    assert "acme/payments-api" not in json.dumps(document)


def test_the_audit_trail_asset_previews_the_latest_exports(runs):
    result = runs({}, {LAUNCHED_BY_TAG: "octo-demo"}, assets="audit_trail")
    metadata = _materialization(result, "audit_trail").materialization.metadata
    assert metadata["entries"].value >= 1
    assert metadata["latest_entries"].value.startswith("| # | when (UTC) | who |")
