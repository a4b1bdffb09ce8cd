"""Serves the local export folder over HTTP, so the Dagster UI's links open the portfolio.

Browsers refuse file:// links from an http:// page, and the Dagster webserver serves only
its own UI; the standard library's file server, bound to loopback and read-only, is enough.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001


class _ExportHandler(SimpleHTTPRequestHandler):
    """GET and HEAD only (the base class has no write methods); no request log on stderr."""

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")  # a re-run replaces the files in place
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def serve_exports(root: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """Start serving ``root`` in a daemon thread; call ``shutdown()`` on the result to stop."""
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), functools.partial(_ExportHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, name="export-server", daemon=True).start()
    return server
