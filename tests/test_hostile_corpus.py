"""The project's own hostile corpus through the whole pipeline, in the production configuration.

A week of one person's PRs written by an attacker (tests/hostile_corpus.py: secrets and phone
numbers in every text, NUL, control and bidi characters, script, HTML and Markdown that would
fetch cloud metadata, local files and loopback services, a prompt injection, PRs no one can
describe, a 1 MB body, 3,000 files, merges on both sides of midnight UTC written in several time
zones) is served by the fake GitHub and run as the demo runs it: Dagster's instance, the warehouse
on PostgreSQL (a fresh database), the LLM cache on Redis (a namespace of its own), and an
OpenAI-compatible provider that obeys every instruction planted in a PR. Then the same partitions
run again. One module-scoped pair of runs; each test checks one promise about it. On CI a missing
PostgreSQL, Redis or chromium fails the tests instead of skipping them.
"""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, UrlMetadataValue, serialize_value
from markdown_it import MarkdownIt

from achievement_pipeline.cli.demo import run_pipeline
from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.fakes.github import FakeGitHub
from tests.fake_llm import FakeLLMProvider, obey_instructions
from tests.hostile_corpus import (
    AUTHOR,
    BIDI,
    CONTROLS,
    FIRST,
    HOSTILE_HOSTS,
    HUGE_BODY_CHARS,
    INJECTED_FIGURES,
    LAST,
    MANY_FILES,
    SSRF_URLS,
    HostileCorpus,
    hostile_corpus,
)
from tests.markdown_reading import read_markdown
from tests.pipeline_run import PipelineRun, exported, keep_exports, pipeline_environment, snapshot
from tests.planted_secrets import PLANTED, export_text, leaked
from tests.test_bad_prs import markdown_shown_in_the_ui
from tests.test_reports_browser import browser  # noqa: F401 - the module-scoped chromium (fails on CI without it)

pytestmark = [pytest.mark.slow, pytest.mark.services]  # about a minute: two runs of the week, then chromium

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
MODEL = "gpt-4o-mini"
STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements", "portfolio")
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
EXPORTS = ["json", "html", "pdf", "summary_md", "summary_html", "markdown", "cv_md", "cv_text", "schema"]
READ_BY_PEOPLE = ["html", "pdf", "summary_md", "summary_html", "markdown", "cv_md", "cv_text"]


@dataclass
class CorpusRun:
    corpus: HostileCorpus
    first: PipelineRun  # its exports copied aside: the re-run writes the same files again
    instance: DagsterInstance
    home: Path  # ACHIEVEMENT_HOME
    dagster_home: Path
    warehouse_url: str
    redis_namespace: str
    requests: list[dict[str, Any]]  # what the provider was sent by the first run
    rerun_requests: list[dict[str, Any]]

    def document(self) -> dict[str, Any]:
        return json.loads(exported(self.first.locations, "json").read_text())


@pytest.fixture(scope="module")
def corpus_run(
    tmp_path_factory: pytest.TempPathFactory, postgres_database: str, redis_namespace: str
) -> Iterator[CorpusRun]:
    corpus = hostile_corpus()
    home, dagster_home = tmp_path_factory.mktemp("hostile-home"), tmp_path_factory.mktemp("hostile-dagster")
    shutil.copy(DEPLOY / "dagster.yaml", dagster_home / "dagster.yaml")
    warehouse_url = f"postgresql+psycopg2://{postgres_database}"
    with (
        FakeGitHub(corpus.history) as github,
        FakeLLMProvider(reply=obey_instructions) as provider,
        pipeline_environment(home, github.base_url, AUTHOR),
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("DAGSTER_HOME", str(dagster_home))
        env.setenv("DAGSTER_PG_URL", f"postgresql://{postgres_database}")
        env.setenv("ACHIEVEMENT_WAREHOUSE_URL", warehouse_url)
        env.setenv("ACHIEVEMENT_REDIS_URL", "redis://127.0.0.1:6379/0")
        env.setenv("ACHIEVEMENT_CACHE_NAMESPACE", redis_namespace)
        env.setenv("ACHIEVEMENT_LLM_PROVIDERS", f"openai/{MODEL}")
        env.setenv("ACHIEVEMENT_LLM_API_BASE", provider.base_url)
        env.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-test-key")
        with DagsterInstance.get() as instance:
            locations = run_pipeline(FIRST, LAST, instance=instance)
            first = keep_exports(PipelineRun(locations, snapshot(connect(warehouse_url))), home / "first-exports")
            asked = list(provider.requests)
            # The same partitions again once the first run is over: every answer must come from Redis.
            run_pipeline(FIRST, LAST, instance=instance)
            yield CorpusRun(
                corpus,
                first,
                instance,
                home,
                dagster_home,
                warehouse_url,
                redis_namespace,
                asked,
                list(provider.requests[len(asked) :]),
            )


def _redis_values(namespace: str) -> dict[str, str]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    return {
        key.decode(): (client.get(key) or b"").decode("utf-8", "replace") for key in client.scan_iter(f"{namespace}:*")
    }


def _published(document: dict[str, Any]) -> str:
    """The JSON export as text, without ``flagged_numbers``: the audit of what was withheld, not published text."""

    def strip(value: Any) -> Any:  # noqa: ANN401 - any JSON value
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "flagged_numbers"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(document), ensure_ascii=False)


