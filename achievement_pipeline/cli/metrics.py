"""`achievement-metrics`: a Prometheus endpoint for the pipeline, configured like the pipeline.

It reads the Dagster instance of ``DAGSTER_HOME`` (``deploy/dagster.yaml`` in production, so
``DAGSTER_PG_URL``), the warehouse of ``ACHIEVEMENT_WAREHOUSE_URL`` and the MLflow registry of
``MLFLOW_TRACKING_URI``, each unset variable keeping the pipeline's embedded default. It needs
no secret of its own and prints none: only variable names appear in its output.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from prometheus_client import start_http_server

from achievement_pipeline.cli.preflight import (
    check_settings,
    in_one_line,
    open_instance,
    wait_for_stop,
    with_stop_signals_blocked,
)
from achievement_pipeline.core import settings
from achievement_pipeline.core.warehouse import create_engine
from achievement_pipeline.monitoring.exporter import SOURCES, build_registry, build_sources

log = logging.getLogger("achievement_pipeline.metrics")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-metrics", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, default=int(settings.number("ACHIEVEMENT_METRICS_PORT")), help="listen port"
    )
    parser.add_argument(
        "--address",
        default=settings.text("ACHIEVEMENT_METRICS_ADDRESS"),
        help="listen address (default 127.0.0.1, loopback; 0.0.0.0 where Prometheus scrapes from elsewhere)",
    )
    parser.add_argument(
        "--sources",
        default=settings.text("ACHIEVEMENT_METRICS_SOURCES") or ",".join(SOURCES),
        help=f"comma-separated subset of {','.join(SOURCES)}",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until stopped; a malformed setting ends in one line on stderr (exit status 2).

    A source that does not answer (a database down, MLflow gone) does not stop the exporter: it is
    logged in one line naming its setting and reported as ``achievement_exporter_source_up 0``, so
    the outage is what the alerts see, and the exporter outlives it.
    """
    return in_one_line("achievement-metrics", lambda: _serve(argv))


def _serve(argv: Sequence[str] | None) -> int:
    return with_stop_signals_blocked(lambda: _serve_until_stopped(argv))


def _serve_until_stopped(argv: Sequence[str] | None) -> int:
    check_settings()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    names = [n.strip() for n in args.sources.split(",") if n.strip()]
    # The instance is opened here, so its failure is reported in one line (unknown names are refused first).
    needs_instance = bool({"runs", "events"} & set(names)) and set(names) <= set(SOURCES)
    try:
        sources = build_sources(names, open_instance() if needs_instance else None)
    except ValueError as exc:
        raise SystemExit(f"achievement-metrics: {exc} (ACHIEVEMENT_METRICS_SOURCES / --sources)") from None
    if "warehouse" in names:  # a URL that cannot work is a malformed setting: said now, not at every scrape
        create_engine(settings.text("ACHIEVEMENT_WAREHOUSE_URL") or "sqlite://").dispose()
    registry = build_registry(sources)
    # First read before listening: the first scrape then finds warm caches and imports.
    list(registry.collect())
    server, _ = start_http_server(args.port, addr=args.address, registry=registry)
    log.info("serving %s on http://%s:%d/metrics", ",".join(names), args.address, server.server_port)
    wait_for_stop()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
