"""The LLM resource as definitions.py builds it from the environment."""

from __future__ import annotations

import pytest

from achievement_pipeline import definitions as code_location
from achievement_pipeline.core.settings import SettingError


def test_providers_and_budget_come_from_the_environment(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_PROVIDERS", "gpt-4o-mini, cohere/command-r-08-2024")
    monkeypatch.setenv("ACHIEVEMENT_LLM_STRONG_PROVIDERS", "gpt-4o")
    monkeypatch.setenv("ACHIEVEMENT_LLM_BUDGET_USD", "2.5")
    llm = code_location.defs().resources["llm"]
    assert (llm.providers, llm.strong_providers, llm.budget_usd) == (
        ["gpt-4o-mini", "cohere/command-r-08-2024"],
        ["gpt-4o"],
        2.5,
    )


def test_the_older_single_model_variable_still_names_the_provider(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_MODEL", "ollama/llama3")
    assert code_location.defs().resources["llm"].providers == ["ollama/llama3"]


def test_no_provider_configured_means_the_offline_summariser(pipeline_home):
    assert code_location.defs().resources["llm"].name == "offline"


def test_a_malformed_budget_is_refused_naming_the_variable(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_BUDGET_USD", "five dollars")
    with pytest.raises(SettingError, match="ACHIEVEMENT_LLM_BUDGET_USD"):
        code_location.defs()


def test_the_endpoint_key_reaches_the_resource_as_a_variable_name_only(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_API_KEY", "sk-local-secret-000000000000")
    monkeypatch.setenv("ACHIEVEMENT_LLM_PROVIDERS", "openai/llama3")
    assert "sk-local-secret" not in repr(code_location.defs().resources["llm"])


def test_the_answer_cache_ttl_and_the_breaker_threshold_come_from_the_environment(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_CACHE_TTL", "604800")
    monkeypatch.setenv("ACHIEVEMENT_LLM_BREAKER_FAILURES", "5")
    resources = code_location.defs().resources
    assert (resources["cache"].llm_ttl_seconds, resources["llm"].breaker_failures) == (604800, 5)


def test_answers_are_cached_until_deleted_unless_a_ttl_is_set(pipeline_home):
    assert code_location.defs().resources["cache"].llm_ttl_seconds == 0


def test_the_concurrency_and_the_requests_per_minute_come_from_the_environment(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_CONCURRENCY", "4")
    monkeypatch.setenv("ACHIEVEMENT_LLM_RPM", "90")
    llm = code_location.defs().resources["llm"]
    assert (llm.concurrency, llm.rpm) == (4, 90)


def test_by_default_twelve_prs_are_asked_at_once_with_no_requests_per_minute_limit(pipeline_home):
    llm = code_location.defs().resources["llm"]
    assert (llm.concurrency, llm.rpm) == (12, 0)


def test_a_concurrency_below_one_is_refused_naming_the_variable(pipeline_home, monkeypatch):
    monkeypatch.setenv("ACHIEVEMENT_LLM_CONCURRENCY", "0")
    with pytest.raises(SettingError, match="ACHIEVEMENT_LLM_CONCURRENCY"):
        code_location.defs()
