"""litellm's response cache on the real Redis and on disk: keys under the namespace, kept until a configured TTL."""

from __future__ import annotations

import time
from pathlib import Path

import diskcache
import pytest
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


def _write_one_answer(cache: CacheResource) -> None:
    """One PR's narrative through the real litellm path, answered by the fake provider and cached in ``cache``."""
    pr = make_pr()
    with FakeLLMProvider() as provider:
        LLMResource(providers=["openai/gpt-4o-mini"], api_base=provider.base_url).writer(cache).write(
            pr_facts(pr, pr_features(pr))
        )


def _redis_ttls(namespace: str) -> list[int]:
    client = redis.Redis(host="127.0.0.1", port=6379)
    return [client.ttl(key) for key in client.scan_iter(f"{namespace}:llm:*")]


def test_an_answer_is_kept_in_redis_without_expiry_by_default(pipeline_home, redis_namespace):
    namespace = f"{redis_namespace}:default-ttl"
    _write_one_answer(CacheResource(redis_url="redis://127.0.0.1:6379/0", namespace=namespace))
    assert _redis_ttls(namespace) == [-1]  # Redis: the key exists and has no expiry


def test_a_configured_ttl_is_applied_to_the_answer_in_redis(pipeline_home, redis_namespace):
    namespace = f"{redis_namespace}:one-day"
    _write_one_answer(CacheResource(redis_url="redis://127.0.0.1:6379/0", namespace=namespace, llm_ttl_seconds=86400))
    [ttl] = _redis_ttls(namespace)
    assert 86400 - 60 < ttl <= 86400


def _disk_expiry_times(home: Path) -> list[float | None]:
    with diskcache.Cache(str(home / "llm-cache")) as disk:
        return [disk.get(key, expire_time=True)[1] for key in disk]


def test_an_answer_is_kept_on_disk_without_expiry_by_default(pipeline_home):
    _write_one_answer(CacheResource())
    assert _disk_expiry_times(pipeline_home) == [None]


def test_a_configured_ttl_is_applied_to_the_answer_on_disk(pipeline_home):
    _write_one_answer(CacheResource(llm_ttl_seconds=86400))
    [expires] = _disk_expiry_times(pipeline_home)
    assert expires is not None and 86400 - 60 < expires - time.time() <= 86400


@pytest.mark.slow
def test_an_answer_in_redis_is_still_used_after_litellms_default_minute(pipeline_home, redis_namespace):
    cache = CacheResource(redis_url="redis://127.0.0.1:6379/0", namespace=f"{redis_namespace}:a-minute-later")
    pr = make_pr()
    facts = pr_facts(pr, pr_features(pr))
    with FakeLLMProvider() as provider:
        llm = LLMResource(providers=["openai/gpt-4o-mini"], api_base=provider.base_url)
        llm.writer(cache).write(facts)
        time.sleep(61)  # litellm's RedisCache writes ``EX 60`` unless told otherwise
        again = llm.writer(cache).write(facts)
    assert again.cached and len(provider.requests) == 1
