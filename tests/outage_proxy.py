"""A TCP proxy in front of a real server that can go dark: the network cut the tests need, without root.

Clients connect to the proxy's loopback port; it relays bytes to the real server (PostgreSQL
here). While dark it cuts every live connection and closes each new one as soon as it is
accepted, which is what a client sees when a database restarts or a network path fails; the
server itself is never touched. Going dark can be armed on a marker in what a client sends
(``b"DELETE FROM enriched_prs"``), so the cut lands at an exact point of a run.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class OutageProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._dark_until = 0.0
        self._armed: tuple[bytes, float] | None = None
        self._stopped = threading.Event()
        self.cuts = 0  # how many times the proxy went dark
        self.refused = 0  # connections closed on arrival while dark

    def __enter__(self) -> OutageProxy:
        threading.Thread(target=self._accept, name="outage-proxy", daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopped.set()
        self._listener.close()
        self._cut_all()

    def go_dark(self, seconds: float) -> None:
        """Cut every connection now and refuse new ones for ``seconds``."""
        with self._lock:
            self._dark_until = time.monotonic() + seconds
            self.cuts += 1
        self._cut_all()

    def go_dark_on(self, marker: bytes, seconds: float) -> None:
        """Go dark for ``seconds`` when a client next sends ``marker`` (which then never reaches the server)."""
        with self._lock:
            self._armed = (marker, seconds)

    def light(self) -> None:
        """End an outage now."""
        with self._lock:
            self._dark_until = 0.0

    @property
    def dark(self) -> bool:
        return time.monotonic() < self._dark_until

    def _cut_all(self) -> None:
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _close(sock)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.dark:
                self.refused += 1
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._live |= {client, server}
            threading.Thread(target=self._relay, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, False), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self._trips(data):
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)

    def _trips(self, data: bytes) -> bool:
        with self._lock:
            armed = self._armed
            if armed is None or armed[0] not in data:
                return False
            self._armed = None
        self.go_dark(armed[1])
        return True


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