# --------------------------------------------------------------------------- the runs and the partitions


def test_every_run_succeeds_and_every_stage_is_materialized_for_every_day_of_the_week(corpus_run):
    runs = corpus_run.instance.get_runs()
    assert len(runs) == 6 and {run.status for run in runs} == {DagsterRunStatus.SUCCESS}
    for stage in STAGES:
        done = corpus_run.instance.get_materialized_partitions(AssetKey(stage))
        assert {day.isoformat() for day in DAYS} <= done, stage


def test_every_good_pr_is_in_the_portfolio_exactly_once(corpus_run):
    document = corpus_run.document()
    published = [a["pr_id"] for a in document["achievements"]]
    rejected = {r["pr_id"] for r in document["rejected"]}
    assert sorted(corpus_run.corpus.good) == sorted(published)
    assert not corpus_run.corpus.good & rejected
    assert set(corpus_run.corpus.attacks) <= set(published)


def test_each_bad_pr_is_in_appendix_a_with_its_own_reason(corpus_run):
    rejected = [(r["pr_id"], " ".join(r["reasons"])) for r in corpus_run.document()["rejected"]]
    html = exported(corpus_run.first.locations, "html").read_text()
    appendix = html[html.index("Appendix A") :]
    for pr_id, reason in corpus_run.corpus.bad.items():
        reasons = [why for rejected_id, why in rejected if rejected_id == pr_id]
        assert len(reasons) == 1 and reason in reasons[0], (pr_id, reasons)
        for other, other_reason in corpus_run.corpus.bad.items():
            assert other == pr_id or other_reason not in reasons[0], (pr_id, reasons)
        assert reason in appendix, pr_id


def test_each_pr_merged_near_midnight_lands_in_its_utc_day_exactly_once(corpus_run):
    warehouse = connect(corpus_run.warehouse_url)
    by_day = {day: warehouse.read_window("pull_requests", day, day + timedelta(days=1)) for day in DAYS}
    enriched = {day: warehouse.read_window("enriched_prs", day, day + timedelta(days=1)) for day in DAYS}
    published = {a["pr_id"]: a["merged_at"] for a in corpus_run.document()["achievements"]}
    for pr_id, expected in corpus_run.corpus.days.items():
        landed = [day for day, rows in by_day.items() for row in rows if row["pr_id"] == pr_id]
        assert landed == ([expected] if expected else []), pr_id
        assert [day for day, rows in enriched.items() for row in rows if row["pr_id"] == pr_id] == landed, pr_id
        if expected is None:
            assert pr_id not in published
        else:
            assert published[pr_id].startswith(expected.isoformat()) and published[pr_id].endswith("Z"), pr_id


def test_the_1_mb_body_and_the_3000_files_are_collected_whole(corpus_run):
    rows = {row["pr_id"]: row for row in corpus_run.first.snapshot["pull_requests"]}
    by_attack = {attack: pr_id for pr_id, attack in corpus_run.corpus.attacks.items()}
    huge, wide = by_attack["a 1 MB body"], by_attack["3,000 files"]
    assert len(rows[huge]["body"]) == HUGE_BODY_CHARS
    assert len(rows[wide]["files"]) == rows[wide]["changed_files"] == MANY_FILES


# --------------------------------------------------------------------------- secrets and phone numbers


