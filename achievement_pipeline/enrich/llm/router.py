"""Narratives for PRs through a litellm Router: fail-over, caching, a budget, validated answers, concurrency.

One :class:`NarrativeWriter` serves one materialization. Per PR it picks a tier (cheap or
strong), and unless the budget forbids it asks the tier's first model through the
Router, which retries with backoff, cools down failing deployments and falls over to the
next model in the configured order. litellm's cache answers unchanged prompts without a
provider call. The answer must validate as a :class:`~achievement_pipeline.enrich.narrative.Narrative`;
an invalid one is asked again once without the cache, then the offline summary is used.

Each PR's fallback chain leaves out the providers that cannot answer now: those litellm cools
down (in either tier: both reach the same provider) and those the run's circuit breaker skips
after failing on several PRs in a row (see :mod:`~achievement_pipeline.enrich.llm.breaker`). A tier
with no provider left answers from the cache or offline at once, without waiting on anyone.

An offline answer used as a *fallback* (provider failure, invalid output, budget spent)
is never cached, so the next run asks the provider again. With no provider configured, the
offline summariser is called directly, without litellm: it is a pure function of the PR's facts
that costs less to run again than a routed, cost-counted, cached call costs (enrich of 10,000 PRs
took about 100 s through litellm and 13 s without, bench/history_growth.py), and an unchanged
window is not written again anyway (defs/unchanged.py).

:meth:`NarrativeWriter.write_all` writes a window's PRs concurrently, through ``Router.acompletion``
on one event loop (``asyncio.run`` around a gather: Dagster runs an asset in a thread with no loop):

- each PR first reads the tier's cache (its cache-only probe): a cached answer costs no provider
  call, no budget and no turn of the request pacer;
- at most ``concurrency`` PRs are in progress at once (an ``asyncio.Semaphore``). litellm's own
  per-deployment ``max_parallel_requests`` (and the ``rpm``/``tpm`` it is derived from) answers a
  request over the limit with a 429 instead of queueing it, which would fail PRs over;
- with ``rpm`` set, every request litellm sends, retries included, waits its turn
  (:mod:`~achievement_pipeline.enrich.llm.pace`);
- each call reserves its worst-case cost before it is sent and settles it when it returns, so calls
  in flight never overshoot the budget together (:mod:`~achievement_pipeline.enrich.llm.budget`);
- a provider on trial (not yet answered in this run, or failed since) is asked by one PR at a time,
  and the breaker counts failures in the order they come back (:mod:`~achievement_pipeline.enrich.llm.breaker`).

The answers come back in PR order, and each PR's text is the one it gets one PR at a time: the same
prompt, temperature 0, the same cache key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from achievement_pipeline.core.authorship import OFFLINE, fallback_summariser
from achievement_pipeline.core.redaction import redact
from achievement_pipeline.core.settings import offline_default
from achievement_pipeline.enrich.llm import pace
from achievement_pipeline.enrich.llm.breaker import CIRCUIT_OPEN, COOLED_DOWN, ProviderBreaker, release
from achievement_pipeline.enrich.llm.budget import Budget, Reservation, worst_case_cost
from achievement_pipeline.enrich.llm.config import (
    CHEAP,
    STRONG,
    LLMSettings,
    check_keys,
    choose_tier,
    group_name,
    probe_group,
    router_kwargs,
)
from achievement_pipeline.enrich.narrative import Narrative, llm_messages, parse_reply
from achievement_pipeline.enrich.summariser import offline_narrative

log = logging.getLogger(__name__)

INVALID_OUTPUT_RETRIES = 1
_COMPLETION_ARGS: dict[str, Any] = {
    "temperature": 0,
    "response_format": {"type": "json_object"},
    "drop_params": True,  # providers without JSON mode still answer; pydantic checks the result
    "caching": True,
}


@dataclass
class RunStats:
    """What one materialization cost and how it was answered (the enrich metadata)."""

    calls: int = 0  # answers a provider produced in this run (not from the cache, not offline)
    tokens: int = 0
    cost_usd: float = 0.0
    cache_hits: int = 0  # PRs answered from litellm's cache
    fallbacks: int = 0  # PRs that got the offline summary because a provider path failed
    invalid_outputs: int = 0
    models: Counter[str] = field(default_factory=Counter)  # who wrote each PR's narrative -> PRs


@dataclass(frozen=True)
class Written:
    narrative: Narrative
    summariser: str  # the model that wrote it, "offline", or "offline (fallback: reason)"
    cached: bool
    tier: str


class NarrativeWriter:
    """Writes one Narrative per PR within one run's budget, several PRs at a time."""

    def __init__(self, settings: LLMSettings, cache: Any = None) -> None:
        """``cache`` is a ``litellm.caching.Cache`` (:mod:`achievement_pipeline.enrich.llm.cache`); offline, None."""
        self.settings = settings
        self.stats = RunStats()
        self.budget = Budget(settings.budget_usd)
        self.breaker = ProviderBreaker(settings.breaker_failures)
        self.pacer = pace.RequestPacer(settings.rpm)
        self._router: Any = None
        if settings.online:
            check_keys(settings)
            self._router = _router(settings, cache)
        self._providers = {  # model group (also its deployment id) -> provider
            group_name(tier, i, model): model
            for tier in (CHEAP, STRONG)
            for i, model in enumerate(settings.chain(tier))
        }

    def write(self, facts: dict[str, Any]) -> Written:
        """The Narrative for one PR's (redacted) facts."""
        return self.write_all([facts])[0]

    def write_all(self, facts: Sequence[dict[str, Any]]) -> list[Written]:
        """The Narratives for many PRs' (redacted) facts, in their order, up to ``concurrency`` at a time.

        Runs its own event loop, so it is called from code that has none (a Dagster asset, a script).
        """
        if self._router is None:
            written = [_offline(pr, OFFLINE) for pr in facts]
        else:
            written = asyncio.run(self._write_all(facts))
        for one in written:  # in PR order, so the counters do not depend on which answer came first
            self.stats.cache_hits += int(one.cached)
            self.stats.models[one.summariser] += 1
        return written

    async def _write_all(self, facts: Sequence[dict[str, Any]]) -> list[Written]:
        slots = asyncio.Semaphore(max(1, self.settings.concurrency))  # belongs to this loop, as the gates do
        probes = asyncio.Lock()

        async def one(pr: dict[str, Any]) -> Written:
            async with slots:
                return await self._write(pr, probes)

        try:
            return list(await asyncio.gather(*(one(pr) for pr in facts)))
        finally:
            await _cache_writes_done()

    async def _write(self, facts: dict[str, Any], probes: asyncio.Lock) -> Written:
        import openai  # litellm's exceptions subclass the OpenAI SDK's, whatever the provider

        messages = llm_messages(facts)
        tier = choose_tier(facts)
        # The cache is read one PR at a time, in PR order (a read is a millisecond), so the PRs that miss queue
        # for a provider on trial in PR order too, whichever cache read would have come back first: each PR gets
        # the answer (or the fallback) it would get one at a time.
        async with probes:
            cached = await self._cached(tier, messages)
        if cached is not None:
            return cached
        for attempt in range(1 + INVALID_OUTPUT_RETRIES):
            async with self._turn(tier) as chain:
                if not chain:
                    skipped = set(self.settings.chain(tier)) <= set(self.breaker.opened)
                    return self._fallback(facts, CIRCUIT_OPEN if skipped else COOLED_DOWN)
                groups, models = [group for group, _ in chain], [model for _, model in chain]
                reservation = self.budget.reserve(worst_case_cost(models, messages, self.settings.max_tokens))
                if reservation is None:
                    return self._fallback(facts, "budget")
                try:
                    with pace.pacing(self.pacer):
                        response = await self._router.acompletion(
                            model=groups[0],
                            fallbacks=[{groups[0]: groups[1:]}] if len(groups) > 1 else [],  # replaces the configured
                            messages=messages,
                            max_tokens=self.settings.max_tokens,
                            **_COMPLETION_ARGS,
                            **({"cache": {"no-cache": True}} if attempt else {}),  # re-ask, and replace the bad entry
                        )
                except (openai.OpenAIError, ValueError) as exc:
                    self.budget.release(reservation)
                    log.warning(
                        "LLM providers failed for %s#%s: %s", facts["repository"], facts["number"], redact(str(exc))
                    )  # the error may quote the reply, and a reply may echo PR text
                    if not isinstance(exc, openai.BadRequestError):  # the request's fault says nothing of a provider
                        for model in models:  # every one was asked: none was cooling down
                            self.breaker.failed(model, type(exc).__name__)
                    return self._fallback(facts, type(exc).__name__)
                self._observe(chain, response)
                cached = self._settle(reservation, response)
            try:
                narrative = parse_reply(response.choices[0].message.content or "")
            except ValueError as exc:
                self.stats.invalid_outputs += 1
                log.warning(
                    "invalid LLM output for %s#%s: %s", facts["repository"], facts["number"], redact(str(exc))
                )  # the error may quote the reply, and a reply may echo PR text
                continue
            return Written(_redacted(narrative), _answered_by(response), cached, tier)
        return self._fallback(facts, "invalid output")

    @contextlib.asynccontextmanager
    async def _turn(self, tier: str) -> AsyncIterator[list[tuple[str, str]]]:
        """The tier's available chain, holding the gates of its providers on trial until the call is done.

        The chain is read again after waiting: the PR that held a gate may have cooled its provider
        down or opened the breaker on it, and then this PR does not ask it at all.
        """
        gates: list[asyncio.Lock] = []
        held: set[str] = set()
        try:
            while True:
                chain = self._available_chain(tier)
                trial = set(self.breaker.on_trial([model for _, model in chain]))
                if trial <= held:
                    break
                release(gates)
                gates, held = [], set()
                gates = await self.breaker.gates(trial)
                held = trial
            yield chain
        finally:
            release(gates)

    def _available_chain(self, tier: str) -> list[tuple[str, str]]:
        """The tier's (model group, provider) pairs in order, without providers skipped or cooling down.

        A provider litellm cools down is left out here rather than refused by the Router, so that
        every provider in the chain is really asked and the breaker counts only real failures.
        """
        chain = self.settings.chain(tier)
        available = set(self.breaker.available(chain)) - self._cooling_down()
        return [(group_name(tier, i, model), model) for i, model in enumerate(chain) if model in available]

    def _cooling_down(self) -> set[str]:
        """Providers with a deployment in litellm's cool-down, whichever tier it serves."""
        cooling = self._router.health().cooldowns.get_active_cooldowns(
            model_ids=list(self._providers), parent_otel_span=None
        )
        return {self._providers[group] for group, _ in cooling if group in self._providers}

    def _observe(self, chain: list[tuple[str, str]], response: Any) -> None:
        """Tell the breaker who answered: that provider succeeded, those before it in the chain failed over."""
        answered = (getattr(response, "_hidden_params", {}) or {}).get("model_id")  # the group (config.py)
        if _from_cache(response) or answered not in {group for group, _ in chain}:
            return
        for group, model in chain:
            if group == answered:
                self.breaker.succeeded(model)
                return
            self.breaker.failed(model, "failed over to the next provider")  # litellm keeps no error of its own

    def _settle(self, reservation: Reservation, response: Any) -> bool:
        """Settle the call's reservation at what the answer cost; True if it came from the cache (free)."""
        if _from_cache(response):
            self.budget.settle(reservation, 0.0)
            return True
        cost = float(response._hidden_params.get("response_cost") or 0.0)
        self.budget.settle(reservation, cost)
        self.stats.calls += 1
        self.stats.cost_usd += cost
        self.stats.tokens += int(getattr(response.usage, "total_tokens", 0) or 0)
        return False

    async def _cached(self, tier: str, messages: list[dict[str, str]]) -> Written | None:
        """The tier's cached answer to ``messages``, whichever provider gave it, or None (also for an invalid one).

        Read before any provider is considered, so a cached answer is used whatever the budget, the
        breaker or the cool-downs say, and costs no provider call, no budget and no request turn.
        """
        response = await self._router.acompletion(
            model=probe_group(tier), messages=messages, max_tokens=self.settings.max_tokens,
            **_COMPLETION_ARGS, cache={"no-store": True},
        )  # fmt: skip
        if not _from_cache(response):
            return None
        try:
            narrative = parse_reply(response.choices[0].message.content or "")
        except ValueError:  # an invalid answer cached by an earlier attempt: the provider is asked again
            return None
        return Written(_redacted(narrative), _answered_by(response), True, tier)

    def _fallback(self, facts: dict[str, Any], reason: str) -> Written:
        self.stats.fallbacks += 1
        return _offline(facts, fallback_summariser(reason))


