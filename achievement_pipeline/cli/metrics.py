"""`achievement-metrics`: a Prometheus endpoint for the pipeline, configured like the pipeline.

It reads the Dagster instance of ``DAGSTER_HOME`` (``deploy/dagster.yaml`` in production, so
``DAGSTER_PG_URL``), the warehouse of ``ACHIEVEMENT_WAREHOUSE_URL`` and the MLflow registry of
``MLFLOW_TRACKING_URI``, each unset variable keeping the pipeline's embedded default. It needs
no secret of its own and prints none: only variable names appear in its output.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence

from prometheus_client import start_http_server

from achievement_pipeline.core import settings
from achievement_pipeline.monitoring.exporter import SOURCES, build_registry, build_sources

log = logging.getLogger("achievement_pipeline.metrics")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-metrics", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, default=int(settings.number("ACHIEVEMENT_METRICS_PORT")), help="listen port"
    )
    parser.add_argument("--address", default=settings.text("ACHIEVEMENT_METRICS_ADDRESS"), help="listen address")
    parser.add_argument(
        "--sources",
        default=settings.text("ACHIEVEMENT_METRICS_SOURCES") or ",".join(SOURCES),
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
