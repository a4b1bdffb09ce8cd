"""Serves the local export folder over HTTP, so the Dagster UI's links open the portfolio.

Browsers refuse file:// links from an http:// page, and the Dagster webserver serves only
its own UI; the standard library's file server, bound to loopback and read-only, is enough.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from achievement_pipeline.core.settings import EXPORT_SERVER_HOST, EXPORT_SERVER_PORT


class _ExportHandler(SimpleHTTPRequestHandler):
    """GET and HEAD only (the base class has no write methods); no request log on stderr."""

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")  # a re-run replaces the files in place
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def serve_exports(root: Path, host: str = EXPORT_SERVER_HOST, port: int = EXPORT_SERVER_PORT) -> ThreadingHTTPServer:
    """Start serving ``root`` in a daemon thread; call ``shutdown()`` on the result to stop."""
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), functools.partial(_ExportHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, name="export-server", daemon=True).start()
    return server
