"""Narratives for PRs through a litellm Router: fail-over, caching, a budget, validated answers.

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
is never cached, so the next run asks the provider again. With no provider configured,
the offline summariser is itself the (cached) provider.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from achievement_pipeline.core.authorship import OFFLINE, fallback_summariser
from achievement_pipeline.core.redaction import redact
from achievement_pipeline.core.settings import offline_default
from achievement_pipeline.enrich.llm.breaker import CIRCUIT_OPEN, COOLED_DOWN, ProviderBreaker
from achievement_pipeline.enrich.llm.budget import Budget, worst_case_cost
from achievement_pipeline.enrich.llm.config import (
    CHEAP,
    OFFLINE_MODEL,
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
    """Writes one Narrative per PR within one run's budget."""

    def __init__(self, settings: LLMSettings, cache: Any) -> None:
        """``cache`` is a ``litellm.caching.Cache`` (see :mod:`achievement_pipeline.enrich.llm.cache`)."""
        offline_default("LITELLM_LOCAL_MODEL_COST_MAP")
        import litellm

        from achievement_pipeline.enrich.llm import local as llm_local

        litellm.suppress_debug_info = True
        litellm.cache = cache  # litellm's response cache is process-wide; no per-call cache object exists
        llm_local.register()
        self.settings = settings
        self.stats = RunStats()
        self.budget = Budget(settings.budget_usd)
        self.breaker = ProviderBreaker(settings.breaker_failures)
        self._router: Any = None
        if settings.online:
            check_keys(settings)
            self._router = litellm.Router(**router_kwargs(settings))
        self._providers = {  # model group (also its deployment id) -> provider
            group_name(tier, i, model): model
            for tier in (CHEAP, STRONG)
            for i, model in enumerate(settings.chain(tier))
        }

    def write(self, facts: dict[str, Any]) -> Written:
        """The Narrative for one PR's (redacted) facts."""
        written = self._write(facts)
        self.stats.cache_hits += int(written.cached)
        self.stats.models[written.summariser] += 1
        return written

    def _write(self, facts: dict[str, Any]) -> Written:
        import openai  # litellm's exceptions subclass the OpenAI SDK's, whatever the provider

        messages = llm_messages(facts)
        if self._router is None:
            return self._offline(messages, facts)
        tier = choose_tier(facts)
        for attempt in range(1 + INVALID_OUTPUT_RETRIES):
            chain = self._available_chain(tier)
            if not chain:
                skipped = set(self.settings.chain(tier)) <= set(self.breaker.opened)
                return self._from_cache_only(tier, messages, facts, CIRCUIT_OPEN if skipped else COOLED_DOWN)
            groups, models = [group for group, _ in chain], [model for _, model in chain]
            if not self.budget.allows(worst_case_cost(models, messages, self.settings.max_tokens)):
                return self._from_cache_only(tier, messages, facts, "budget")
            try:
                response = self._router.completion(
                    model=groups[0],
                    fallbacks=[{groups[0]: groups[1:]}] if len(groups) > 1 else [],  # replaces the configured ones
                    messages=messages,
                    max_tokens=self.settings.max_tokens,
                    **_COMPLETION_ARGS,
                    **({"cache": {"no-cache": True}} if attempt else {}),  # re-ask, and replace the bad entry
                )
            except (openai.OpenAIError, ValueError) as exc:
                log.warning(
                    "LLM providers failed for %s#%s: %s", facts["repository"], facts["number"], redact(str(exc))
                )  # the error may quote the reply, and a reply may echo PR text
                if not isinstance(exc, openai.BadRequestError):  # the request's fault says nothing of a provider
                    for model in models:  # every one was asked: none was cooling down
                        self.breaker.failed(model, type(exc).__name__)
                return self._fallback(facts, type(exc).__name__)
            self._observe(chain, response)
            cached = self._charge(response)
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

    def _charge(self, response: Any) -> bool:
        """Count a provider's answer against the budget; True if it came from the cache (free)."""
        if _from_cache(response):
            return True
        cost = float(response._hidden_params.get("response_cost") or 0.0)
        self.budget.charge(cost)
        self.stats.calls += 1
        self.stats.cost_usd += cost
        self.stats.tokens += int(getattr(response.usage, "total_tokens", 0) or 0)
        return False

    def _offline(self, messages: list[dict[str, str]], facts: dict[str, Any]) -> Written:
        """No providers: the offline summariser as a cached litellm provider."""
        import litellm

        response = litellm.completion(model=OFFLINE_MODEL, messages=messages, caching=True)
        try:
            narrative = parse_reply(response.choices[0].message.content or "")
        except ValueError:  # an entry cached under an older contract: write it afresh
            return Written(offline_narrative(facts), OFFLINE, False, OFFLINE)
        return Written(narrative, OFFLINE, _from_cache(response), OFFLINE)

    def _from_cache_only(
        self, tier: str, messages: list[dict[str, str]], facts: dict[str, Any], reason: str
    ) -> Written:
        """No provider may be asked (budget spent, all skipped): a cached answer, else the offline summary."""
        response = self._router.completion(
            model=probe_group(tier), messages=messages, max_tokens=self.settings.max_tokens,
            **_COMPLETION_ARGS, cache={"no-store": True},
        )  # fmt: skip
        if _from_cache(response):
            try:
                return Written(
                    _redacted(parse_reply(response.choices[0].message.content or "")),
                    _answered_by(response),
                    True,
                    tier,
                )
            except ValueError:
                pass
        return self._fallback(facts, reason)

    def _fallback(self, facts: dict[str, Any], reason: str) -> Written:
        self.stats.fallbacks += 1
        return Written(offline_narrative(facts), fallback_summariser(reason), False, OFFLINE)


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
