"""`achievement-webhooks`: receives GitHub's webhook deliveries, so a merged PR is collected within a minute.

``POST /webhooks/github`` takes GitHub's ``pull_request`` (closed and merged, edited, labeled,
unlabeled) and ``pull_request_review`` (submitted, edited, dismissed) deliveries. Each is refused
unless ``X-Hub-Signature-256`` is the HMAC-SHA256 of its raw body under
``ACHIEVEMENT_GITHUB_WEBHOOK_SECRET``; a body larger than ``ACHIEVEMENT_WEBHOOK_MAX_BYTES`` is
refused from its ``Content-Length``, before a byte of it is read. An accepted delivery is stored
in the warehouse (``sources.github.deliveries``) and only then answered, with no GitHub request in
between, so the answer comes in milliseconds, far inside GitHub's 10 seconds. The ``github_webhooks``
sensor reads the stored deliveries and collects their merge days.

Answers: 202 stored; 200 for a delivery already stored (a redelivery, or the same signed body
again: idempotent, never stored twice), for ``ping`` and for events or actions the pipeline does
not use; 401 unsigned or mis-signed; 413 too large; 411 without a length; 400 malformed; 503 when
the warehouse does not answer (GitHub shows the delivery as failed; redeliver it, or let the
new-PR sensor's next poll find the change). Refusals are logged with the delivery's GUID, event
and reason, never its payload or its headers' values.

The standard library's ``ThreadingHTTPServer`` is enough and adds no dependency: a delivery's work
is one verified insert, a thread per connection serves a burst of hundreds, and the server waits
for requests in flight when it stops, so a delivery it took is stored and answered. TLS is the
ingress's job, as for every service in the deployment.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from achievement_pipeline.cli.preflight import check_settings, in_one_line, wait_for_stop, with_stop_signals_blocked
from achievement_pipeline.core import settings
from achievement_pipeline.sources.github.deliveries import DeliveryStore
from achievement_pipeline.sources.github.webhooks import (
    Ignored,
    MalformedDelivery,
    read_delivery,
    signature_matches,
)

log = logging.getLogger("achievement_pipeline.webhooks")

PATH = "/webhooks/github"
HEALTH_PATH = "/healthz"
SECRET_VARIABLE = "ACHIEVEMENT_GITHUB_WEBHOOK_SECRET"
READ_TIMEOUT_SECONDS = 10  # a client that has not sent its request by then is dropped (GitHub sends at once)
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # what a GUID or an event name may look like
# What GitHub (and whoever reads its delivery log) is told when the warehouse fails; the log says which and why.
_UNAVAILABLE = "not stored: the warehouse is unavailable; redeliver later"


class WebhookServer(ThreadingHTTPServer):
    """The receiver: a thread per connection, one store, one secret, one size limit."""

    request_queue_size = 1024  # a burst of deliveries waits in the listen backlog instead of being refused
    daemon_threads = False
    block_on_close = True  # server_close() waits for the requests in flight: each is stored, then answered

    def __init__(self, address: tuple[str, int], store: DeliveryStore, secret: str, max_bytes: int) -> None:
        if not secret:
            raise settings.SettingError(f"{SECRET_VARIABLE} is empty: the receiver cannot verify deliveries")
        self.store = store
        self.secret = secret
        self.max_bytes = max_bytes
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A failure inside a handler: its type and place, never the request (the default prints to stderr).
        log.exception("unexpected error answering %s", client_address[0] if client_address else "?")


def _token(value: str | None) -> str:
    """A header value fit for a log line: a GUID or an event name as sent, anything else replaced."""
    if not value:
        return "-"
    return value if _TOKEN.fullmatch(value) else "(malformed)"


class _Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    server_version = "achievement-webhooks"
    sys_version = ""
    timeout = READ_TIMEOUT_SECONDS

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        if urlsplit(self.path).path == HEALTH_PATH:
            self._answer(200, {"status": "ok"})
        elif urlsplit(self.path).path == PATH:
            self._answer(405, {"message": "GitHub delivers with POST"}, allow="POST")
        else:
            self._answer(404, {"message": "not found"})

    def do_POST(self) -> None:  # noqa: N802 - the base class's naming
        guid = self.headers.get("X-GitHub-Delivery")
        event = self.headers.get("X-GitHub-Event")
        if urlsplit(self.path).path != PATH:
            self._answer(404, {"message": f"not found: deliveries go to {PATH}"})
            return
        body = self._body(guid, event)
        if body is None:
            return
        signature = self.headers.get("X-Hub-Signature-256")
        if not signature_matches(self.server.secret, body, signature):
            reason = "signature does not match" if signature else "unsigned (no X-Hub-Signature-256)"
            self._refuse(401, guid, event, reason)
            return
        if event == "ping":
            self._answer(200, {"status": "pong"})
            return
        if not (guid and _TOKEN.fullmatch(guid) and event and _TOKEN.fullmatch(event)):
            self._refuse(400, guid, event, "X-GitHub-Delivery or X-GitHub-Event is missing or malformed")
            return
        try:
            found = read_delivery(guid, event, body, self.headers.get("Content-Type", "application/json"))
        except MalformedDelivery as exc:
            self._refuse(400, guid, event, f"malformed payload: {exc}")
            return
        if isinstance(found, Ignored):
            log.info("ignored delivery %s (%s): %s", guid, event, found.reason)
            self._answer(200, {"status": "ignored", "reason": found.reason})
            return
        try:
            seq = self.server.store.add(found)
        except settings.ServiceUnavailable as exc:  # its message names the setting and hides the password
            self._refuse(503, guid, event, f"not stored: {' '.join(str(exc).split())[:300]}", _UNAVAILABLE)
            return
        except sa.exc.SQLAlchemyError as exc:
            self._refuse(503, guid, event, f"not stored: the warehouse failed ({type(exc).__name__})", _UNAVAILABLE)
            return
        if seq is None:
            log.info("delivery %s (%s) already stored: answered, not stored again", guid, event)
            self._answer(200, {"status": "duplicate", "delivery": guid})
            return
        log.info(
            "stored delivery %s: %s %s of %s#%d, merged on %s (seq %d)",
            guid, event, found.action, found.repository, found.pr_number, found.merge_day, seq,
        )  # fmt: skip
        self._answer(202, {"status": "stored", "delivery": guid, "merge_day": found.merge_day, "seq": seq})

    def _body(self, guid: str | None, event: str | None) -> bytes | None:
        """The raw body, or None after refusing it: too large (unread), of unknown length, or cut short."""
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, guid, event, "a chunked body: a Content-Length is required")
            return None
        declared = self.headers.get("Content-Length", "")
        if not declared.isdigit():
            self._refuse(411, guid, event, "no valid Content-Length")
            return None
        length = int(declared)
        if length > self.server.max_bytes:
            limit = f"the {self.server.max_bytes}-byte limit (ACHIEVEMENT_WEBHOOK_MAX_BYTES)"
            self._refuse(413, guid, event, f"a body of {length} bytes is over {limit}, not read")
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = b""
        if len(body) < length:
            self._refuse(400, guid, event, f"body cut short ({len(body)} of {length} bytes)")
            return None
        return body

    def _refuse(self, status: int, guid: str | None, event: str | None, reason: str, answer: str = "") -> None:
        """Log why (GUID, event, sender's address, reason: never the payload) and answer ``answer`` or the reason."""
        log.warning(
            "refused delivery %s (event %s) from %s: %d %s",
            _token(guid), _token(event), self.client_address[0], status, reason,
        )  # fmt: skip
        self._answer(status, {"message": answer or reason})

    def _answer(self, status: int, body: dict[str, object], allow: str | None = None) -> None:
        encoded = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        if allow:
            self.send_header("Allow", allow)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(encoded)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        # The access log (request line and status) at debug level: never headers or bodies.
        log.debug("%s " + format, self.client_address[0], *args)


def serve_webhooks(
    store: DeliveryStore, secret: str, host: str = "127.0.0.1", port: int = 0, max_bytes: int | None = None
) -> WebhookServer:
    """Start receiving in a background thread; ``shutdown()`` then ``server_close()`` stops it (in-flight finish)."""
    limit = int(max_bytes if max_bytes is not None else settings.number("ACHIEVEMENT_WEBHOOK_MAX_BYTES"))
    server = WebhookServer((host, port), store, secret, limit)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return server


def stop(server: WebhookServer) -> None:
    """Stop taking connections, then wait for the deliveries in flight to be stored and answered."""
    server.shutdown()
    server.server_close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-webhooks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, default=int(settings.number("ACHIEVEMENT_WEBHOOK_PORT")), help="listen port"
    )
    parser.add_argument(
        "--address",
        default=settings.text("ACHIEVEMENT_WEBHOOK_ADDRESS"),
        help="listen address (default 127.0.0.1, loopback; 0.0.0.0 behind an ingress or a tunnel)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; a missing secret or an unreachable warehouse ends in one line (status 2)."""
    return in_one_line("achievement-webhooks", lambda: with_stop_signals_blocked(lambda: _serve(argv)))


def _serve(argv: Sequence[str] | None) -> int:
    from achievement_pipeline.core.warehouse import create_engine
    from achievement_pipeline.resources.warehouse import WarehouseResource

    check_settings()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    secret = settings.text(SECRET_VARIABLE)
    if not secret:
        raise settings.SettingError(
            f"{SECRET_VARIABLE} is not set: choose a long random secret (python -c 'import secrets; "
            "print(secrets.token_hex(32))'), set it here and enter the same in the webhook's settings on GitHub"
        )
    url = WarehouseResource(url=settings.text("ACHIEVEMENT_WAREHOUSE_URL")).resolved_url()
    # The table is created now, so an unreachable warehouse is said before the port opens.
    store = DeliveryStore(create_engine(url))
    server = serve_webhooks(store, secret, args.address, args.port)
    log.info("receiving GitHub webhooks on http://%s:%d%s", args.address, server.server_port, PATH)
    wait_for_stop()
    log.info("stopping: finishing the deliveries in flight")
    stop(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
