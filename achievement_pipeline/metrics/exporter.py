"""``achievement-metrics``: a Prometheus endpoint for the pipeline, configured like the pipeline.

It reads the Dagster instance of ``DAGSTER_HOME`` (``deploy/dagster.yaml`` in production, so
``DAGSTER_PG_URL``), the warehouse of ``ACHIEVEMENT_WAREHOUSE_URL`` and the MLflow registry of
``MLFLOW_TRACKING_URI``, each unset variable keeping the pipeline's embedded default. It needs
no secret of its own and prints none: only variable names appear in its output.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server

from achievement_pipeline.metrics.sources import GuardedCollector, Source

if TYPE_CHECKING:  # pragma: no cover - typing only
    from dagster import DagsterInstance

SOURCES = ("runs", "events", "warehouse", "models")
DEFAULT_PORT = 9464
log = logging.getLogger("achievement_pipeline.metrics")


def build_sources(names: Sequence[str], instance: DagsterInstance | None = None) -> list[Source]:
    """The named sources, configured from the environment (and ``instance`` when given)."""
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown metrics source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}")
    sources: list[Source] = []
    if {"runs", "events"} & set(names) and instance is None:
        from dagster import DagsterInstance

        instance = DagsterInstance.get()
    for name in names:
        if name == "runs":
            from achievement_pipeline.metrics.runs import RunsSource

            sources.append(RunsSource(instance))  # type: ignore[arg-type]
        elif name == "events":
            from achievement_pipeline.metrics.events import EventsSource

            sources.append(EventsSource(instance))  # type: ignore[arg-type]
        elif name == "warehouse":
            from achievement_pipeline.metrics.warehouse import WarehouseSource
            from achievement_pipeline.resources.warehouse import WarehouseResource

            url = WarehouseResource(url=os.environ.get("ACHIEVEMENT_WAREHOUSE_URL", "")).resolved_url()
            sources.append(WarehouseSource(url))
        elif name == "models":
            from achievement_pipeline.metrics.models import ModelsSource
            from achievement_pipeline.resources.mlflow import MlflowResource

            mlflow = MlflowResource(
                tracking_uri=os.environ.get("MLFLOW_TRACKING_URI", ""),
                registry_uri=os.environ.get("MLFLOW_REGISTRY_URI", ""),
            )
            ttl = float(os.environ.get("ACHIEVEMENT_METRICS_MODELS_TTL", "300"))
            sources.append(ModelsSource(mlflow.resolved_tracking_uri(), mlflow.resolved_registry_uri(), ttl))
    return sources


def build_registry(sources: Sequence[Source]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GuardedCollector(sources))
    return registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-metrics", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("ACHIEVEMENT_METRICS_PORT", DEFAULT_PORT)), help="listen port"
    )
    parser.add_argument(
        "--address", default=os.environ.get("ACHIEVEMENT_METRICS_ADDRESS", "0.0.0.0"), help="listen address"
    )
    parser.add_argument(
        "--sources",
        default=os.environ.get("ACHIEVEMENT_METRICS_SOURCES", ",".join(SOURCES)),
        help=f"comma-separated subset of {','.join(SOURCES)}",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    names = [n.strip() for n in args.sources.split(",") if n.strip()]
    try:
        sources = build_sources(names)
    except ValueError as exc:
        raise SystemExit(f"achievement-metrics: {exc} (ACHIEVEMENT_METRICS_SOURCES / --sources)") from None
    registry = build_registry(sources)
    # First read before listening: the first scrape then finds warm caches and imports.
    list(registry.collect())
    server, _ = start_http_server(args.port, addr=args.address, registry=registry)
    log.info("serving %s on http://%s:%d/metrics", ",".join(names), args.address, server.server_port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
