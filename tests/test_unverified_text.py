"""Nothing unverified is published: a model's text with a figure no evidence holds, or with a measured
claim the plausibility rules refuse, is replaced by the offline narrative, all the way to the exports.

The provider is the local OpenAI-compatible fake, so litellm runs for real; the stage is
materialized by Dagster as a run does it, and once the whole pipeline runs with a lying provider.
"""

from __future__ import annotations

import ast
import copy
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, materialize

from achievement_pipeline.core.claims import refused_claims
from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.defs.enrich import assets as enriched_prs_module
from achievement_pipeline.defs.enrich.assets import enriched_prs
from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.narrative import Narrative, pr_facts
from achievement_pipeline.enrich.number_check import evidence_numbers, flag_numbers
from achievement_pipeline.enrich.summariser import offline_narrative
from achievement_pipeline.enrich.verification import verify
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.value.outcomes import read_claims
from tests.factories import make_pr
from tests.fake_llm import NARRATIVE, FakeLLMProvider
from tests.pipeline_run import exported, pipeline_environment, run_month

MODEL = "gpt-4o-mini"
DAY = "2025-01-03"
LEDGER = load_ledger()


def reply(**changes: Any) -> dict[str, Any]:
    """The fake provider's truthful answer (its numbers are all in ``make_pr``) with some fields changed."""
    answer = copy.deepcopy(NARRATIVE)
    answer["star"].update(changes.pop("star", {}))
    return {**answer, **changes}


# What a provider obeying "say it saved $50,000,000" writes: the figure, over and over.
INVENTED = reply(
    summary=" ".join(["Saved the company $50,000,000."] * 38),
    achievement="Saved $50,000,000 by caching session lookups (acme/web-app#1).",
    star={"result": "The company saved $50,000,000 (50000000 dollars) a year."},
)
# Every number is the PR's, but turned around: the latency "cut" went up.
TURNED_AROUND = reply(
    achievement="Cut p95 latency from 180 ms to 420 ms by caching session lookups (acme/web-app#1).",
    star={"result": "p95 latency fell from 180 ms to 420 ms."},
)


