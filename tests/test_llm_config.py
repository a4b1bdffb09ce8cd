"""Provider settings: tiers, the Router's groups and fallbacks, and a missing key refused by name."""

import pytest

from achievement_pipeline.enrich.llm.config import (
    CHEAP,
    STRONG,
    LLMConfigError,
    LLMSettings,
    check_keys,
    choose_tier,
    router_kwargs,
)

SETTINGS = LLMSettings(
    providers=("gpt-4o-mini", "anthropic/claude-haiku-4-5", "openai/llama3"),
    strong_providers=("gpt-4o",),
    api_base="http://127.0.0.1:8000/v1",
    api_key="local-key",
)


def _facts(**overrides: object) -> dict[str, object]:
    return {"measurable_claims": [], "conventional_type": "docs", "size_class": "s", **overrides}


@pytest.mark.parametrize(
    "signal",
    [{"measurable_claims": ["p95 from 420 ms to 180 ms"]}, {"conventional_type": "security"}, {"size_class": "xl"}],
)
def test_prs_that_look_high_impact_get_the_strong_tier(signal):
    assert choose_tier(_facts(**signal)) == STRONG


def test_small_routine_prs_get_the_cheap_tier():
    assert choose_tier(_facts()) == CHEAP


def test_each_provider_is_a_model_group_and_the_rest_are_its_fallbacks_in_order():
    config = router_kwargs(SETTINGS)
    assert config["fallbacks"] == [
        {"cheap:0:gpt-4o-mini": ["cheap:1:anthropic/claude-haiku-4-5", "cheap:2:openai/llama3"]}
    ]
    groups = [entry["model_name"] for entry in config["model_list"]]
    assert groups[:3] == ["cheap:0:gpt-4o-mini", "cheap:1:anthropic/claude-haiku-4-5", "cheap:2:openai/llama3"]


def test_only_openai_compatible_names_are_sent_to_the_configured_endpoint():
    params = {e["litellm_params"]["model"]: e["litellm_params"] for e in router_kwargs(SETTINGS)["model_list"]}
    assert params["openai/llama3"] == {"model": "openai/llama3", "api_base": SETTINGS.api_base, "api_key": "local-key"}
    assert params["gpt-4o-mini"] == {"model": "gpt-4o-mini"}  # OpenAI itself, with OPENAI_API_KEY


def test_every_tier_shares_one_cache_whichever_provider_answers():
    caching_groups = router_kwargs(SETTINGS)["caching_groups"]
    assert [len(group) for group in caching_groups] == [4, 2]  # the providers plus the cache-only probe


def test_without_strong_providers_high_impact_prs_use_the_same_chain():
    assert LLMSettings(providers=("gpt-4o-mini",)).chain(STRONG) == ("gpt-4o-mini",)


def test_a_provider_without_its_key_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(LLMConfigError, match="ANTHROPIC_API_KEY"):
        check_keys(LLMSettings(providers=("anthropic/claude-haiku-4-5",)))
