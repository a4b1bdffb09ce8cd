"""The narrative writer drives litellm's Router for real against a local OpenAI-compatible provider.

Faults come from the fake provider over HTTP (429, 500, a timeout, a malformed body,
answers that are not the agreed JSON); litellm's own retry, fail-over, cool-down and
cache do the work, and each test checks one promise about the result.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from achievement_pipeline.core.settings import home
from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.llm.router import NarrativeWriter
from achievement_pipeline.enrich.narrative import pr_facts
from achievement_pipeline.enrich.summariser import offline_narrative
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from tests.factories import make_pr
from tests.fake_llm import NARRATIVE, FakeLLMProvider

CHEAP = ["openai/gpt-4o-mini", "openai/gpt-4.1-mini", "openai/gpt-4.1-nano"]
STRONG = ["openai/gpt-4o"]


@pytest.fixture
def cache(pipeline_home) -> CacheResource:
    return CacheResource()


def small_pr(number: int = 1, **overrides: Any) -> dict[str, Any]:
    """A routine docs PR: the cheap tier."""
    docs = [{"filename": "docs/setup.md", "status": "modified", "additions": 4, "deletions": 1}]
    fields = {"title": "docs: clarify the setup guide", "body": "Clarifies the setup guide.", "additions": 4}
    return dict(make_pr(number, **{**fields, "deletions": 1, "files": docs, "labels": [], **overrides}))


def facts(pr: dict[str, Any]) -> dict[str, Any]:
    return pr_facts(pr, pr_features(pr))  # type: ignore[arg-type]


def writer(provider: FakeLLMProvider, cache: CacheResource, **settings: Any) -> NarrativeWriter:
    config: dict[str, Any] = {"providers": CHEAP, "strong_providers": STRONG, "num_retries": 0, **settings}
    return LLMResource(api_base=provider.base_url, api_key="sk-test-key", **config).writer(cache)


def test_providers_are_tried_in_the_configured_order(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500, "gpt-4.1-mini": 429}) as provider:
        written = writer(provider, cache).write(facts(small_pr()))
    assert provider.models_called() == ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1-nano"]
    assert written.summariser == "gpt-4.1-nano"


def test_a_rate_limited_provider_is_retried_after_a_backoff_before_failing_over(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": [429, "ok"]}) as provider:
        written = writer(provider, cache, num_retries=1).write(facts(small_pr()))
    assert provider.models_called() == ["gpt-4o-mini", "gpt-4o-mini"]
    assert written.summariser == "gpt-4o-mini"


@pytest.mark.parametrize("fault", ["timeout", "malformed-body"])
def test_a_provider_that_times_out_or_answers_garbage_is_failed_over(cache, fault):
    with FakeLLMProvider(faults={"gpt-4o-mini": fault}, slow_seconds=3) as provider:
        written = writer(provider, cache, timeout_seconds=0.5).write(facts(small_pr()))
    assert provider.models_called() == ["gpt-4o-mini", "gpt-4.1-mini"]
    assert written.summariser == "gpt-4.1-mini"


def test_a_failing_provider_is_cooled_down_and_skipped_for_the_next_prs(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500}) as provider:
        run = writer(provider, cache)
        for number in range(1, 6):
            run.write(facts(small_pr(number)))
    assert provider.models_called().count("gpt-4o-mini") == 2  # litellm's allowed_fails=1, then the cool-down
    assert provider.models_called().count("gpt-4.1-mini") == 5


def test_high_impact_prs_are_written_by_the_strong_model(cache):
    with FakeLLMProvider() as provider:
        run = writer(provider, cache)
        strong, cheap = run.write(facts(dict(make_pr(1)))), run.write(facts(small_pr(2)))
    assert (strong.tier, strong.summariser, cheap.tier, cheap.summariser) == (
        "strong",
        "gpt-4o",
        "cheap",
        "gpt-4o-mini",
    )


def test_an_unchanged_pr_makes_no_provider_call_on_the_next_run(cache):
    prs = [small_pr(1), small_pr(2), dict(make_pr(3))]
    with FakeLLMProvider() as provider:
        first = [writer(provider, cache).write(facts(pr)) for pr in prs]
        calls_after_first_run = len(provider.requests)
        rerun = writer(provider, cache)
        second = [rerun.write(facts(pr)) for pr in prs]
    assert len(provider.requests) == calls_after_first_run == 3
    assert [w.narrative for w in second] == [w.narrative for w in first]
    assert (rerun.stats.cache_hits, rerun.stats.calls, rerun.stats.cost_usd) == (3, 0, 0.0)


def test_an_answer_given_by_a_fallback_provider_is_reused_when_the_first_one_is_back(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": [500, 500, "ok"]}) as provider:
        writer(provider, cache).write(facts(small_pr()))
        calls = len(provider.requests)
        again = writer(provider, cache).write(facts(small_pr()))
    assert len(provider.requests) == calls and again.cached and again.summariser == "gpt-4.1-mini"


def test_a_changed_pr_is_asked_again(cache):
    with FakeLLMProvider() as provider:
        writer(provider, cache).write(facts(small_pr()))
        writer(provider, cache).write(facts(small_pr(body="Clarifies the setup guide for Windows.")))
    assert len(provider.requests) == 2


def test_invalid_output_is_asked_again_once_then_the_offline_summary_is_used(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": "malformed-json"}) as provider:
        run = writer(provider, cache)
        written = run.write(facts(small_pr()))
    assert provider.models_called() == ["gpt-4o-mini", "gpt-4o-mini"]
    assert written.summariser == "offline (fallback: invalid output)"
    assert run.stats.invalid_outputs == 2


def test_a_valid_second_answer_replaces_the_invalid_one_in_the_cache(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": ["malformed-json", "ok"]}) as provider:
        first = writer(provider, cache).write(facts(small_pr()))
        calls = len(provider.requests)
        second = writer(provider, cache).write(facts(small_pr()))
    assert first.summariser == "gpt-4o-mini" and not first.cached
    assert second.cached and len(provider.requests) == calls == 2


def test_when_every_provider_fails_the_offline_summary_is_used_and_the_providers_are_asked_next_run(cache):
    everything_fails = {model.split("/")[-1]: 500 for model in CHEAP}
    with FakeLLMProvider(faults=everything_fails) as provider:
        written = writer(provider, cache).write(facts(small_pr()))
        calls = len(provider.requests)
        writer(provider, cache).write(facts(small_pr()))
    assert written.summariser == "offline (fallback: InternalServerError)"
    assert written.narrative.achievement.startswith("Clarified the setup guide")
    assert len(provider.requests) == 2 * calls == 6


def test_the_budget_stops_spending_before_it_is_exceeded_and_the_rest_is_offline(cache):
    prs = [small_pr(n) for n in range(1, 9)]
    with FakeLLMProvider(usage=(600, 300)) as provider:
        run = writer(provider, cache, budget_usd=0.0015)
        written = [run.write(facts(pr)) for pr in prs]
    paid = [w for w in written if not w.summariser.startswith("offline")]
    assert 0 < len(paid) == len(provider.requests) < len(prs)
    assert all(w.summariser == "offline (fallback: budget)" for w in written[len(paid) :])
    assert 0 < run.stats.cost_usd <= 0.0015 and run.budget.exhausted


def test_cached_answers_are_still_used_once_the_budget_is_spent(cache):
    with FakeLLMProvider() as provider:
        writer(provider, cache).write(facts(small_pr(1)))
        broke = writer(provider, cache, budget_usd=0)
        cached, new = broke.write(facts(small_pr(1))), broke.write(facts(small_pr(2)))
    assert len(provider.requests) == 1
    assert (cached.cached, cached.summariser) == (True, "gpt-4o-mini")
    assert new.summariser == "offline (fallback: budget)"


def test_tokens_and_cost_of_the_run_are_counted_from_litellm(cache):
    with FakeLLMProvider(usage=(1000, 100)) as provider:
        run = writer(provider, cache)
        run.write(facts(small_pr()))
    # gpt-4o-mini from litellm's price map: 0.15 USD per million prompt tokens, 0.60 per million answer tokens
    assert (run.stats.calls, run.stats.tokens) == (1, 1100)
    assert run.stats.cost_usd == pytest.approx(1000 * 0.15e-6 + 100 * 0.60e-6)


def test_secrets_and_addresses_never_reach_the_provider(cache):
    pr = small_pr(body="Deploy with ghp_0123456789abcdefghijABCDEFGHIJ0123, ask ops@example.com. Cut 30% of 10 s.")
    with FakeLLMProvider() as provider:
        writer(provider, cache).write(facts(pr))
    sent = json.dumps(provider.requests[0]["body"])
    assert "ghp_0123" not in sent and "ops@example.com" not in sent and "[REDACTED:email]" in sent


def test_the_endpoint_key_is_sent_to_the_endpoint(cache):
    with FakeLLMProvider() as provider:
        writer(provider, cache).write(facts(small_pr()))
    assert provider.requests[0]["auth"] == "Bearer sk-test-key"


def test_no_provider_means_the_offline_summariser_is_called_directly_and_nothing_is_cached(cache):
    answers = [LLMResource().writer(cache).write(facts(small_pr())) for _ in range(2)]
    assert [(a.summariser, a.cached) for a in answers] == [("offline", False), ("offline", False)]
    assert answers[0].narrative == answers[1].narrative == offline_narrative(facts(small_pr()))
    assert not (home() / "llm-cache").exists()  # no cache opened, nothing stored


def test_a_secret_the_model_writes_is_not_stored(cache):
    leaky = {**NARRATIVE, "summary": "Rotated the key sk-proj-abcdefghijklmnop1234 used by the web app."}
    with FakeLLMProvider(reply=leaky) as provider:
        written = writer(provider, cache).write(facts(small_pr()))
    assert "sk-proj" not in written.narrative.summary


# The circuit breaker. litellm's cool-down is switched off (cooldown_seconds=0) where a test is about
# the breaker alone; the runs against a hanging or failing provider in test_llm_enrich.py use both.


def only(model: str, provider: FakeLLMProvider, cache: CacheResource, **settings: Any) -> NarrativeWriter:
    """A writer whose cheap and strong chains are both just ``model``."""
    config: dict[str, Any] = {"providers": [model], "num_retries": 0, "cooldown_seconds": 0, **settings}
    return LLMResource(api_base=provider.base_url, **config).writer(cache)


def test_a_provider_failing_on_prs_in_a_row_is_skipped_for_the_rest_of_the_run(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500}) as provider:
        run = only("openai/gpt-4o-mini", provider, cache, breaker_failures=3)
        written = [run.write(facts(small_pr(n))).summariser for n in range(1, 11)]
    assert len(provider.requests) == 3
    assert written == 3 * ["offline (fallback: InternalServerError)"] + 7 * ["offline (fallback: circuit open)"]
    assert run.breaker.opened == {"openai/gpt-4o-mini": "InternalServerError"}


def test_once_a_provider_is_skipped_the_next_one_in_the_chain_is_asked_first(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500}) as provider:
        run = writer(provider, cache, cooldown_seconds=0)
        written = [run.write(facts(small_pr(n))) for n in range(1, 7)]
    assert provider.models_called() == 3 * ["gpt-4o-mini", "gpt-4.1-mini"] + 3 * ["gpt-4.1-mini"]
    assert {w.summariser for w in written} == {"gpt-4.1-mini"}


def test_a_provider_that_answers_between_failures_is_not_skipped(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": [500, "ok"] * 4}) as provider:
        run = only("openai/gpt-4o-mini", provider, cache)
        for number in range(1, 9):
            run.write(facts(small_pr(number)))
    assert len(provider.requests) == 8 and run.breaker.opened == {}


def test_a_request_the_provider_refuses_as_malformed_does_not_open_the_breaker(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 400}) as provider:
        run = only("openai/gpt-4o-mini", provider, cache)
        for number in range(1, 6):
            run.write(facts(small_pr(number)))
    assert len(provider.requests) == 5 and run.breaker.opened == {}


@pytest.mark.parametrize(("cooldown_seconds", "stopped_by"), [(0, "circuit open"), (60, "cooled down")])
def test_a_provider_stopped_for_failing_is_asked_again_on_the_next_run(cache, cooldown_seconds, stopped_by):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500}) as provider:
        failing = only("openai/gpt-4o-mini", provider, cache, cooldown_seconds=cooldown_seconds)
        stopped = [failing.write(facts(small_pr(number))).summariser for number in range(1, 5)][-1]
        provider.faults.clear()  # the provider recovers
        written = only("openai/gpt-4o-mini", provider, cache, cooldown_seconds=cooldown_seconds).write(
            facts(small_pr(5))
        )
    assert stopped == f"offline (fallback: {stopped_by})" and written.summariser == "gpt-4o-mini"


def test_cached_answers_are_still_used_once_every_provider_is_skipped(cache):
    with FakeLLMProvider() as provider:
        only("openai/gpt-4o-mini", provider, cache).write(facts(small_pr(1)))
        provider.faults["gpt-4o-mini"] = [500]
        run = only("openai/gpt-4o-mini", provider, cache)
        for number in range(2, 5):
            run.write(facts(small_pr(number)))
        cached = run.write(facts(small_pr(1)))
    assert run.breaker.opened and (cached.cached, cached.summariser) == (True, "gpt-4o-mini")
