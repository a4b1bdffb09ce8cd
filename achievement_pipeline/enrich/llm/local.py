"""The cache probe: a local litellm provider that reads a tier's cache without asking anyone.

``cache-probe/<tier>`` never answers by itself. It sits in each tier's litellm caching group,
so asking it (with ``no-store``) returns the tier's cached answer for a prompt or, on a miss,
:data:`CACHE_MISS`. Once the budget is spent, cached answers are still used.
"""

from __future__ import annotations

from typing import Any

from achievement_pipeline.enrich.llm.config import PROBE_PROVIDER

CACHE_MISS = "<no cached answer>"


def _response(model: str, content: str) -> Any:
    import litellm

    return litellm.ModelResponse(
        model=model,
        choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    )


def register() -> None:
    """Add the probe to litellm's ``custom_provider_map`` (once per process)."""
    import litellm
    from litellm.llms.custom_llm import CustomLLM

    class CacheProbe(CustomLLM):
        def completion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return _response(model, CACHE_MISS)

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return self.completion(model, messages)

    if PROBE_PROVIDER not in {item["provider"] for item in litellm.custom_provider_map}:
        litellm.custom_provider_map.append({"provider": PROBE_PROVIDER, "custom_handler": CacheProbe()})
