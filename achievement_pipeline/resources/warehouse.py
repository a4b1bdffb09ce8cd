"""The warehouse resource: SQLite under ACHIEVEMENT_HOME by default, PostgreSQL by URL.

Its first use in a process brings the schema to the head revision (``core/migrate.py``); archived
months are read from where the settings put the archive (``core/archive.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core.warehouse import Warehouse, connect, resolved_url


class WarehouseResource(ConfigurableResource):
    """SQLAlchemy URL of the warehouse; empty means the local SQLite file."""

    url: str = Field(default="", description="SQLAlchemy URL, e.g. postgresql+psycopg2://user@host/db")

    def resolved_url(self) -> str:
        return resolved_url(self.url)

    def get(self) -> Warehouse:
        return connect(self.resolved_url())

    def check_reachable(self) -> None:
        """Connect once (migrating the schema); raise WarehouseUnavailable naming ACHIEVEMENT_WAREHOUSE_URL."""
        self.get()

    @property
    def kind(self) -> str:
        return "postgresql" if self.resolved_url().startswith("postgres") else "sqlite"


def monthly_tables() -> dict[str, sa.Table]:
    """The tables written by merge day, which PostgreSQL partitions by month and the archive moves out by month.

    The stage tables, what a stage set aside, and the collector's raw PRs; ``core/partitions_pg.MONTHLY_TABLES``
    names the same, for the revisions and the metrics.
    """
    from achievement_pipeline.core.warehouse import SIDE_TABLES, TABLES
    from achievement_pipeline.sources.github.store import pulls_table

    return {**TABLES, **SIDE_TABLES, pulls_table.name: pulls_table}
