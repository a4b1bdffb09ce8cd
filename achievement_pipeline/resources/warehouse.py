"""The warehouse resource: SQLite under ACHIEVEMENT_HOME by default, PostgreSQL by URL."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core import settings
from achievement_pipeline.core.warehouse import Warehouse, connect


class WarehouseResource(ConfigurableResource):
    """SQLAlchemy URL of the warehouse; empty means the local SQLite file."""

    url: str = Field(default="", description="SQLAlchemy URL, e.g. postgresql+psycopg2://user@host/db")

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        path = settings.home() / "warehouse.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    def get(self) -> Warehouse:
        return connect(self.resolved_url())

    def check_reachable(self) -> None:
        """Connect once (creating missing tables); raise WarehouseUnavailable naming ACHIEVEMENT_WAREHOUSE_URL."""
        self.get()

    @property
    def kind(self) -> str:
        return "postgresql" if self.resolved_url().startswith("postgres") else "sqlite"
