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

import base64
import dataclasses
import html
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, DagsterInstance, serialize_value

from achievement_pipeline.fakes.github import FakeComment, FakeFile, FakeGitHub, FakeReview
from achievement_pipeline.fakes.github.changes import new_merged_pull
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.fakes.github.model import FakeHistory, FakePullRequest
from tests.fake_llm import NARRATIVE, FakeLLMProvider
from tests.pipeline_run import PipelineRun, exported, pipeline_environment, run_month

MODEL = "gpt-4o-mini"
STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio")


def _b64(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# Obviously fake values in the real formats; the live-looking ones are assembled here, not written whole.
GITHUB_TOKEN = "ghp_" + "fAkE" * 9
GITHUB_PAT = "github_pat_11FAKE0000000000_" + "y" * 59
STRIPE_LIVE = "sk_" + "live_" + "FakeStripeKeyForTests000" + "0123456789"
GOOGLE_KEY = "AIza" + "SyFAKE" + "0" * 29
JWT_SIGNATURE = "fakeJwtSignature_0123456789"
JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'fake-user'})}.{JWT_SIGNATURE}"
PEM_LINE = "MIIEpAIBAAKCAQEAfakeKeyMaterialForTestsOnly0123456789"
SLACK_TOKEN = "xoxb-1234567890-1234567890123-FakeSlackTokenValue00"
SLACK_HOOK_SECRET = "FAKEWEBHOOKSECRET0000000"

# (the text as pasted, the parts of it that must never leave the warehouse)
SHAPES: list[tuple[str, tuple[str, ...]]] = [
    ("DB_PASSWORD=hunter2-fake-db-pw", ("hunter2-fake-db-pw",)),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ("wJalrXUtnFEMI/K7MDENG",)),
    ("API_TOKEN=tok-fake-0123456789", ("tok-fake-0123456789",)),
    ("access key id AKIAIOSFODNN7EXAMPLE", ("AKIAIOSFODNN7EXAMPLE",)),
    ("aws secret key je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", ("je7MtGbClwBF/2Zp9Utk",)),
    (f"token {GITHUB_TOKEN}", (GITHUB_TOKEN[4:],)),
    (f"fine-grained {GITHUB_PAT}", (GITHUB_PAT[11:],)),
    (f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\n-----END RSA PRIVATE KEY-----", (PEM_LINE,)),
    (f"session {JWT}", (JWT_SIGNATURE,)),
    (f"slack {SLACK_TOKEN}", ("FakeSlackTokenValue00",)),
    (f"hook https://hooks.slack.com/services/T00000000/B00000000/{SLACK_HOOK_SECRET}", (SLACK_HOOK_SECRET,)),
    (f"stripe {STRIPE_LIVE}", (STRIPE_LIVE[8:],)),
    (f"maps {GOOGLE_KEY}", (GOOGLE_KEY[4:],)),
    ("db postgresql://app:pg-fake-pass@db.internal/app", ("pg-fake-pass",)),
    ("cache redis://:redis-fake-pass@cache.internal:6379/0", ("redis-fake-pass",)),
    ('curl -H "Authorization: Bearer fakeBearerToken0123456789"', ("fakeBearerToken0123456789",)),
    ('curl -H "Authorization: Basic ZmFrZTpmYWtlLXBhc3N3b3Jk"', ("ZmFrZTpmYWtlLXBhc3N3b3Jk",)),
    ("US (415) 555-0132", ("555-0132",)),
    ("UK +44 20 7946 0958", ("7946 0958",)),
    ("Berlin +49 30 901820", ("901820",)),
]
PLANTED = [needle for _, needles in SHAPES for needle in needles]
# A renderer may reformat a phone number: its digits alone must not show either.
NEEDLES = [*PLANTED, "5550132", "79460958"]
EVERY_SHAPE = "\n".join(text for text, _ in SHAPES)
TITLE = (
    "fix: rotate DB_PASSWORD=hunter2-fake-db-pw AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
    f"API_TOKEN=tok-fake-0123456789 leaked with {GITHUB_TOKEN}, call (415) 555-0132"
)
FILE_NAMES = (
    f"config/{GITHUB_TOKEN}.env",
    "keys/AKIAIOSFODNN7EXAMPLE.pem",
    "contacts/+44 20 7946 0958.txt",
    f"keys/{STRIPE_LIVE}.json",
)


def planted_pull(history: FakeHistory) -> FakePullRequest:
    """octo-demo's PR merged on 2 January 2025 with every shape in every text it has."""
    merged = datetime(2025, 1, 2, 15, tzinfo=UTC)
    pull = new_merged_pull(
        history, repo="acme/web-app", author="octo-demo", merged_at=merged, title=TITLE, body=EVERY_SHAPE
    )
    reviewer = next(r.user for p in history.pulls for r in p.reviews if r.user != "octo-demo")
    review = FakeReview(990_001, reviewer, "APPROVED", EVERY_SHAPE, merged, pull.head_sha)
    comment = FakeComment(990_002, reviewer, EVERY_SHAPE, merged, path=FILE_NAMES[0], line=1, review_id=990_001)
    conversation = FakeComment(990_003, reviewer, EVERY_SHAPE, merged)
    files = tuple(FakeFile(name, "added", 10, 0, f"{i:040x}") for i, name in enumerate(FILE_NAMES, start=1))
    return dataclasses.replace(
        pull, files=files, reviews=(review,), review_comments=(comment,), issue_comments=(conversation,)
    )


def echo(request: dict[str, Any]) -> dict[str, Any]:
    """A provider that repeats the PR's title and body in its answer, as a careless model might."""
    facts = json.loads(request["messages"][-1]["content"])["pull_request"]
    title = " ".join(facts["title"].split())
    return {
        **NARRATIVE,
        "summary": f"Worked on: {title}. {facts['body']}"[:1100],
        "achievement": f"Shipped {title}"[:290],
        "star": {key: f"As described in the pull request: {title}"[:590] for key in NARRATIVE["star"]},
        "skills": ["Python"],
    }


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


def leaked(text: str) -> list[str]:
    """The planted values found in ``text``: escaped (JSON, Markdown, HTML) or not, whitespace-insensitively
    (PDF text breaks lines anywhere)."""
    forms = [text, text.replace("\\", ""), html.unescape(text)]
    forms += [re.sub(r"\s+", " ", form) for form in forms]
    squeezed = [re.sub(r"\s+", "", form) for form in forms]
    return [
        needle
        for needle in NEEDLES
        if any(needle in form for form in forms) or any(needle.replace(" ", "") in form for form in squeezed)
    ]


def export_text(path: Path) -> str:
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return path.read_text()


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
