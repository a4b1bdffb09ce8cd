"""A per-run spending limit in USD that is never overshot.

Before each provider call the worst case is priced: the prompt's tokens plus the answer
cap (``max_tokens``), at the dearest model the call could fail over to, from litellm's
price map. The call is made only if that worst case still fits; afterwards the real cost
litellm reports is charged. So the run stops *before* the budget, not one call after it.
Models missing from the price map (a local vLLM or Ollama) count as free.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)


def worst_case_cost(models: Sequence[str], messages: list[dict[str, str]], max_tokens: int) -> float:
    """The most one call of ``messages`` can cost on any of ``models`` (USD)."""
    import litellm

    worst = 0.0
    for model in models:
        try:
            prompt_tokens = litellm.token_counter(model=model, messages=messages)
            prompt_cost, answer_cost = litellm.cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=max_tokens
            )
        except Exception as exc:  # litellm raises several types for "no price known"
            log.debug("no price for %s (%s): counted as free", model, type(exc).__name__)
            continue
        worst = max(worst, prompt_cost + answer_cost)
    return worst


@dataclass
class Budget:
    """What a run may still spend; ``limit_usd <= 0`` allows nothing but cached answers."""

    limit_usd: float
    spent_usd: float = 0.0
    exhausted: bool = False

    def allows(self, worst_case_usd: float) -> bool:
        """True if a call costing at most ``worst_case_usd`` still fits; once refused, stays refused."""
        if self.exhausted or self.spent_usd + worst_case_usd > self.limit_usd or self.limit_usd <= 0:
            self.exhausted = True
            return False
        return True

    def charge(self, cost_usd: float) -> None:
        self.spent_usd += cost_usd
