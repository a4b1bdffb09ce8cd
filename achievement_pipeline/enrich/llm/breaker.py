"""A run-scoped circuit breaker: a provider that keeps failing is skipped for the rest of the run.

litellm's Router already retries a failing deployment, cools it down after ``allowed_fails``
and falls over to the next model group. What it lacks for a long run: its cool-down ends
after ``cooldown_time`` and the provider is probed again (a provider that hangs then costs
``timeout`` × attempts per probe, all run long); it never cools down on a refused connection;
and the same model in the cheap and the strong tier is two deployments, each failing on its own.

The breaker counts, per provider (litellm model name, whatever the tier), the PRs in a row
on which it was asked and failed (a PR that skipped it while it cooled down counts neither way,
so two passing errors within a cool-down do not end its run). After ``threshold`` of them it
opens and stays open until the run ends: the writer leaves the provider out of the fallback
chain, so the next provider or the offline summary answers at once. A provider that answers
(even with invalid output) starts the count again. One breaker serves one run, so the next run
asks a recovered provider again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CIRCUIT_OPEN = "circuit open"  # the fallback reason of a PR whose every provider the breaker skips
COOLED_DOWN = "cooled down"  # ... whose every provider litellm cools down (or some skipped, the rest cooling)


@dataclass
class ProviderBreaker:
    """Consecutive failures per provider in one run; ``opened`` holds the skipped ones and their first error."""

    threshold: int = 3
    opened: dict[str, str] = field(default_factory=dict)  # provider -> the error that began its failures
    _failures: Counter[str] = field(default_factory=Counter)
    _first_error: dict[str, str] = field(default_factory=dict)

    def available(self, providers: Iterable[str]) -> list[str]:
        """``providers`` without the skipped ones, in order."""
        return [p for p in providers if p not in self.opened]

    def failed(self, provider: str, error: str) -> None:
        """``provider`` failed on one PR (after litellm's retries), with ``error``."""
        if provider in self.opened:
            return
        self._failures[provider] += 1
        first = self._first_error.setdefault(provider, error)  # the error that began the run of failures
        if self._failures[provider] >= self.threshold:
            self.opened[provider] = first
            log.warning(
                "LLM provider %s failed on %d PRs in a row (%s first): skipped for the rest of this run",
                provider,
                self._failures[provider],
                first,
            )

    def succeeded(self, provider: str) -> None:
        """``provider`` answered: its count starts again."""
        self._failures.pop(provider, None)
        self._first_error.pop(provider, None)
