"""The warehouse schema goes through Alembic: new databases, the previous release's, and PostgreSQL's partitions.

The previous release's databases are the SQL in tests/fixtures/previous_release, written by that
release's own code (see make_fixtures.py there).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from achievement_pipeline.core import migrate
from achievement_pipeline.core.migrations import previous_release
from achievement_pipeline.core.partitions_pg import MONTHLY_TABLES
from achievement_pipeline.core.warehouse import SIDE_TABLES, TABLES, connect
from achievement_pipeline.resources.warehouse import monthly_tables
from tests.tiers_support import postgres_database

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "previous_release"
ROOT = Path(__file__).resolve().parents[1]
NEW_TABLES = ("window_writes", "archived_months", "audit_trail", "github_token_visibility")


def load_sqlite(path: Path) -> str:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.executescript((FIXTURES / "sqlite.sql").read_text())
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own for each test (the migration tests change whole schemas)."""
    with postgres_database() as url:
        yield url


def load_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql((FIXTURES / "postgresql.sql").read_text())
    engine.dispose()


def rows_of(url: str) -> dict[str, list[dict]]:
    """Every row of every table of the previous release, as plain values, in key order."""
    engine = sa.create_engine(url)
    found = {}
    with engine.connect() as conn:
        for name, table in previous_release.metadata.tables.items():
            keys = [column for column in table.primary_key.columns]
            found[name] = [dict(row._mapping) for row in conn.execute(sa.select(table).order_by(*keys))]
    engine.dispose()
    return found


def schema_of(url: str) -> dict[str, object]:
    """Each previous-release table's columns (name, type, nullable) and indexes, as the database reports them."""
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    found = {}
    for name in previous_release.metadata.tables:
        columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)]
        indexes = sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name))
        found[name] = (columns, indexes)
    engine.dispose()
    return found


def revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = migrate.current(conn)
    engine.dispose()
    return found


def test_the_monthly_tables_are_the_tables_written_by_merge_day():
    assert tuple(monthly_tables()) == MONTHLY_TABLES
    assert set(MONTHLY_TABLES) == {*TABLES, *SIDE_TABLES, "github_pulls"}