def test_the_raw_pull_requests_table_holds_every_planted_value(corpus_run):
    raw = json.dumps(
        [r for r in corpus_run.first.snapshot["pull_requests"] if r["pr_id"] == corpus_run.corpus.secrets_pr]
    )
    assert [needle for needle in PLANTED if needle not in raw] == []


def test_no_planted_value_reaches_the_llm_provider(corpus_run):
    sent = json.dumps([request["body"] for request in corpus_run.requests])
    assert corpus_run.corpus.secrets_pr.split("#")[1] in sent and "[REDACTED:" in sent
    assert leaked(sent) == []


def test_no_planted_value_is_in_the_redis_cache(corpus_run):
    values = _redis_values(corpus_run.redis_namespace)
    assert any("[REDACTED:" in value for value in values.values())  # the planted PR's answer, echoing its prompt
    assert leaked("\n".join([*values, *values.values()])) == []


@pytest.mark.parametrize("kind", EXPORTS)
def test_no_planted_value_is_in_any_export(corpus_run, kind):
    assert leaked(export_text(exported(corpus_run.first.locations, kind))) == []


def test_no_planted_value_is_in_the_dagster_event_log(corpus_run):
    """Every record of every run: materialization metadata, check evaluations and descriptions, log lines."""
    instance = corpus_run.instance
    records = [entry for run in instance.get_runs() for entry in instance.all_logs(run.run_id)]
    text = "\n".join(serialize_value(record) for record in records)
    plain = text.replace("\\", "")  # without JSON's and Markdown's escapes
    assert corpus_run.corpus.secrets_pr in plain and "[REDACTED:" in plain  # the planted PR is there, redacted
    assert leaked(text) == []


def test_no_planted_value_is_in_any_file_the_runs_left(corpus_run):
    """Under ACHIEVEMENT_HOME (exports, the disk LLM cache, MLflow's store and artifacts) and DAGSTER_HOME
    (the compute logs); a diskcache's values are read through diskcache, which may compress them."""
    import diskcache

    files = [p for home in (corpus_run.home, corpus_run.dagster_home) for p in home.rglob("*") if p.is_file()]
    assert any("compute_logs" in p.parts for p in files) and any(p.name.startswith("mlflow.db") for p in files)
    found = {str(p): hits for p in files if (hits := leaked(p.read_bytes().decode("utf-8", "replace")))}
    found |= {str(p): hits for p in files if p.suffix == ".pdf" and (hits := leaked(export_text(p)))}
    for folder in {p.parent for p in files if p.name == "cache.db"}:
        with diskcache.Cache(str(folder)) as cache:
            if hits := leaked("\n".join(json.dumps(cache[key], default=str) for key in cache)):
                found[str(folder)] = hits
    assert found == {}


# --------------------------------------------------------------------------- the prompt injection


def test_the_provider_obeyed_the_injection_and_the_number_check_withheld_its_text(corpus_run):
    cached = "\n".join(_redis_values(corpus_run.redis_namespace).values())
    assert "It saved $1,000,000" in cached  # the model did as the PR told it
    [card] = [a for a in corpus_run.document()["achievements"] if a["pr_id"] == corpus_run.corpus.injection_pr]
    assert card["written_by"] == "offline (fallback: unverified figures)"
    assert card["flagged_numbers"] == ["1,000,000"]


@pytest.mark.parametrize("kind", EXPORTS)
def test_the_injected_figure_is_in_no_export(corpus_run, kind):
    path = exported(corpus_run.first.locations, kind)
    text = _published(json.loads(path.read_text())) if kind == "json" else export_text(path)
    assert [figure for figure in INJECTED_FIGURES if figure in re.sub(r"\s+", "", text)] == []


# --------------------------------------------------------------------------- no script, no fetch, no link


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


@pytest.mark.parametrize("kind", ["html", "summary_html"])
def test_the_html_has_no_script_no_fetched_resource_and_no_link_from_pr_text(corpus_run, kind):
    page = exported(corpus_run.first.locations, kind).read_text()
    parser = _Tags()
    parser.feed(page)
    tags = parser.tags
    assert not [tag for tag, _ in tags if tag in ("script", "img", "iframe", "link", "object", "embed", "frame")]
    assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a" and "href" in attrs]
    assert hrefs and all(href.startswith("https://github.com/") for href in hrefs), hrefs
    urls = " ".join(value for _, attrs in tags for value in attrs.values())
    assert not [host for host in HOSTILE_HOSTS if host in urls] and "javascript:" not in urls
    assert not re.search(r"url\(\s*['\"]?(?!data:)", page)  # no CSS fetch either
    if kind == "html":  # the hostile titles are there, as text
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page and SSRF_URLS[0] in page