def _offline(facts: dict[str, Any], summariser: str) -> Written:
    """The offline summariser's narrative, credited to ``summariser`` ("offline", or the fallback's reason)."""
    return Written(offline_narrative(facts), summariser, False, OFFLINE)


def _router(settings: LLMSettings, cache: Any) -> Any:
    """litellm's Router for the configured providers, with litellm's process-wide cache set to ``cache``."""
    offline_default("LITELLM_LOCAL_MODEL_COST_MAP")
    import litellm

    from achievement_pipeline.enrich.llm import local as llm_local

    litellm.suppress_debug_info = True
    litellm.cache = cache  # litellm's response cache is process-wide; no per-call cache object exists
    llm_local.register()
    pace.register()
    return litellm.Router(**router_kwargs(settings))


async def _cache_writes_done() -> None:
    """Wait for the cache writes litellm left running in this loop.

    litellm stores an answer in a background task after returning it; ``asyncio.run`` would cancel
    the ones still pending when the gather ends, and a task cancelled before it starts never writes.
    """
    from litellm.caching import caching_handler

    loop = asyncio.get_running_loop()
    pending = [
        task
        for task in list(getattr(caching_handler, "_PENDING_CACHE_WRITES", ()))
        if task.get_loop() is loop and not task.done()
    ]
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


def _from_cache(response: Any) -> bool:
    return (getattr(response, "_hidden_params", {}) or {}).get("cache_hit") is True


def _answered_by(response: Any) -> str:
    """The model that wrote the answer, as its provider named it; the cache keeps it with the answer.

    (litellm's ``litellm_model_name`` names the deployment that *served* the request, which
    for a cache hit is the tier's first model, whoever wrote the cached answer.)
    """
    return str(response.model)


def _redacted(narrative: Narrative) -> Narrative:
    """Defence in depth: a model never saw a secret, but nothing secret-shaped is stored either way."""
    data = narrative.model_dump()
    data["summary"], data["achievement"] = redact(data["summary"]), redact(data["achievement"])
    data["star"] = {k: redact(v) for k, v in data["star"].items()}
    data["skills"] = [redact(s) for s in data["skills"]]
    return Narrative.model_validate(data)