def test_a_new_warehouse_is_created_at_the_head_revision(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    connect(url)
    assert revision(url) == migrate.head() == "0003"
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {*previous_release.metadata.tables, *NEW_TABLES, migrate.VERSION_TABLE} <= tables


def test_the_first_revision_is_the_schema_the_previous_release_made(tmp_path):
    made_by_revision = f"sqlite:///{tmp_path}/revision.db"
    engine = sa.create_engine(made_by_revision)
    with engine.connect() as conn:
        from alembic import command

        command.upgrade(migrate.config(conn), "0001")
        conn.commit()
    engine.dispose()
    assert schema_of(made_by_revision) == schema_of(load_sqlite(tmp_path / "previous.db"))


def test_a_previous_release_sqlite_warehouse_is_stamped_then_upgraded_with_every_row(tmp_path):
    url = load_sqlite(tmp_path / "previous.db")
    before = rows_of(url)
    assert revision(url) is None and sum(map(len, before.values())) == 31
    warehouse = connect(url)
    assert revision(url) == migrate.head()
    assert rows_of(url) == before
    assert {*NEW_TABLES} <= set(sa.inspect(warehouse.engine).get_table_names())
    # Written by the old code, read by the new: the stage rows as the old rows, JSON parsed.
    assert [r["pr_id"] for r in warehouse.read_all("pull_requests")] == [f"acme/web-app#{n}" for n in range(1, 5)]


def test_a_warehouse_older_than_the_previous_release_is_refused_not_stamped(tmp_path):
    url = f"sqlite:///{tmp_path}/older.db"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE predictions (pr_id TEXT PRIMARY KEY, merge_date TEXT)"))
    engine.dispose()
    with pytest.raises(migrate.SchemaMismatch, match=r"predictions lacks .*category"):
        connect(url)
    assert revision(url) is None


def test_a_database_migrated_by_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/newer.db"
    connect(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(migrate.SchemaMismatch, match="revision 0099, which this version does not know"):
        migrate.upgrade(sa.create_engine(url))


def _partition_of_each_row(conn: sa.Connection, table: str) -> set[tuple[str, str]]:
    query = sa.text(f'SELECT tableoid::regclass::text, merge_date FROM "{table}"')
    return {(partition, day) for partition, day in conn.execute(query)}


@pytest.mark.services
def test_the_first_revision_is_the_schema_the_previous_release_made_on_postgresql(postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        from alembic import command

        command.upgrade(migrate.config(conn), "0001")
        conn.commit()
        made = schema_of(postgres_url)
        command.downgrade(migrate.config(conn), "base")
        conn.commit()
    engine.dispose()
    load_postgresql(postgres_url)
    assert made == schema_of(postgres_url)


@pytest.fixture
def reader_role(postgres_url) -> Iterator[str]:
    """A read-only role, as the exporter and the read API have, removed afterwards (roles are the server's)."""
    role = f"tiers_reader_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}"'))
    yield role
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
        conn.execute(sa.text(f'DROP ROLE "{role}"'))
    engine.dispose()


@pytest.mark.services
def test_a_previous_release_postgresql_warehouse_becomes_monthly_partitions_with_every_row(postgres_url, reader_role):
    load_postgresql(postgres_url)
    before = rows_of(postgres_url)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'GRANT SELECT ON pull_requests, github_pulls TO "{reader_role}"'))
    warehouse = connect(postgres_url)
    assert revision(postgres_url) == migrate.head()
    assert rows_of(postgres_url) == before
    with warehouse.engine.connect() as conn:
        partitioned = set(conn.execute(sa.text("SELECT partrelid::regclass::text FROM pg_partitioned_table")).scalars())
        assert partitioned == set(MONTHLY_TABLES)
        for table in MONTHLY_TABLES:
            placed = _partition_of_each_row(conn, table)
            assert placed, table
            assert all(partition == f"{table}_y{day[:4]}m{day[5:7]}" for partition, day in placed), placed
        # The key gained the month; the plain tables beside kept theirs.
        key = sa.inspect(conn).get_pk_constraint("pull_requests")["constrained_columns"]
        assert key == ["pr_id", "merge_date"]
        assert sa.inspect(conn).get_pk_constraint("github_pulls")["constrained_columns"] == [
            "server", "source", "pr_id", "merge_date"
        ]  # fmt: skip
        assert sa.inspect(conn).get_pk_constraint("curation")["constrained_columns"] == ["kind", "target"]
        # A read-only role reads what it read before, and the catalog that completes it.
        can = "SELECT has_table_privilege(:role, :table, 'SELECT')"
        for table, allowed in (
            ("pull_requests", True),
            ("github_pulls", True),
            ("archived_months", True),
            ("predictions", False),
        ):
            assert conn.execute(sa.text(can), {"role": reader_role, "table": table}).scalar() is allowed, table
    engine.dispose()
    january = {row["pr_id"] for row in warehouse.read_all("enriched_prs") if row["merge_date"] < "2025-02-01"}
    assert january == {"acme/web-app#1", "acme/web-app#2"}


@pytest.mark.services
def test_a_write_of_a_new_month_makes_its_partition_and_a_second_copy_of_a_pr_is_refused(postgres_url):
    from datetime import date

    from achievement_pipeline.core.warehouse import KeyConflict
    from tests.factories import make_pr

    warehouse = connect(postgres_url)
    warehouse.replace_window("pull_requests", date(2025, 5, 7), date(2025, 5, 8), [make_pr(1, merge_date="2025-05-07")])
    with warehouse.engine.connect() as conn:
        assert _partition_of_each_row(conn, "pull_requests") == {("pull_requests_y2025m05", "2025-05-07")}
    moved = make_pr(1, merge_date="2025-06-01")  # the same PR under another day: the old key refused it too
    with pytest.raises(KeyConflict, match=r"acme/web-app#1 \(stored under 2025-05-07\)"):
        warehouse.replace_window("pull_requests", date(2025, 6, 1), date(2025, 6, 2), [moved])
    assert [r["merge_date"] for r in warehouse.read_all("pull_requests")] == ["2025-05-07"]


@pytest.mark.services
def test_downgrading_to_the_previous_release_and_back_keeps_every_row(postgres_url):
    from alembic import command

    load_postgresql(postgres_url)
    before = rows_of(postgres_url)
    connect(postgres_url)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        command.downgrade(migrate.config(conn), "0001")
        conn.commit()
        assert set(conn.execute(sa.text("SELECT partrelid FROM pg_partitioned_table")).scalars()) == set()
    assert rows_of(postgres_url) == before
    migrate.upgrade(engine)
    assert rows_of(postgres_url) == before and revision(postgres_url) == migrate.head()
    engine.dispose()


@pytest.mark.services
def test_processes_starting_together_migrate_one_at_a_time(postgres_url):
    """Each process upgrades at start; the advisory lock lets one migrate and the others find it done."""
    load_postgresql(postgres_url)
    code = "import sys; from achievement_pipeline.core.warehouse import connect; connect(sys.argv[1])"
    starts = [
        subprocess.Popen([sys.executable, "-c", code, postgres_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [(process.wait(timeout=180), process.stderr.read()) for process in starts]  # type: ignore[union-attr]
    assert [code for code, _ in errors] == [0, 0, 0], errors
    assert revision(postgres_url) == migrate.head()
