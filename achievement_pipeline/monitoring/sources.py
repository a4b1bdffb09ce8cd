"""One scrape over several sources, each failing on its own.

A scrape that fails as a whole tells the operator nothing but "down". Here a source that
raises (database unreachable, MLflow server gone) yields no families of its own and reports
``achievement_exporter_source_up{source} 0``; the others are still exported. The error is
logged by type with its text redacted: connection errors quote URLs, and URLs carry passwords.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from achievement_pipeline.core.redaction import redact

log = logging.getLogger(__name__)


class Source(Protocol):
    name: str

    def collect(self) -> list[Metric]: ...


class GuardedCollector(Collector):
    """A prometheus_client collector over sources; scrapes are serialised (sources keep state)."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self._lock = threading.Lock()

    def describe(self) -> list[Metric]:
        return []  # families depend on the data: never collect at registration time

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "achievement_exporter_source_up", "1 when the source answered this scrape.", labels=["source"]
        )
        took = GaugeMetricFamily(
            "achievement_exporter_source_duration_seconds", "Time to read the source.", labels=["source"]
        )
        with self._lock:
            for source in self.sources:
                started = time.perf_counter()
                try:
                    families = source.collect()
                except Exception as exc:  # one source down must not fail the scrape
                    log.warning("metrics source %s failed: %s: %s", source.name, type(exc).__name__, redact(str(exc)))
                    families, ok = [], False
                else:
                    ok = True
                up.add_metric([source.name], 1.0 if ok else 0.0)
                took.add_metric([source.name], time.perf_counter() - started)
                yield from families
        yield up
        yield took
