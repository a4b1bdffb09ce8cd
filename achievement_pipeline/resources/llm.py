"""The LLM resource: the narrative writer's settings, read from the environment by definitions.py.

No provider configured means the offline deterministic summariser. Provider keys are not
fields here: litellm reads OPENAI_API_KEY, ANTHROPIC_API_KEY, COHERE_API_KEY itself. Only
the key of an OpenAI-compatible endpoint (ACHIEVEMENT_LLM_API_KEY) passes through, as an
``EnvVar``, so its value never reaches run config, the UI or logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core.authorship import OFFLINE
from achievement_pipeline.enrich.llm.config import LLMSettings

if TYPE_CHECKING:
    from achievement_pipeline.enrich.llm.router import NarrativeWriter
    from achievement_pipeline.resources.cache import CacheResource


class LLMResource(ConfigurableResource):
    """Which models write PR narratives, in which order, within which per-run budget."""

    providers: list[str] = Field(
        default_factory=list, description="litellm model names tried in order (cheap tier); empty means offline"
    )
    strong_providers: list[str] = Field(
        default_factory=list, description="litellm model names for high-impact PRs; empty means the same as providers"
    )
    api_base: str = Field(default="", description="Base URL of an OpenAI-compatible endpoint, for openai/<model>")
    api_key: str = Field(default="", description="Key of that endpoint; set through an environment variable only")
    budget_usd: float = Field(default=1.0, ge=0, description="Most a run may spend on providers (USD)")
    timeout_seconds: float = Field(default=30.0, gt=0)
    num_retries: int = Field(default=2, ge=0, description="Retries per provider, with exponential backoff")
    cooldown_seconds: float = Field(default=60.0, ge=0, description="How long a failing deployment is skipped")
    breaker_failures: int = Field(
        default=3, ge=1, description="PRs in a row a provider may fail on before it is skipped for the rest of the run"
    )
    max_tokens: int = Field(default=700, gt=0, description="Answer cap; also bounds the worst-case cost of a call")
    concurrency: int = Field(default=12, ge=1, description="PRs whose narratives are asked for at once")
    rpm: float = Field(default=0.0, ge=0, description="Requests per minute to the providers, retries included; 0: none")

    @property
    def online(self) -> bool:
        """Whether a provider is configured; without one the offline summariser writes every narrative."""
        return self.settings().online

    @property
    def name(self) -> str:
        return ",".join(dict.fromkeys([*self.providers, *self.strong_providers])) or OFFLINE

    def settings(self) -> LLMSettings:
        return LLMSettings(
            providers=tuple(self.providers),
            strong_providers=tuple(self.strong_providers),
            api_base=self.api_base,
            api_key=self.api_key,
            timeout_seconds=self.timeout_seconds,
            num_retries=self.num_retries,
            cooldown_seconds=self.cooldown_seconds,
            breaker_failures=self.breaker_failures,
            budget_usd=self.budget_usd,
            max_tokens=self.max_tokens,
            concurrency=self.concurrency,
            rpm=self.rpm,
        )

    def writer(self, cache: CacheResource) -> NarrativeWriter:
        """A writer for one materialization: its own budget and counters, litellm's cache on ``cache``.

        With no provider there is no litellm call, so neither litellm nor the cache is opened.
        """
        from achievement_pipeline.enrich.llm.router import NarrativeWriter

        return NarrativeWriter(self.settings(), cache=cache.litellm_cache() if self.online else None)
