"""The MLflow resource: a local SQLite tracking store by default, a tracking server by URI."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core import settings


class MlflowUnavailable(settings.ServiceUnavailable):
    """The configured MLflow tracking server does not answer (the message names its variable)."""


def _shown(uri: str) -> str:
    """The URI without its user and password (a tracking URI may carry basic-auth credentials)."""
    parts = urllib.parse.urlsplit(uri)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


class MlflowResource(ConfigurableResource):
    """Where the category and review-sentiment models are logged, registered and loaded by alias."""

    tracking_uri: str = Field(default="", description="MLflow tracking URI; empty means sqlite under the home")
    registry_uri: str = Field(default="", description="Model registry URI; empty means the tracking URI")

    def resolved_tracking_uri(self) -> str:
        if self.tracking_uri:
            return self.tracking_uri
        home = settings.home()
        home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{home / 'mlflow.db'}"

    def resolved_registry_uri(self) -> str | None:
        return self.registry_uri or None

    def check_reachable(self, timeout_seconds: float = 5) -> None:
        """Ask a configured tracking (and registry) server's ``/health``; raise MlflowUnavailable if it does not answer.

        MLflow's own client retries a refused connection for minutes before it gives up, and then
        names neither the setting nor what to do; one request here fails in seconds, clearly. Any
        HTTP answer counts as reachable (authentication is MLflow's to report); a local store
        (sqlite, a folder) needs no check.
        """
        for name, uri in (("MLFLOW_TRACKING_URI", self.tracking_uri), ("MLFLOW_REGISTRY_URI", self.registry_uri)):
            if not uri.lower().startswith(("http://", "https://")):
                continue
            try:
                with urllib.request.urlopen(f"{_shown(uri).rstrip('/')}/health", timeout=timeout_seconds):
                    pass
            except urllib.error.HTTPError:
                pass  # a server answered
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise MlflowUnavailable(
                    f"the MLflow tracking server at {_shown(uri)} ({name}) is unreachable: {reason}. Start it or "
                    f"point {name} at a running server (unset MLFLOW_TRACKING_URI to use the local store)"
                ) from exc

    def artifact_location(self) -> str | None:
        """Local artifact folder for the embedded store; a server decides its own (e.g. S3)."""
        if self.tracking_uri:
            return None
        return (settings.home() / "mlartifacts").as_uri()
