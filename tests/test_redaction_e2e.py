"""Secrets and phone numbers planted in a pull request leave the warehouse nowhere.

One PR on the fake GitHub carries every shape (env assignments, AWS, GitHub, PEM, JWT, Slack,
Stripe, Google, connection strings, Authorization headers, US/UK/international phone numbers)
in its title, body, review, review comment, conversation comment and file names. January runs
through every stage with an OpenAI-compatible provider that echoes the PR's title and body back
(the worst a model can do), and then nothing the pipeline wrote outside the warehouse holds a
planted value: not the provider's requests, the LLM cache, any export, the Dagster event log
(materialization metadata and log lines), nor any other file under the home folder (the MLflow
store among them). The raw ``pull_requests`` table still holds them all: it is the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, DagsterInstance, serialize_value

from achievement_pipeline.fakes.github import FakeGitHub
from achievement_pipeline.fakes.github.history import generate_history
from tests.fake_llm import FakeLLMProvider
from tests.pipeline_run import PipelineRun, exported, pipeline_environment, run_month
from tests.planted_secrets import (
    FILE_NAMES,
    GITHUB_TOKEN,
    PEM_LINE,
    PLANTED,
    SLACK_HOOK_SECRET,
    echo,
    export_text,
    leaked,
    planted_pull,
)

MODEL = "gpt-4o-mini"
STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio")


@dataclass
class Planted:
    run: PipelineRun
    requests: list[dict[str, Any]]
    instance: DagsterInstance
    home: Path
    pr_id: str


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    home = tmp_path_factory.mktemp("redaction")
    history = generate_history(seed=42, prs_per_week=2)  # at most 10 PRs in January: every one in the previews
    pull = planted_pull(history)
    with (
        FakeGitHub(history.with_pulls([pull])) as github,
        FakeLLMProvider(reply=echo) as provider,
        pipeline_environment(home, github.base_url, "octo-demo"),
        pytest.MonkeyPatch.context() as env,
        DagsterInstance.ephemeral() as instance,
    ):
        env.setenv("ACHIEVEMENT_LLM_PROVIDERS", f"openai/{MODEL}")
        env.setenv("ACHIEVEMENT_LLM_API_BASE", provider.base_url)
        env.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-test-key")
        run = run_month(instance)
        yield Planted(run, list(provider.requests), instance, home, pull.pr_id)


@pytest.mark.slow
def test_the_raw_pull_requests_table_keeps_every_planted_value(planted):
    [row] = [r for r in planted.run.snapshot["pull_requests"] if r["pr_id"] == planted.pr_id]
    raw = json.dumps(row)
    assert [needle for needle in PLANTED if needle not in raw] == []
    assert GITHUB_TOKEN in row["title"] and PEM_LINE in row["body"]
    assert SLACK_HOOK_SECRET in row["review_comments"][0]["body"] and FILE_NAMES[1] in json.dumps(row["files"])


@pytest.mark.slow
def test_the_planted_pr_reached_the_llm_and_the_portfolio(planted):
    asked = [r for r in planted.requests if planted.pr_id.split("#")[1] in r["body"]["messages"][-1]["content"]]
    assert any("[REDACTED:" in r["body"]["messages"][-1]["content"] for r in asked)
    document = json.loads(exported(planted.run.locations, "json").read_text())
    listed = [*document["achievements"], *document["rejected"]]
    assert [a["title"] for a in listed if a["pr_id"] == planted.pr_id][0].count("[REDACTED:") >= 5


@pytest.mark.slow
def test_no_planted_value_reaches_the_llm_provider(planted):
    assert planted.requests
    assert leaked(json.dumps([r["body"] for r in planted.requests])) == []


@pytest.mark.slow
def test_no_planted_value_is_in_the_llm_cache(planted):
    import diskcache

    folder = planted.home / "llm-cache"
    with diskcache.Cache(str(folder)) as cache:
        stored = [json.dumps(cache[key], default=str) for key in cache]
    assert stored
    files = "".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())
    assert (leaked("".join(stored)), leaked(files)) == ([], [])


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind", ["json", "html", "pdf", "summary_md", "summary_html", "markdown", "cv_md", "cv_text", "schema"]
)
def test_no_planted_value_is_in_any_export(planted, kind):
    assert leaked(export_text(exported(planted.run.locations, kind))) == []


@pytest.mark.slow
def test_no_planted_value_is_in_the_materialization_metadata(planted):
    shown = []
    for stage in STAGES:
        for record in planted.instance.fetch_materializations(AssetKey(stage), limit=1000).records:
            shown += [serialize_value(value) for value in record.asset_materialization.metadata.values()]
    text = "\n".join(shown)
    unescaped = text.replace("\\", "")
    assert planted.pr_id in unescaped and "[REDACTED:" in unescaped  # the planted PR is in the previews, redacted
    assert leaked(text) == []


@pytest.mark.slow
def test_no_planted_value_is_in_the_dagster_event_log(planted):
    runs = planted.instance.get_runs()
    entries = [entry for run in runs for entry in planted.instance.all_logs(run.run_id)]
    assert len(runs) == 3 and entries
    assert leaked("\n".join(serialize_value(entry) for entry in entries)) == []


@pytest.mark.slow
def test_no_planted_value_is_in_any_file_outside_the_warehouse(planted):
    """Everything under the home folder but the warehouse database: MLflow's store, caches, exports."""
    warehouse = {p for p in planted.home.rglob("warehouse.db*")}
    assert warehouse, "the warehouse database moved: update this test"
    found = {}
    for path in planted.home.rglob("*"):
        if path.is_file() and path not in warehouse:
            text = export_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "replace")
            if hits := leaked(text):
                found[str(path.relative_to(planted.home))] = hits
    assert found == {}


@pytest.mark.slow
def test_the_input_example_stored_with_the_models_is_redacted(tmp_path):
    """Training logs a few real rows with each model (MLflow's artifact store): their texts are redacted."""
    from achievement_pipeline.ml import train_models
    from tests.model_frames import TRAINABLE_ROWS, make_frame

    frame = make_frame(TRAINABLE_ROWS)
    frame = frame.assign(
        clean_title=frame["clean_title"] + f" {GITHUB_TOKEN}",
        body=frame["body"] + "\nDB_PASSWORD=hunter2-fake-db-pw, call (415) 555-0132",
        file_paths=[[*paths, FILE_NAMES[1]] for paths in frame["file_paths"]],
    )
    train_models(frame, tracking_uri=f"sqlite:///{tmp_path}/mlflow.db", seed=0)
    examples = [path for path in tmp_path.rglob("*") if path.is_file() and "input_example" in path.name]
    assert examples
    text = "\n".join(path.read_text() for path in examples)
    assert "[REDACTED:" in text and leaked(text) == []