@pytest.mark.parametrize("kind", ["html", "summary_html"])
def test_the_html_runs_no_script_and_requests_nothing_in_chromium(corpus_run, browser, kind):  # noqa: F811
    path = exported(corpus_run.first.locations, kind)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if request.url != path.as_uri() else None)
    # Nothing but the page itself may load: a request that would leave is recorded above and stopped here.
    page.route("**/*", lambda route: route.continue_() if route.request.url == path.as_uri() else route.abort())
    # Runs before the page's own code, outside its CSP: records any script that calls what an attack would.
    page.add_init_script(
        "window.__called = [];"
        "for (const name of ['alert', 'confirm', 'prompt', 'fetch', 'open']) {"
        "  const original = window[name];"
        "  window[name] = (...args) => { window.__called.push(name); return original.apply(window, args); };"
        "}"
    )
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    for _ in range(0, page.evaluate("document.body.scrollHeight"), 300):
        page.mouse.move(640, 450)
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(20)
    page.wait_for_timeout(300)
    called = page.evaluate("window.__called")
    shown = page.inner_text("body")
    page.close()
    assert (requests, dialogs, called) == ([], [], [])
    if kind == "html":
        assert "<script>alert('xss')</script>" in shown and SSRF_URLS[0] in shown  # read as written


def _pdf_link_targets(pdf: bytes) -> list[str]:
    """Every link annotation's URI in a PDF, object streams inflated (WeasyPrint compresses them)."""
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # an image or font stream
    return [uri.decode("latin-1") for uri in re.findall(rb"/URI\s*\((.*?)\)", b"\n".join(parts))]


def test_the_pdf_links_only_to_pull_requests(corpus_run):
    path = exported(corpus_run.first.locations, "pdf")
    targets = _pdf_link_targets(path.read_bytes())
    assert targets and all(target.startswith("https://github.com/") for target in targets), targets
    assert SSRF_URLS[0] in re.sub(r"\s+", "", export_text(path))  # the hostile title is there, as text


def test_no_markdown_in_the_event_log_renders_an_image_a_link_or_html(corpus_run):
    instance = corpus_run.instance
    ours = {
        str(value.value)
        for value in instance.get_latest_materialization_event(
            AssetKey("portfolio")
        ).asset_materialization.metadata.values()
        if isinstance(value, UrlMetadataValue)
    }
    renderer = MarkdownIt("gfm-like")
    shown = markdown_shown_in_the_ui(instance)
    assert any("169.254.169.254" in read_markdown(text).text for _, text in shown), "hostile text in some preview"
    for where, text in shown:
        html = renderer.render(text)
        reading = read_markdown(text)
        assert "<img" not in html and "<script" not in html and reading.images == 0, where
        assert not reading.html, (where, reading.html)
        assert set(reading.links) <= ours, (where, reading.links)


@pytest.mark.parametrize("kind", READ_BY_PEOPLE)
def test_no_export_a_person_reads_carries_a_control_or_bidi_override_character(corpus_run, kind):
    text = export_text(exported(corpus_run.first.locations, kind))
    if kind == "pdf":
        text = text.replace("\x0c", "")  # pdftotext's own page breaks
    assert [hex(ord(char)) for char in set(text) if char in CONTROLS or char in BIDI] == []


# --------------------------------------------------------------------------- the re-run


def test_the_rerun_makes_no_provider_call_because_redis_keeps_every_answer_without_expiry(corpus_run):
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    keys = list(client.scan_iter(f"{corpus_run.redis_namespace}:llm:*"))
    assert len(keys) == len(corpus_run.requests) > 0
    assert {client.ttl(key) for key in keys} == {-1}  # no expiry at all
    assert corpus_run.rerun_requests == []
    latest = corpus_run.instance.get_latest_materialization_event(AssetKey("enriched_prs")).asset_materialization
    assert (latest.metadata["llm_calls"].value, latest.metadata["cache_misses"].value) == (0, 0)
    assert latest.metadata["cache_hits"].value == len(corpus_run.corpus.good)
