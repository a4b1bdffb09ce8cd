"""What the console scripts share: check the configuration first, report a mistake in one line, stop on SIGTERM.

A person who mistyped a date or pointed a URL at the wrong port needs the setting's name and what
to do, not a traceback through Dagster and SQLAlchemy. So each command validates every setting
and asks every configured service (warehouse, Redis, MLflow, S3) for one answer before it starts,
and any mistake found then, or in a run, ends the command with ``<command>: <message>`` on
stderr and exit status 2. Services left at their embedded defaults need no check (the SQLite
warehouse is created on the spot).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from achievement_pipeline.core import settings

if TYPE_CHECKING:
    from dagster import DagsterInstance

EXIT_CONFIGURATION = 2  # as argparse exits for a bad command line
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


class RunFailed(RuntimeError):
    """A run the command launched failed: the message is the failed step's own description."""


def check_settings() -> None:
    """Every numeric and date setting well-formed, or a SettingError naming the first that is not."""
    settings.validate()


def check_services() -> None:
    """Every configured service answers once, or the error naming its variable (ServiceUnavailable/SettingError)."""
    from achievement_pipeline.resources.cache import CacheResource
    from achievement_pipeline.resources.mlflow import MlflowResource
    from achievement_pipeline.resources.storage import ObjectStoreResource
    from achievement_pipeline.resources.warehouse import WarehouseResource

    WarehouseResource(url=settings.text("ACHIEVEMENT_WAREHOUSE_URL")).check_reachable()
    CacheResource(redis_url=settings.text("ACHIEVEMENT_REDIS_URL")).check_reachable()
    MlflowResource(
        tracking_uri=settings.text("MLFLOW_TRACKING_URI"), registry_uri=settings.text("MLFLOW_REGISTRY_URI")
    ).check_reachable()
    ObjectStoreResource(
        bucket=settings.text("ACHIEVEMENT_S3_BUCKET"),
        endpoint_url=settings.text("ACHIEVEMENT_S3_ENDPOINT_URL"),
        region_name=settings.text("AWS_REGION"),
    ).check_reachable()


def open_instance() -> DagsterInstance:
    """The Dagster instance of DAGSTER_HOME, or ServiceUnavailable naming what configures it.

    Its storage is Dagster's to open (dagster-postgres retries, then raises its own error), so any
    failure here is reported as the instance's, with the two settings that decide it.
    """
    from dagster import DagsterInstance

    home = settings.dagster_home()
    try:
        return DagsterInstance.get()
    except Exception as exc:  # noqa: BLE001 - whatever the storage raised, the fix is in these settings
        why = next(iter(str(exc).strip().splitlines()), "")
        raise settings.ServiceUnavailable(
            f"the Dagster instance in DAGSTER_HOME={home} could not be opened ({type(exc).__name__}: {why}): check "
            "its dagster.yaml and, for a PostgreSQL instance (deploy/dagster.yaml), that DAGSTER_PG_URL reaches "
            "the database"
        ) from exc


def in_one_line(program: str, main: Callable[[], int]) -> int:
    """Run ``main``; a configuration mistake or a failed run becomes one line on stderr and exit status 2."""
    try:
        return main()
    except (settings.SettingError, settings.ServiceUnavailable, RunFailed) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message's own line breaks
        print(f"{program}: {message}", file=sys.stderr)
        return EXIT_CONFIGURATION


def with_stop_signals_blocked(serve: Callable[[], int]) -> int:
    """Run a server's ``serve`` with SIGTERM and SIGINT blocked; ``serve`` takes them with :func:`wait_for_stop`.

    They are blocked before any thread starts (threads inherit the mask) and taken with sigwait at the end.
    A Python handler runs only when the main thread next runs bytecode, so one that arrived in an HTTP
    server's thread while the main thread slept would never stop the server.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        return serve()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def wait_for_stop() -> None:
    """Sleep until SIGTERM or SIGINT (blocked by :func:`with_stop_signals_blocked`)."""
    signal.sigwait(STOP_SIGNALS)
