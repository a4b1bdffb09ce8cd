"""The MLflow resource: a local SQLite tracking store by default, a tracking server by URI."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core import settings


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

    def artifact_location(self) -> str | None:
        """Local artifact folder for the embedded store; a server decides its own (e.g. S3)."""
        if self.tracking_uri:
            return None
        return (settings.home() / "mlartifacts").as_uri()
