"""Switchable faults for the fake GitHub: what GitHub does to a collector on a bad day.

A test injects ``Fault``s into a running server and the next matching requests are
answered the way GitHub answers them when things go wrong: the primary rate limit
exhausted until a reset time, a secondary limit with ``Retry-After``, 502s (also only for
queries heavier than a node count, like GitHub timing out on big pages), connections
dropped before or in the middle of an answer, slow answers. Counting is deterministic,
so a test can say "every third GraphQL request fails, four times" and get exactly that.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("primary_rate_limit", "secondary_rate_limit", "server_error", "drop_connection", "slow")
TARGETS = ("any", "graphql", "rest", "search")


@dataclass
class Fault:
    """One kind of failure, for the requests it matches.

    ``target`` is "graphql", "rest" (every REST request, search included), "search" (REST
    search only) or "any". Of the matching requests, the first ``skip`` pass untouched,
    then every ``every``-th one fails, ``times`` times in all (``None``: until cleared).
    """

    kind: str
    target: str = "any"
    times: int | None = 1
    every: int = 1
    skip: int = 0
    min_nodes: int | None = None  # GraphQL only: just queries asking for at least this many nodes
    status: int = 502  # server_error
    retry_after: int = 1  # secondary_rate_limit, seconds
    reset_in: float = 1.0  # primary_rate_limit: seconds until X-RateLimit-Reset
    delay: float = 0.0  # slow, seconds
    mid_body: bool = True  # drop_connection: after the headers and half the body, else before answering
    graphql_200: bool = False  # primary_rate_limit on GraphQL: 200 + a RATE_LIMITED error, GitHub's other way
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown fault target {self.target!r}; known: {', '.join(TARGETS)}")
        if self.every < 1:
            raise ValueError("every must be at least 1")

    def matches(self, kind: str, nodes: int | None) -> bool:
        if self.target not in ("any", kind) and not (self.target == "rest" and kind == "search"):
            return False
        return self.min_nodes is None or (nodes is not None and nodes >= self.min_nodes)

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultPlan:
    """The faults a server currently injects, first match wins; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: Counter[str] = Counter()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.fired.clear()

    def pick(self, kind: str, nodes: int | None = None) -> Fault | None:
        """The fault for this request, if any; counts the request against every matching fault."""
        with self._lock:
            chosen: Fault | None = None
            for fault in self._faults:
                if fault.exhausted() or not fault.matches(kind, nodes):
                    continue
                fault.seen += 1
                due = fault.seen > fault.skip and (fault.seen - fault.skip - 1) % fault.every == 0
                if chosen is None and due:
                    fault.fired += 1
                    self.fired[fault.kind] += 1
                    chosen = fault
            return chosen
