"""The narrative writer asks for many PRs at once, within bounds, against the real litellm Router over HTTP.

The fake provider serves each connection on its own thread and records how many requests it was
working on at once and when each arrived, so each test checks one promise of concurrent writing:
how many are in flight, the requests per minute, the budget, the circuit breaker, the cache, and
that the answers are the ones one PR at a time would have got, in PR order.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import litellm
import pytest

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.llm.budget import Budget, worst_case_cost
from achievement_pipeline.enrich.llm.router import NarrativeWriter
from achievement_pipeline.enrich.narrative import llm_messages, pr_facts
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from tests.factories import make_pr
from tests.fake_llm import NARRATIVE, FakeLLMProvider

MODEL = "openai/gpt-4o-mini"  # in litellm's price map, so the budget has something to count


@pytest.fixture
def cache(pipeline_home: Path) -> CacheResource:
    return CacheResource()


def pr_facts_for(number: int, *, routine: bool = True) -> dict[str, Any]:
    """A PR's facts: a routine docs change (the cheap tier) or ``make_pr``'s perf change (the strong tier)."""
    docs = [{"filename": "docs/setup.md", "status": "modified", "additions": 4, "deletions": 1}]
    fields: dict[str, Any] = {"title": f"docs: clarify setup step {number}", "body": "Clarifies the setup guide."}
    fields |= {"additions": 4, "deletions": 1, "files": docs, "labels": []}
    pr = dict(make_pr(number, **(fields if routine else {})))
    return pr_facts(pr, pr_features(pr))  # type: ignore[arg-type]


def prs(count: int) -> list[dict[str, Any]]:
    """``count`` PRs, every third one high-impact (so both tiers are asked)."""
    return [pr_facts_for(number, routine=number % 3 != 0) for number in range(1, count + 1)]


def writer(provider: FakeLLMProvider, cache: CacheResource, **settings: Any) -> NarrativeWriter:
    config: dict[str, Any] = {"providers": [MODEL], "num_retries": 0, "cooldown_seconds": 0, **settings}
    return LLMResource(api_base=provider.base_url, api_key="sk-test-key", **config).writer(cache)


def per_pr_answer(request: dict[str, Any]) -> dict[str, Any]:
    """An answer that names the PR it was asked about, slower for some PRs, so answers come back out of order."""
    pr = json.loads(request["messages"][-1]["content"])["pull_request"]
    time.sleep(0.03 * (pr["number"] % 4))
    return {**NARRATIVE, "summary": f"Clarified {pr['title']} in {pr['repository']}.", "skills": [pr["title"]]}


def test_no_more_requests_are_in_flight_than_the_configured_concurrency(cache):
    with FakeLLMProvider(latency_seconds=0.2) as provider:
        writer(provider, cache, concurrency=4).write_all(prs(24))
    assert len(provider.requests) == 24 and provider.max_in_flight == 4


def test_answers_written_concurrently_are_those_written_one_pr_at_a_time_in_pr_order(cache, pipeline_home, monkeypatch):
    with FakeLLMProvider(reply=per_pr_answer) as provider:
        concurrent = writer(provider, cache, concurrency=8).write_all(prs(24))
        monkeypatch.setenv("ACHIEVEMENT_HOME", str(pipeline_home / "sequential"))  # a cache of its own
        sequential = writer(provider, CacheResource(), concurrency=1).write_all(prs(24))
    assert provider.max_in_flight > 1
    assert [(w.narrative, w.summariser, w.tier) for w in concurrent] == [
        (w.narrative, w.summariser, w.tier) for w in sequential
    ]
    assert [w.narrative.skills for w in concurrent] == [[facts["title"]] for facts in prs(24)]


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_budget_for_exactly_n_answers_pays_for_n_and_the_rest_are_offline(cache, concurrency):
    max_tokens, paid_for = 100, 3
    many = [pr_facts_for(number) for number in range(1, 21)]
    prompt_tokens = {litellm.token_counter(model=MODEL, messages=llm_messages(facts)) for facts in many}
    assert len(prompt_tokens) == 1  # every PR's worst case is the same: a budget of n worst cases allows n
    worst = worst_case_cost([MODEL], llm_messages(many[0]), max_tokens)
    budget = paid_for * worst * (1 + 1e-9)  # float rounding only
    # Each answer costs exactly its worst case: however the settlements interleave, no money is freed.
    with FakeLLMProvider(usage=(prompt_tokens.pop(), max_tokens), latency_seconds=0.1) as provider:
        run = writer(provider, cache, concurrency=concurrency, budget_usd=budget, max_tokens=max_tokens)
        written = run.write_all(many)
    summarisers = [w.summariser for w in written]
    assert len(provider.requests) == run.stats.calls == paid_for
    assert summarisers.count("gpt-4o-mini") == paid_for
    assert summarisers.count("offline (fallback: budget)") == len(many) - paid_for
    assert run.budget.spent_usd <= budget and run.budget.reserved_usd == 0 and run.budget.exhausted


def test_a_provider_failing_from_the_start_is_asked_one_pr_at_a_time_until_the_breaker_opens(cache):
    with FakeLLMProvider(faults={"gpt-4o-mini": 500}, latency_seconds=0.1) as provider:
        run = writer(provider, cache, concurrency=8, breaker_failures=3)
        written = [w.summariser for w in run.write_all(prs(30))]
    assert (len(provider.requests), provider.max_in_flight) == (3, 1)
    assert written == 3 * ["offline (fallback: InternalServerError)"] + 27 * ["offline (fallback: circuit open)"]
    assert run.breaker.opened == {MODEL: "InternalServerError"}


def test_a_provider_that_fails_under_load_is_skipped_after_the_failures_that_come_back_first(cache):
    # It answers the first PR, then fails every request: the PRs in flight when it broke fail, the breaker
    # opens on the third failure to come back, and every later PR gets the offline text without a request.
    concurrency = 4
    with FakeLLMProvider(faults={"gpt-4o-mini": ["ok", 500]}, latency_seconds=0.2) as provider:
        run = writer(provider, cache, concurrency=concurrency, breaker_failures=3)
        started = time.monotonic()
        written = [w.summariser for w in run.write_all(prs(40))]
        elapsed = time.monotonic() - started
    failed, skipped = (
        written.count("offline (fallback: InternalServerError)"),
        written.count("offline (fallback: circuit open)"),
    )
    assert run.breaker.opened == {MODEL: "InternalServerError"}
    assert 3 <= failed == len(provider.requests) - 1 <= concurrency + 1  # those in flight, and one on trial
    assert written[0] == "gpt-4o-mini" and 1 + failed + skipped == 40
    assert elapsed < 40 * 0.2 / concurrency  # the skipped PRs waited for no provider


def test_requests_per_minute_are_spaced_so_no_second_holds_more_than_its_share(cache):
    rpm, count = 120, 6  # two requests a second, however many may be in flight
    with FakeLLMProvider() as provider:
        writer(provider, cache, concurrency=8, rpm=rpm).write_all(prs(count))
    arrivals = provider.arrivals()
    assert len(arrivals) == count
    in_a_second = 60 / rpm * 2  # the third request after any one comes a whole second later at the earliest
    jitter = 0.1  # loopback delivery of one request against the next
    assert all(later - first >= in_a_second - jitter for first, later in zip(arrivals, arrivals[2:], strict=False))


def test_retries_wait_their_turn_under_the_requests_per_minute_too(cache):
    rpm = 30  # a request every 2 s; litellm alone retries a 500 after about 1 s
    with FakeLLMProvider(faults={"gpt-4o-mini": [500, "ok"]}) as provider:
        written = writer(provider, cache, rpm=rpm, num_retries=1).write_all(prs(1))
    first, retry = provider.arrivals()
    assert written[0].summariser == "gpt-4o-mini" and retry - first >= 60 / rpm - 0.1


@pytest.mark.parametrize("backend", ["disk", "redis"])
def test_cached_answers_take_no_provider_call_no_budget_and_no_turn(pipeline_home, request, backend):
    cache = (
        CacheResource(redis_url="redis://127.0.0.1:6379/0", namespace=request.getfixturevalue("redis_namespace"))
        if backend == "redis"
        else CacheResource()
    )
    with FakeLLMProvider(latency_seconds=0.1) as provider:
        first = writer(provider, cache, concurrency=8).write_all(prs(16))
        calls = len(provider.requests)
        started = time.monotonic()
        # No budget and six requests a minute: any provider call or paced turn would show (10 s a turn).
        rerun = writer(provider, cache, concurrency=8, budget_usd=0, rpm=6)
        again = rerun.write_all(prs(16))
        elapsed = time.monotonic() - started
    assert calls == 16 and len(provider.requests) == calls
    assert all(w.cached for w in again) and [w.narrative for w in again] == [w.narrative for w in first]
    assert (rerun.stats.calls, rerun.stats.cache_hits, rerun.budget.exhausted) == (0, 16, False)
    assert elapsed < 10


def test_calls_in_flight_hold_their_worst_case_until_they_settle_and_a_refusal_is_final():
    budget = Budget(limit_usd=3.0)
    in_flight = [budget.reserve(1.0) for _ in range(3)]
    assert None not in in_flight and budget.reserve(1.0) is None  # nothing spent yet, but nothing left either
    for reservation in in_flight:
        budget.settle(reservation, 0.25)  # type: ignore[arg-type]
    assert (budget.spent_usd, budget.reserved_usd) == (0.75, 0.0) and budget.reserve(1.0) is None
