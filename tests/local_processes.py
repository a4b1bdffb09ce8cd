"""What tests that start servers on loopback share: a free port, and an environment without our settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment_without_settings() -> dict[str, str]:
    """This process's environment minus every GitHub, pipeline and MLflow setting: the embedded defaults apply."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACHIEVEMENT_", "MLFLOW_"))}


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 in server mode on a loopback port: boto3 talks real HTTP to it. Yields the endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def uvicorn_serving(app: object) -> Iterator[str]:
    """An ASGI ``app`` under uvicorn on a free loopback port, in a thread of this process; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, name="uvicorn-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def answers(url: str) -> bool:
    """Whether an HTTP GET of ``url`` is answered with 200 now (a server still starting is not)."""
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
