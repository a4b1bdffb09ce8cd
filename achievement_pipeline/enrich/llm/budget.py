"""A per-run spending limit in USD that is never overshot, however many calls are in flight.

Before each provider call the worst case is priced: the prompt's tokens plus the answer
cap (``max_tokens``), at the dearest model the call could fail over to, from litellm's
price map. The call is made only if that worst case still fits next to what is already
spent *and* what the calls still in flight have reserved; the worst case is then held as
a reservation until the answer comes back, when it is settled at the real cost litellm
reports (or released, if no answer came). So concurrent calls can never together push
spending past the budget, and the run stops *before* the budget, not one call after it.
Models missing from the price map (a local vLLM or Ollama) count as free.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

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
    """What a run may still spend; ``limit_usd <= 0`` allows nothing but cached answers.

    ``spent_usd`` is settled cost, ``reserved_usd`` the worst cases of the calls in flight;
    their sum never exceeds ``limit_usd``. The lock makes each check-and-reserve one step, so
    the guarantee holds whichever thread or task asks.
    """

    limit_usd: float
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    exhausted: bool = False
    _in_flight: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def reserve(self, worst_case_usd: float) -> Reservation | None:
        """Hold ``worst_case_usd`` for one call if it still fits, else None; once refused, stays refused.

        Refused means the run is done spending, as it was one PR at a time: a PR asked after a
        refusal does not take the money that calls still in flight free when they settle below
        their worst case, so the PRs answered offline are the ones after the budget ran out.
        """
        with self._lock:
            if (
                self.exhausted
                or self.limit_usd <= 0
                or self.spent_usd + self.reserved_usd + worst_case_usd > self.limit_usd
            ):
                self.exhausted = True
                return None
            self.reserved_usd += worst_case_usd
            self._in_flight += 1
            return Reservation(worst_case_usd)

    def settle(self, reservation: Reservation, cost_usd: float) -> None:
        """The call came back costing ``cost_usd`` (0 for a cached answer): charge it, free the rest."""
        with self._lock:
            if reservation.settled:
                return
            reservation.settled = True
            self._in_flight -= 1
            # With nothing in flight nothing is reserved: no float residue of the additions is left over.
            self.reserved_usd = max(0.0, self.reserved_usd - reservation.worst_case_usd) if self._in_flight else 0.0
            self.spent_usd += cost_usd

    def release(self, reservation: Reservation) -> None:
        """The call brought no answer (every provider failed): nothing is charged."""
        self.settle(reservation, 0.0)


@dataclass
class Reservation:
    """The worst case one call in flight holds against the budget until it is settled."""

    worst_case_usd: float
    settled: bool = False
