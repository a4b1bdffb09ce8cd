"""litellm's response cache on the real Redis: keys under the configured namespace, re-runs for free."""

from __future__ import annotations

import redis

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.narrative import pr_facts
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from tests.factories import make_pr
from tests.fake_llm import FakeLLMProvider


def test_answers_are_cached_in_redis_under_the_namespace_and_reused(pipeline_home, redis_namespace):
    cache = CacheResource(redis_url="redis://127.0.0.1:6379/0", namespace=redis_namespace)
    pr = make_pr()
    facts = pr_facts(pr, pr_features(pr))
    with FakeLLMProvider() as provider:
        llm = LLMResource(providers=["openai/gpt-4o-mini"], api_base=provider.base_url, num_retries=0)
        llm.writer(cache).write(facts)
        again = llm.writer(cache).write(facts)
    keys = list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(f"{redis_namespace}:llm:*"))
    assert len(keys) == 1 and len(provider.requests) == 1 and again.cached
