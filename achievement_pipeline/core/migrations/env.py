"""Alembic's environment for the warehouse: each revision in its own transaction, on the connection given.

``core.migrate.upgrade`` passes the connection it holds the migration lock on (``config.attributes``).
From Alembic's command line (``alembic -c .../alembic.ini current``) it opens the warehouse the pipeline
uses (``ACHIEVEMENT_WAREHOUSE_URL``, else the local SQLite file). Revisions read the database as they
run (which tables exist, which months hold rows), so there is no offline (``--sql``) mode.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context


def run(connection: sa.Connection) -> None:
    from achievement_pipeline.core import warehouse
    from achievement_pipeline.core.migrate import VERSION_TABLE

    def compared(item: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        """Autogenerate compares the tables declared from the row contracts (and the window records), the
        tables most often changed; the others (collector, curation, archive catalog) are written by hand."""
        return kind != "table" or name in warehouse.metadata.tables

    context.configure(
        connection=connection,
        target_metadata=warehouse.metadata,
        include_object=compared,
        version_table=VERSION_TABLE,
        transaction_per_migration=True,
        render_as_batch=True,  # SQLite alters a table by copying it: autogenerate writes revisions that way
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the warehouse's revisions read the database as they run: there is no offline (--sql) mode")
given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    from achievement_pipeline.core import warehouse

    engine = warehouse.create_engine(warehouse.resolved_url())
    with engine.connect() as connection:
        run(connection)
