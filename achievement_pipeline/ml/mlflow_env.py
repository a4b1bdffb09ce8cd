"""Scoped MLflow process state: URIs, logging, warnings and environment switches, set and restored.

MLflow state is process-global (tracking and registry URI). Every public function of this
package sets the URIs the caller passes only for the duration of the call and restores the
previous values, under a lock, so the embedded store never leaks into other code and nothing
falls back to a default (or remote) server. The same goes for the environment switches a call
needs (pickle deserialisation on load, telemetry off).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from achievement_pipeline.core import settings

_MLFLOW_LOCK = threading.RLock()
_QUIET_LOGGERS = ("mlflow", "alembic", "skops")


def _store_lock(tracking_uri: str) -> contextlib.AbstractContextManager[Any]:
    """An inter-process lock for the embedded SQLite store.

    Two runs starting together on a fresh home would both create MLflow's tables and one
    fails (seen with the new-PR sensor launching two runs at once). A server-backed store
    handles concurrency itself, so only sqlite URIs are locked.
    """
    if not tracking_uri.startswith("sqlite:///"):
        return contextlib.nullcontext()
    from filelock import FileLock

    return FileLock(tracking_uri.removeprefix("sqlite:///") + ".lock", timeout=600)


@contextlib.contextmanager
def mlflow_session(tracking_uri: str, registry_uri: str | None) -> Iterator[Any]:
    """Import mlflow and point it at the caller's store for one block, restoring everything after.

    Restores the fluent tracking/registry URIs *and* the ``MLFLOW_TRACKING_URI`` /
    ``MLFLOW_REGISTRY_URI`` environment variables (``mlflow.set_tracking_uri`` writes the
    former), quiets MLflow's INFO chatter and warnings, and turns telemetry off: this pipeline
    must never talk to the network on its own.
    """
    # Real switch (mlflow/telemetry/utils.py reads it at import and on every event); an explicit
    # operator setting is left alone. DO_NOT_TRACK is not set: it would reach other libraries.
    settings.offline_default("MLFLOW_DISABLE_TELEMETRY")
    with _MLFLOW_LOCK, _store_lock(tracking_uri), warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"mlflow(\.|$)")
        warnings.filterwarnings("ignore", module=r"skops(\.|$)")
        import mlflow
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
        old_tracking = getattr(tracking_utils, "_tracking_uri", None)
        old_registry = getattr(registry_utils, "_registry_uri", None)
        # set_tracking_uri writes the variables too: they are put back after the URIs below.
        with settings.restored("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            try:
                for name in _QUIET_LOGGERS:
                    logging.getLogger(name).setLevel(logging.WARNING)
                mlflow.set_tracking_uri(tracking_uri)
                mlflow.set_registry_uri(registry_uri or tracking_uri)
                yield mlflow
            finally:
                mlflow.set_tracking_uri(old_tracking)
                mlflow.set_registry_uri(old_registry)
                for name, level in levels.items():
                    logging.getLogger(name).setLevel(level)