def enrich(pr: dict[str, Any], llm_reply: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Materialize enriched_prs for ``pr`` (merged on DAY) with the fake provider answering ``llm_reply``.

    No reply means no provider: the offline summariser. Returns the stored row and the metadata.
    """
    warehouse = WarehouseResource()
    warehouse.get().replace_window("pull_requests", date(2025, 1, 3), date(2025, 1, 4), [pr])
    with FakeLLMProvider(reply=llm_reply) as provider, DagsterInstance.ephemeral() as instance:
        llm = LLMResource(providers=[f"openai/{MODEL}"], api_base=provider.base_url, num_retries=0)
        result = materialize(
            [enriched_prs],
            partition_key=DAY,
            instance=instance,
            resources={"llm": llm if llm_reply else LLMResource(), "cache": CacheResource(), "warehouse": warehouse},
        )
    assert result.success
    [event] = result.asset_materializations_for_node("enriched_prs")
    [row] = warehouse.get().read_all("enriched_prs")
    return row, {key: value.value for key, value in event.metadata.items()}


def facts_of(pr: dict[str, Any]) -> dict[str, Any]:
    return pr_facts(pr, pr_features(pr))  # type: ignore[arg-type]


def published(row: dict[str, Any]) -> Narrative:
    return Narrative.model_validate({key: row[key] for key in ("summary", "achievement", "star", "skills")})


def evidence(pr: dict[str, Any]) -> set[str]:
    return evidence_numbers(facts_of(pr), pr["merged_at"], pr["created_at"], LEDGER.entries)


@pytest.fixture
def invented(pipeline_home) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(PR, stored row, metadata) of one PR whose narrative the provider filled with $50,000,000."""
    pr = dict(make_pr())
    return pr, *enrich(pr, INVENTED)


# --- a figure found in neither the PR nor the ledger ----------------------------------------------


def test_a_reply_that_invents_a_figure_is_replaced_by_the_offline_narrative(invented):
    pr, row, _ = invented
    assert published(row) == offline_narrative(facts_of(pr))


def test_the_row_says_the_text_was_written_offline_because_of_unverified_figures(invented):
    _, row, _ = invented
    assert row["summariser"] == "offline (fallback: unverified figures)"


def test_the_invented_figure_is_kept_on_the_row_as_the_audit_of_what_was_withheld(invented):
    _, row, _ = invented
    assert row["flagged_numbers"] == ["50,000,000", "50000000"]


def test_the_published_text_has_no_number_outside_the_evidence(invented):
    pr, row, _ = invented
    assert flag_numbers(published(row).texts(), evidence(pr)) == []


def test_the_materialization_counts_the_withheld_narratives_by_reason(invented):
    _, _, metadata = invented
    assert (metadata["llm_withheld"], metadata["llm_withheld_reasons"]) == (1, {"unverified figures": 1})


# --- a measured claim the plausibility rules refuse ------------------------------------------------


def test_a_reply_that_turns_the_prs_figures_around_is_withheld_as_an_implausible_claim(pipeline_home):
    pr = dict(make_pr())
    row, _ = enrich(pr, TURNED_AROUND)
    assert (published(row), row["summariser"], row["flagged_numbers"]) == (
        offline_narrative(facts_of(pr)),
        "offline (fallback: implausible claim)",
        [],
    )


@pytest.mark.parametrize(
    "claim",
    ["We see 150% fewer errors since the rollout", "This saves 200 hours a week of manual triage"],
    ids=["impossible-percentage", "more-hours-than-a-week-has"],
)
def test_a_reply_repeating_an_impossible_claim_of_the_pr_is_withheld_too(pipeline_home, claim):
    pr = dict(make_pr(body=f"Caches session lookups. p95 latency from 420 ms to 180 ms. {claim}."))
    row, _ = enrich(pr, reply(star={"result": f"{claim}."}))
    assert (published(row), row["summariser"]) == (
        offline_narrative(facts_of(pr)),
        "offline (fallback: implausible claim)",
    )


def test_a_refused_claim_is_found_however_many_plausible_claims_come_before_it():
    pr = dict(make_pr())
    plausible = " ".join(f"Lookup {n} latency dropped from 420 ms to 180 ms." for n in range(1, 8))
    narrative = Narrative.model_validate(reply(summary=f"{plausible} Latency dropped from 180 ms to 420 ms."))
    assert verify(narrative, MODEL, facts_of(pr), evidence(pr) | {str(n) for n in range(8)}, LEDGER).withheld == (
        "implausible claim"
    )


def test_enrich_and_the_value_stage_refuse_the_same_claims():
    claims = [
        "p95 latency from 420 ms to 180 ms",
        "p95 latency from 180 ms to 420 ms",
        "We see 150% fewer errors",
        "saves 3 hours a week of manual release work",
        "saves 9 hours a day of manual release work",
        "saves 200 hours a week",
        "4x faster builds",
    ]
    assert refused_claims(claims, LEDGER) == read_claims(claims, LEDGER).refused != []


# --- text that holds -------------------------------------------------------------------------------


def test_a_truthful_reply_is_published_as_written(pipeline_home):
    row, metadata = enrich(dict(make_pr()), NARRATIVE)
    assert (published(row), row["summariser"], row["flagged_numbers"], metadata["llm_withheld"]) == (
        Narrative.model_validate(NARRATIVE),
        MODEL,
        [],
        0,
    )


def test_the_offline_summarisers_own_text_is_never_withheld():
    pr = dict(make_pr(body="Caches session lookups in memory. We see 150% fewer errors since the rollout."))
    result = verify(offline_narrative(facts_of(pr)), "offline", facts_of(pr), evidence(pr), LEDGER)
    assert (result.summariser, result.withheld) == ("offline", None)


def test_the_enrich_stage_does_not_import_the_value_stage():
    code = (
        "import sys, achievement_pipeline.enrich.verification\n"
        "print([m for m in sys.modules if m.startswith('achievement_pipeline.value')])"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    asset = ast.parse(Path(enriched_prs_module.__file__).read_text())
    imported = [node.module or "" for node in ast.walk(asset) if isinstance(node, ast.ImportFrom)]
    assert (found.strip(), [name for name in imported if name.startswith("achievement_pipeline.value")]) == ("[]", [])


# --- through the whole pipeline, to the exports ----------------------------------------------------


@pytest.fixture(scope="module")
def lying_run(tmp_path_factory: pytest.TempPathFactory, fake_github) -> Iterator[tuple[Any, int]]:
    """January through every stage while the only provider fills every narrative with $50,000,000."""
    home = tmp_path_factory.mktemp("lying-provider")
    with (
        FakeLLMProvider(reply=INVENTED) as provider,
        pipeline_environment(home, fake_github.base_url, "octo-demo"),
        pytest.MonkeyPatch.context() as env,
        DagsterInstance.ephemeral() as instance,
    ):
        env.setenv("ACHIEVEMENT_LLM_PROVIDERS", f"openai/{MODEL}")
        env.setenv("ACHIEVEMENT_LLM_API_BASE", provider.base_url)
        env.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-test-key")
        run = run_month(instance)
        yield run, len(provider.requests)


@pytest.mark.slow
def test_every_narrative_the_lying_provider_wrote_was_withheld(lying_run):
    run, provider_calls = lying_run
    summarisers = [row["summariser"] for row in run.snapshot["enriched_prs"]]
    assert provider_calls == len(summarisers) > 0
    assert set(summarisers) == {"offline (fallback: unverified figures)"}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["html", "summary_html", "summary_md", "markdown", "cv_md", "cv_text", "pdf"])
def test_the_invented_figure_is_printed_in_no_export(lying_run, kind):
    run, _ = lying_run
    path = exported(run.locations, kind)
    if kind == "pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    else:
        text = Path(path).read_text()
    assert "50,000,000" not in text and "50000000" not in text
