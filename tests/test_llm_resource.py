"""The LLM resource drives litellm for real against a local OpenAI-compatible provider."""

from __future__ import annotations

import json

import pytest

from achievement_pipeline.features import pr_features
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from tests.factories import make_pr
from tests.fake_llm import FakeLLMProvider


@pytest.fixture
def cache(pipeline_home) -> CacheResource:
    return CacheResource()


def _llm(provider: FakeLLMProvider) -> LLMResource:
    return LLMResource(model="openai/fake-model", api_base=provider.base_url, api_key="sk-test", num_retries=0)


def test_a_configured_model_writes_the_summary(cache):
    pr = make_pr()
    with FakeLLMProvider() as provider:
        summary, cached = _llm(provider).summarise(pr, pr_features(pr), cache)
    assert (summary.achievement, summary.summariser, cached) == (
        "Cut latency by adding a cache.",
        "openai/fake-model",
        False,
    )


def test_the_prompt_sent_to_the_provider_is_redacted(cache):
    pr = make_pr(body="Deploy with ghp_0123456789abcdefghijABCDEFGHIJ0123, ask ops@example.com")
    with FakeLLMProvider() as provider:
        _llm(provider).summarise(pr, pr_features(pr), cache)
    sent = json.dumps(provider.requests[0]["body"])
    assert "ghp_0123" not in sent and "ops@example.com" not in sent


def test_an_unchanged_pr_is_answered_from_the_cache_without_a_provider_call(cache):
    pr = make_pr()
    with FakeLLMProvider() as provider:
        llm = _llm(provider)
        llm.summarise(pr, pr_features(pr), cache)
        _, cached = llm.summarise(pr, pr_features(pr), cache)
    assert cached and len(provider.requests) == 1


def test_a_failing_provider_falls_back_to_the_offline_summary_and_is_retried_next_time(cache):
    pr = make_pr()
    with FakeLLMProvider(status=500) as provider:
        llm = _llm(provider)
        summary, _ = llm.summarise(pr, pr_features(pr), cache)
        llm.summarise(pr, pr_features(pr), cache)
    assert summary.summariser.startswith("offline (fallback")
    assert llm.fallbacks == 2 and len(provider.requests) == 2


def test_no_model_configured_means_the_offline_summariser(cache):
    pr = make_pr()
    summary, _ = LLMResource().summarise(pr, pr_features(pr), cache)
    assert summary.summariser == "offline"
