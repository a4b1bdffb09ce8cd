"""Which models write the narratives, in which order, and which PRs deserve the stronger ones.

Providers are plain litellm model names in the order they are tried:
``gpt-4o-mini`` (OpenAI, ``OPENAI_API_KEY``), ``anthropic/claude-3-5-haiku-latest``
(``ANTHROPIC_API_KEY``), ``cohere/command-r`` (``COHERE_API_KEY``), ``ollama/llama3``
(``OLLAMA_API_BASE``) and, for any OpenAI-compatible endpoint (vLLM, a gateway, Ollama's
``/v1``), ``openai/<model>``: those go to ``ACHIEVEMENT_LLM_API_BASE`` with
``ACHIEVEMENT_LLM_API_KEY``. Each name becomes one litellm Router model group; the first is
asked, the next ones are its ordered fallbacks. Provider keys stay in the variables the
providers document: litellm reads them itself, so they never pass through Dagster config.

Routing for cost happens before the model stages have run, so it uses the PR's own
signals of impact: measured claims, performance or security work, a large change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from achievement_pipeline.core.settings import SettingError

CHEAP, STRONG = "cheap", "strong"
PROBE_PROVIDER = "cache-probe"  # a local provider that only ever answers from the cache

_STRONG_TYPES = frozenset({"perf", "security"})
_STRONG_SIZES = frozenset({"l", "xl"})


class LLMConfigError(SettingError):
    """The LLM settings cannot work: names the variable and what to do."""


@dataclass(frozen=True)
class LLMSettings:
    """Everything the router needs; empty provider lists mean the offline summariser."""

    providers: tuple[str, ...] = ()  # the cheap chain, tried in order
    strong_providers: tuple[str, ...] = ()  # for high-impact PRs; empty = the same chain as ``providers``
    api_base: str = ""  # for ``openai/<model>`` names: an OpenAI-compatible endpoint
    api_key: str = field(default="", repr=False)
    timeout_seconds: float = 30.0
    num_retries: int = 2
    cooldown_seconds: float = 60.0
    allowed_fails: int = 1
    breaker_failures: int = 3  # consecutive failed PRs after which a provider is skipped for the run
    budget_usd: float = 1.0
    max_tokens: int = 700  # answer cap: bounds both the answer and the worst-case cost of a call
    concurrency: int = 12  # PRs whose provider calls may be in flight at once
    rpm: float = 0.0  # requests per minute to the providers, retries included; 0 = no limit

    @property
    def online(self) -> bool:
        return bool(self.providers or self.strong_providers)

    def chain(self, tier: str) -> tuple[str, ...]:
        """The models of a tier, in the order they are tried."""
        if tier == STRONG:
            return self.strong_providers or self.providers
        return self.providers or self.strong_providers


def choose_tier(facts: dict[str, Any]) -> str:
    """``strong`` for PRs that look high-impact (measured outcome, perf/security work, large), else ``cheap``."""
    if facts.get("measurable_claims") or facts.get("conventional_type") in _STRONG_TYPES:
        return STRONG
    return STRONG if facts.get("size_class") in _STRONG_SIZES else CHEAP


def group_name(tier: str, position: int, model: str) -> str:
    """One Router model group per (tier, position): the same model may sit in both tiers."""
    return f"{tier}:{position}:{model}"


def probe_group(tier: str) -> str:
    return f"{tier}:cache-only"


def _litellm_params(model: str, settings: LLMSettings) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model}
    if model.startswith("openai/") and settings.api_base:
        # An OpenAI-compatible server; the SDK insists on a key even when the server ignores it.
        params.update(api_base=settings.api_base, api_key=settings.api_key or "not-needed")
    return params


def router_kwargs(settings: LLMSettings) -> dict[str, Any]:
    """``litellm.Router(**router_kwargs(settings))``: groups, ordered fallbacks, retries, cool-downs.

    Each tier's groups (and its cache-only probe) form one litellm *caching group*, so an
    answer is cached under the tier and the prompt, whichever provider gave it: after a
    fail-over the next run still finds it without asking the failed provider again.
    """
    model_list: list[dict[str, Any]] = []
    fallbacks: list[dict[str, list[str]]] = []
    caching_groups: list[tuple[str, ...]] = []
    for tier in (CHEAP, STRONG):
        groups = [group_name(tier, i, model) for i, model in enumerate(settings.chain(tier))]
        for name, model in zip(groups, settings.chain(tier), strict=True):
            # The group's name is also its deployment id: a response's ``model_id`` names the group that answered.
            model_list.append(
                {"model_name": name, "litellm_params": _litellm_params(model, settings), "model_info": {"id": name}}
            )
        model_list.append({"model_name": probe_group(tier), "litellm_params": {"model": f"{PROBE_PROVIDER}/{tier}"}})
        if len(groups) > 1:
            fallbacks.append({groups[0]: groups[1:]})
        caching_groups.append((*groups, probe_group(tier)))
    return {
        "model_list": model_list,
        "fallbacks": fallbacks,
        "caching_groups": caching_groups,
        "num_retries": settings.num_retries,
        "timeout": settings.timeout_seconds,
        "allowed_fails": settings.allowed_fails,
        "allowed_fails_policy": _allowed_fails_policy(settings.allowed_fails),
        "cooldown_time": settings.cooldown_seconds,
        "disable_cooldowns": settings.cooldown_seconds <= 0,  # litellm reads a cooldown_time of 0 as its default 5 s
    }


def _allowed_fails_policy(allowed_fails: int) -> Any:
    """Cool down every deployment, the last of a chain too, after ``allowed_fails`` provider-side failures.

    litellm never cools down a deployment that is alone in its model group with no fallback group
    after it (its "single deployment" safety net), unless ``allowed_fails_policy`` names the error
    type. Each provider here is such a group, and the last one of a chain (or the only one) was
    retried on every PR. Naming the provider-side errors lifts that; errors that are the request's
    fault (bad request, content policy) are left out and never cool a provider down.
    """
    from litellm.types.router import AllowedFailsPolicy

    return AllowedFailsPolicy(
        TimeoutErrorAllowedFails=allowed_fails,
        RateLimitErrorAllowedFails=allowed_fails,
        InternalServerErrorAllowedFails=allowed_fails,
        ServiceUnavailableErrorAllowedFails=allowed_fails,
        BadGatewayErrorAllowedFails=allowed_fails,
        AuthenticationErrorAllowedFails=allowed_fails,  # a rejected key is not accepted later in the run
        NotFoundErrorAllowedFails=allowed_fails,  # nor is a model name the provider does not know
    )


def check_keys(settings: LLMSettings) -> None:
    """Refuse to start when a configured provider's key is missing, rather than fall back on every PR."""
    import litellm

    for model in dict.fromkeys((*settings.providers, *settings.strong_providers)):
        if model.startswith("openai/") and settings.api_base:
            continue
        missing = [k for k in litellm.validate_environment(model)["missing_keys"] if k.endswith(("_KEY", "_TOKEN"))]
        if missing:
            raise LLMConfigError(
                f"LLM provider {model!r} (ACHIEVEMENT_LLM_PROVIDERS or ACHIEVEMENT_LLM_STRONG_PROVIDERS) needs "
                f"{', '.join(missing)}: set it or remove the model; for an OpenAI-compatible endpoint write "
                f"openai/<model> and set ACHIEVEMENT_LLM_API_BASE"
            )
