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
