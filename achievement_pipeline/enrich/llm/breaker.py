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

PRs are written concurrently, so "in a row" is the order in which the answers and failures come
*back*: a success that completes between two failures starts the count again, whichever request
was sent first, and the counters are changed under a lock. A provider that has not answered yet
in this run, or has failed since it last answered, is *on trial*: one PR at a time may ask it (its
gate, an ``asyncio.Lock``), so a provider that hangs or is down costs one PR's attempts, not one
per concurrent slot, and the breaker opens after ``threshold`` requests as it did one PR at a time.
Once it answers, every slot may ask it at once. A provider behind an answering one in the fallback
chain needs no gate: it is asked only if the one before it fails.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
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
    _proven: set[str] = field(default_factory=set)  # answered, and not failed since
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _gates: dict[str, asyncio.Lock] = field(default_factory=dict, repr=False)
    _gates_loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)

    def available(self, providers: Iterable[str]) -> list[str]:
        """``providers`` without the skipped ones, in order."""
        with self._lock:
            return [p for p in providers if p not in self.opened]

    def failed(self, provider: str, error: str) -> None:
        """``provider`` failed on one PR (after litellm's retries), with ``error``."""
        with self._lock:
            self._proven.discard(provider)
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
        """``provider`` answered: its count starts again, and it is no longer on trial."""
        with self._lock:
            self._failures.pop(provider, None)
            self._first_error.pop(provider, None)
            self._proven.add(provider)

    def on_trial(self, chain: Sequence[str]) -> list[str]:
        """The providers of ``chain`` a PR may reach that have not shown they answer: those before one that has."""
        with self._lock:
            trial = []
            for provider in chain:
                if provider in self._proven:
                    break
                trial.append(provider)
            return trial

    async def gates(self, providers: Iterable[str]) -> list[asyncio.Lock]:
        """Wait for the gates of ``providers`` (on trial) and hold them; the caller releases them.

        Taken in sorted order, so two PRs waiting for overlapping sets never hold one each.
        """
        loop = asyncio.get_running_loop()
        if self._gates_loop is not loop:  # an asyncio.Lock belongs to one event loop
            self._gates, self._gates_loop = {}, loop
        held = []
        try:
            for provider in sorted(set(providers)):
                gate = self._gates.setdefault(provider, asyncio.Lock())
                await gate.acquire()
                held.append(gate)
        except BaseException:
            release(held)
            raise
        return held


def release(gates: list[asyncio.Lock]) -> None:
    """Give back gates taken by :meth:`ProviderBreaker.gates`."""
    for gate in reversed(gates):
        gate.release()
