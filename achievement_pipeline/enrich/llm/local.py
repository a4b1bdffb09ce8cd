"""Two local litellm providers, so every narrative goes through litellm (and its cache) the same way.

- ``offline/deterministic`` answers with the offline summariser's Narrative, read from
  the same prompt a hosted model gets. With no provider configured it is the summariser,
  and its answers are cached like any other: a re-run makes no summariser call at all.
- ``cache-probe/<tier>`` never answers by itself. It sits in each tier's litellm caching
  group, so asking it (with ``no-store``) returns the tier's cached answer for a prompt or,
  on a miss, :data:`CACHE_MISS`. Once the budget is spent, cached answers are still used.
"""

from __future__ import annotations

import json
from typing import Any

from achievement_pipeline.enrich.llm.config import OFFLINE_MODEL, PROBE_PROVIDER
from achievement_pipeline.enrich.narrative import facts_from_messages
from achievement_pipeline.enrich.summariser import offline_narrative

CACHE_MISS = "<no cached answer>"


def _response(model: str, content: str) -> Any:
    import litellm

    return litellm.ModelResponse(
        model=model,
        choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    )


def register() -> None:
    """Add the two providers to litellm's ``custom_provider_map`` (once per process)."""
    import litellm
    from litellm.llms.custom_llm import CustomLLM

    class OfflineProvider(CustomLLM):
        def completion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            narrative = offline_narrative(facts_from_messages(messages))
            return _response(OFFLINE_MODEL, json.dumps(narrative.model_dump()))

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return self.completion(model, messages)

    class CacheProbe(CustomLLM):
        def completion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return _response(model, CACHE_MISS)

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return self.completion(model, messages)

    present = {item["provider"] for item in litellm.custom_provider_map}
    offline_provider = OFFLINE_MODEL.split("/")[0]
    if offline_provider not in present:
        litellm.custom_provider_map.append({"provider": offline_provider, "custom_handler": OfflineProvider()})
    if PROBE_PROVIDER not in present:
        litellm.custom_provider_map.append({"provider": PROBE_PROVIDER, "custom_handler": CacheProbe()})
