"""Requests per minute to the providers: every request litellm sends waits its turn, evenly spaced.

litellm's own limits refuse instead of waiting. A deployment's ``max_parallel_requests`` (or the
``rpm``/``tpm`` it is derived from) answers a request over the limit with a 429 at once, and
usage-based routing raises a RateLimitError past a deployment's ``rpm`` for the current minute.
Either failure would be retried, cool the provider down and count against the circuit breaker,
when all a batch run needs is to wait. So the writer paces requests itself: with ``rpm`` set, one
request starts every ``60 / rpm`` seconds at most, so no minute ever holds more than ``rpm`` of
them (and no second more than its share, which is how providers enforce a per-minute quota).

The pacing happens in litellm's routing pre-call check, the ``async_pre_call_check`` each
``CustomLogger`` in ``litellm.callbacks`` runs before every attempt the Router makes: retries and
fail-overs wait their turn too, and only requests that really leave for a provider are counted
(the writer reads the cache before it asks a provider). ``litellm.callbacks`` is process-wide, so
the one check registered here finds the pacer of the writer that made the call through a context
variable, which each PR's task sets around its provider call.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_CURRENT: ContextVar[RequestPacer | None] = ContextVar("achievement_llm_pacer", default=None)


class RequestPacer:
    """Spaces the starts of requests ``60 / rpm`` seconds apart; ``rpm <= 0`` means no limit."""

    def __init__(self, rpm: float) -> None:
        self.interval = 60.0 / rpm if rpm > 0 else 0.0
        self._next = 0.0  # time.monotonic() at which the next request may start
        self._lock = threading.Lock()

    async def turn(self) -> None:
        """Wait until this request may start (its slot is booked before the wait: first come, first served)."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


@contextlib.contextmanager
def pacing(pacer: RequestPacer) -> Iterator[None]:
    """Requests sent by litellm in this block (this task and the tasks it starts) wait for ``pacer``."""
    token = _CURRENT.set(pacer)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def register() -> None:
    """Add the pacing check to ``litellm.callbacks`` (once per process, again if someone cleared the list)."""
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    class PaceCheck(CustomLogger):
        """Waits for the calling writer's pacer before each attempt; a call outside :func:`pacing` passes."""

        async def async_pre_call_check(self, deployment: dict[str, Any], parent_otel_span: Any = None) -> None:
            pacer = _CURRENT.get()
            if pacer is not None:
                await pacer.turn()

    check = _REGISTERED.get("check") or _REGISTERED.setdefault("check", PaceCheck())
    if check not in litellm.callbacks:
        litellm.callbacks.append(check)


_REGISTERED: dict[str, Any] = {}  # the one PaceCheck of this process
