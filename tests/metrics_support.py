"""Read what a metrics ledger exposes, through the real Prometheus text format."""

from __future__ import annotations

from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families


class Ledger(Protocol):
    def families(self) -> Any: ...


def samples(ledger: Ledger) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every exposed sample, keyed by name and sorted labels."""

    class _Collector:
        def collect(self) -> Any:
            return ledger.families()

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
