"""Where the embedded defaults live, and the environment variables that switch them to production.

The code location reads these once at load time. Only names of secrets' environment
variables ever reach Dagster config (through ``EnvVar``); their values never do.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

DEFAULT_START_DATE = "2025-01-01"


def home() -> Path:
    """The folder for every embedded default (SQLite warehouse, cache, MLflow store, exports)."""
    return Path(os.environ.get("ACHIEVEMENT_HOME", ".achievement")).expanduser().resolve()


def start_date() -> str:
    """First day of the daily partitions (ACHIEVEMENT_START_DATE, YYYY-MM-DD)."""
    raw = os.environ.get("ACHIEVEMENT_START_DATE", DEFAULT_START_DATE)
    try:
        date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(
            f"ACHIEVEMENT_START_DATE={raw!r} is not a date: use YYYY-MM-DD, for example 2025-01-01"
        ) from exc
    return raw


# The local export server `make ui` runs beside the Dagster UI, so the UI's export links open.
EXPORT_SERVER_HOST = "127.0.0.1"
EXPORT_SERVER_PORT = 3001


def export_server_url(host: str = EXPORT_SERVER_HOST, port: int = EXPORT_SERVER_PORT) -> str:
    return f"http://{host}:{port}"


def env_list(name: str) -> list[str]:
    """A comma-separated environment variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
