"""How a stage step fails: an outage is retried with backoff; anything else fails at once, in one line.

Every stage asset, and every check that reads the warehouse, carries :data:`STAGE_RETRY` and is
wrapped in :func:`fails_clearly`. Running a step again is safe, because a partition's run
replaces its rows in one transaction; but only an outage (a service that did not answer:
``ServiceUnavailable``, e.g. the warehouse restarting) can pass by itself. A wrong login, a
malformed window or a bug would fail the same way again, so those fail at once
(``Failure(allow_retries=False)``) instead of spending the retries' waits.

Either way the step ends in a ``dagster.Failure`` whose description is the project's message (for
an outage: the service, the setting that names it and what to do), not a driver's traceback. The
original exception stays its cause: the UI shows it beneath, and the metrics count the failure
under its class (``WarehouseUnavailable``, ``GitHubInputError``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from dagster import Backoff, DagsterError, Failure, Jitter, RetryPolicy, RetryRequested

from achievement_pipeline.core.settings import ServiceUnavailable

# Waits of about 2, 6 and 14 s (each ± 2 s, so parallel steps do not reconnect in step): an outage
# of up to ~16 s passes unnoticed, a longer one fails the step after about 22 s with the message.
STAGE_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

P = ParamSpec("P")
R = TypeVar("R")


def _described(error: Exception) -> str:
    """The project's own errors are written for people; anything else is named by its class too."""
    if type(error).__module__.startswith("achievement_pipeline."):
        return str(error)
    return f"{type(error).__name__}: {error}"


def fails_clearly(compute: Callable[P, R]) -> Callable[P, R]:
    """``compute`` (an asset's or a check's body) ending in a ``Failure``: retryable for an outage only."""

    @functools.wraps(compute)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return compute(*args, **kwargs)
        except (Failure, RetryRequested, DagsterError):
            raise  # Dagster's own control flow and errors
        except ServiceUnavailable as exc:
            raise Failure(description=str(exc), allow_retries=True) from exc
        except Exception as exc:
            raise Failure(description=_described(exc), allow_retries=False) from exc

    return run
