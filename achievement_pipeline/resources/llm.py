"""The LLM resource: a litellm model when one is configured, the offline summariser otherwise."""

from __future__ import annotations

import hashlib
import json
import os

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from achievement_pipeline.records import PullRequestRecord
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.summariser import (
    OFFLINE,
    PROMPT_VERSION,
    Summary,
    llm_messages,
    offline_summary,
    parse_llm_reply,
)


class LLMResource(ConfigurableResource):
    """Summaries through litellm (any provider it supports) with answers cached by prompt."""

    model: str = Field(default="", description="litellm model name, e.g. gpt-4o-mini; empty means offline")
    api_key: str = Field(default="", description="Provider key; set through an environment variable only")
    api_base: str = Field(default="", description="Base URL of an OpenAI-compatible endpoint (vLLM, Ollama)")
    timeout_seconds: float = 30.0
    num_retries: int = 2
    _calls: int = PrivateAttr(default=0)
    _fallbacks: int = PrivateAttr(default=0)

    @property
    def name(self) -> str:
        return self.model or OFFLINE

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def fallbacks(self) -> int:
        return self._fallbacks

    def summarise(
        self, pr: PullRequestRecord, features: dict[str, object], cache: CacheResource
    ) -> tuple[Summary, bool]:
        """Summary for one PR and whether it came from the cache."""
        messages = llm_messages(pr, features)
        key = (
            "summary:"
            + hashlib.sha256(json.dumps([PROMPT_VERSION, self.name, messages], sort_keys=True).encode()).hexdigest()
        )
        cached = cache.get(key)
        if cached is not None:
            return Summary(**json.loads(cached)), True
        summary = self._generate(pr, features, messages)
        if "fallback" not in summary.summariser:  # a provider failure is retried next run, not cached
            cache.set(key, json.dumps(summary.__dict__))
        return summary, False

    def _generate(self, pr: PullRequestRecord, features: dict[str, object], messages: list[dict[str, str]]) -> Summary:
        if not self.model:
            return offline_summary(pr, features)
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm
        import openai  # litellm's exceptions subclass the OpenAI SDK's, whatever the provider

        self._calls += 1
        try:
            response = litellm.completion(
                model=self.model,
                messages=messages,
                api_key=self.api_key or None,
                api_base=self.api_base or None,
                timeout=self.timeout_seconds,
                num_retries=self.num_retries,
                response_format={"type": "json_object"},
                temperature=0,
            )
            return parse_llm_reply(response.choices[0].message.content or "", self.model)
        except (ValueError, openai.OpenAIError) as exc:
            # A provider failure must not break a run: the offline summary is factual, if plainer.
            self._fallbacks += 1
            fallback = offline_summary(pr, features)
            return Summary(fallback.summary, fallback.achievement, f"{OFFLINE} (fallback: {type(exc).__name__})")
