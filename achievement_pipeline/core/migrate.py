"""The warehouse schema, brought to Alembic's head before a process first uses the database.

Schema changes are Alembic revisions (``core/migrations/versions``): 0001 is the schema the previous
release made with ``create_all``, each later one what changed since. :func:`upgrade` runs
``upgrade head`` on an engine once per process, one process at a time (a PostgreSQL advisory lock; a
lock file beside a SQLite file), each revision in its own transaction, so a failed revision leaves
the one before it in place. A database made before revisions existed (its tables present, no
``achievement_schema_version``) is checked to hold the previous release's columns and stamped at 0001 first;
one older still is refused with what to do rather than half-migrated.

To write a revision: ``alembic -c achievement_pipeline/core/migrations/alembic.ini revision -m "what"``
(``--autogenerate`` compares with the warehouse ``ACHIEVEMENT_WAREHOUSE_URL`` names), then edit it: a
change to a monthly table must work on its partitioned form too (``core/partitions_pg.py``).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from achievement_pipeline.core.partitions_pg import table_lock_key

SCRIPTS = Path(__file__).resolve().parent / "migrations"
PREVIOUS_RELEASE = "0001"  # the revision of a database made before revisions existed
# Not Alembic's default ``alembic_version``: dagster-postgres keeps its own revision there, and an install
# may give the Dagster instance and the warehouse one database (DAGSTER_PG_URL = ACHIEVEMENT_WAREHOUSE_URL).
VERSION_TABLE = "achievement_schema_version"

_migrated: weakref.WeakSet[sa.Engine] = weakref.WeakSet()
_in_process = threading.Lock()


class SchemaMismatch(RuntimeError):
    """A table exists with fewer columns than this version writes (an older version created it)."""


def config(connection: sa.Connection | None = None) -> object:
    """Alembic's configuration of the project's revisions, to run them on ``connection``."""
    from alembic.config import Config

    found = Config()
    found.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        found.attributes["connection"] = connection
    return found


def head() -> str:
    """The newest revision this version of the code knows."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(config()).get_current_head())  # type: ignore[arg-type]


def current(connection: sa.Connection) -> str | None:
    """The revision the database is at, None when it has no revision table (new, or made before revisions)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def missing_columns(connection: sa.Connection, tables: dict[str, sa.Table]) -> list[str]:
    """Say "<table> lacks <columns>" for each of ``tables`` that exists with fewer columns than declared."""
    inspector = sa.inspect(connection)
    stale = []
    for name, table in tables.items():
        if not inspector.has_table(name):
            continue
        present = {column["name"] for column in inspector.get_columns(name)}
        missing = sorted(column.name for column in table.columns if column.name not in present)
        if missing:
            stale.append(f"{name} lacks {', '.join(missing)}")
    return stale


def mismatch(engine: sa.Engine, stale: list[str]) -> SchemaMismatch:
    where = engine.url.render_as_string(hide_password=True)
    return SchemaMismatch(
        f"the warehouse at {where} was created by an older version ({'; '.join(stale)}). For the local "
        "demo data run `make clean` and `make demo` again; for production data add the columns with an "
        "Alembic revision (see core/migrate.py)."
    )


@contextlib.contextmanager
def _migrating(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection on which this process alone migrates ``engine``'s database until the block ends."""
    with _in_process, contextlib.ExitStack() as held:
        database = engine.url.database or ""
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            from filelock import FileLock

            held.enter_context(FileLock(f"{database}.migrations.lock", timeout=600))
        connection = held.enter_context(engine.connect())
        if engine.dialect.name == "postgresql":
            key = table_lock_key(VERSION_TABLE)
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()  # the lock is the session's: it outlives this transaction, and Alembic starts its own

            def unlock() -> None:
                connection.rollback()  # a failed revision's transaction is over: the session can speak again
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()

            held.callback(unlock)
        yield connection
        connection.commit()


def upgrade(engine: sa.Engine) -> None:
    """Bring ``engine``'s database to the head revision (once per engine and process; a no-op when it is there).

    Raises :class:`SchemaMismatch` for a database older than the previous release.
    """
    if engine in _migrated:
        return
    from alembic import command

    from achievement_pipeline.core.migrations import previous_release

    with _migrating(engine) as connection:
        settings = config(connection)
        if current(connection) is None and _made_before_revisions(connection):
            stale = missing_columns(connection, dict(previous_release.metadata.tables))
            if stale:
                raise mismatch(engine, stale)
            # The previous release made its tables as each part first ran: make any it had not made yet.
            previous_release.metadata.create_all(connection)
            connection.commit()
            command.stamp(settings, PREVIOUS_RELEASE)  # type: ignore[arg-type]
            connection.commit()
        at, newest = current(connection), head()
        if at != newest:
            if at is not None and not _known(at):
                where = engine.url.render_as_string(hide_password=True)
                raise SchemaMismatch(
                    f"the warehouse at {where} is at schema revision {at}, which this version does not know (its "
                    f"newest is {newest}): a newer version migrated it. Run that version, or restore a backup."
                )
            command.upgrade(settings, "head")  # type: ignore[arg-type]
    _migrated.add(engine)


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(config()).get_revision(revision) is not None  # type: ignore[arg-type]
    except CommandError:
        return False


def _made_before_revisions(connection: sa.Connection) -> bool:
    """Whether the database holds tables of the previous release (it then has no ``achievement_schema_version``)."""
    from achievement_pipeline.core.migrations import previous_release

    present = set(sa.inspect(connection).get_table_names())
    return bool(present & set(previous_release.metadata.tables))
