"""What changed since the previous release: window records, the archive catalog, monthly partitions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

- ``window_writes``: the digest of each window's last write (``core/warehouse.py``'s ``WindowWrite``).
  A database of this release's development versions has it already and keeps it.
- ``archived_months``: the catalog of months moved to Parquet in the object store (``core/archive.py``).
- On PostgreSQL, the tables written by merge day (``core/partitions_pg.MONTHLY_TABLES``) become
  partitioned by month of ``merge_date``, their rows copied into the month partitions: each table is
  renamed aside, made again (same columns, ``LIKE``) as ``PARTITION BY RANGE (merge_date)`` with
  ``merge_date`` added to its primary key, one partition made per month that holds rows, the rows
  copied, the old table dropped. The grants of the old table are given again on the new one (a
  read-only role of the exporter or the read API keeps reading), and whoever may read
  ``pull_requests`` may read the catalog that makes it whole. SQLite keeps plain tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from achievement_pipeline.core.partitions_pg import create_partitions, partitioned

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen here as they are at this revision: each monthly table's key before partitioning and its indexes.
KEYS: dict[str, tuple[str, ...]] = {
    "pull_requests": ("pr_id",),
    "enriched_prs": ("pr_id",),
    "predictions": ("pr_id",),
    "valuations": ("pr_id",),
    "validated_achievements": ("pr_id",),
    "set_aside": ("pr_id",),
    "github_pulls": ("server", "source", "pr_id"),
}
INDEXES: dict[str, dict[str, tuple[str, ...]]] = {
    **{table: {f"ix_{table}_merge_date": ("merge_date",)} for table in KEYS if table != "github_pulls"},
    "github_pulls": {"ix_github_pulls_window": ("server", "source", "merge_date")},
}


def _quoted(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


def _primary_key_name(conn: sa.Connection, table: str) -> str | None:
    query = sa.text("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:table) AND contype = 'p'")
    return conn.execute(query, {"table": table}).scalar()


def copy_grants(conn: sa.Connection, source: str, target: str, privileges: tuple[str, ...] = ()) -> None:
    """Grant on ``target`` what other roles than the owner hold on ``source`` (only ``privileges``, if given)."""
    query = sa.text(
        "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
        "WHERE table_schema = current_schema() AND table_name = :source AND grantee <> current_user"
    )
    for grantee, privilege in conn.execute(query, {"source": source}).all():
        if not privileges or privilege in privileges:
            conn.execute(sa.text(f'GRANT {privilege} ON "{target}" TO "{grantee}"'))


def partition_by_month(conn: sa.Connection, table: str) -> None:
    """Make ``table`` partitioned by month of merge_date, with every row it holds."""
    bad = (
        conn.execute(
            sa.text(f"SELECT merge_date FROM \"{table}\" WHERE merge_date !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-[0-9]{{2}}$'")
        )
        .scalars()
        .all()
    )
    if bad:
        raise RuntimeError(
            f"{table} has {len(bad)} rows whose merge_date is no YYYY-MM-DD day (e.g. {bad[:3]}): no month "
            "partition can hold them. Delete or correct them, then start the pipeline again."
        )
    months = conn.execute(sa.text(f'SELECT DISTINCT substr(merge_date, 1, 7) FROM "{table}"')).scalars().all()
    aside = f"{table}_unpartitioned"
    conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{aside}"'))
    key = _primary_key_name(conn, aside)
    if key is not None:
        conn.execute(sa.text(f'ALTER TABLE "{aside}" DROP CONSTRAINT "{key}"'))
    for index in INDEXES[table]:
        conn.execute(sa.text(f'DROP INDEX IF EXISTS "{index}"'))
    conn.execute(sa.text(f'CREATE TABLE "{table}" (LIKE "{aside}" INCLUDING DEFAULTS) PARTITION BY RANGE (merge_date)'))
    conn.execute(
        sa.text(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({_quoted((*KEYS[table], "merge_date"))})'
        )
    )
    for index, columns in INDEXES[table].items():
        conn.execute(sa.text(f'CREATE INDEX "{index}" ON "{table}" ({_quoted(columns)})'))
    create_partitions(conn, table, months)
    conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM "{aside}"'))
    copy_grants(conn, aside, table)
    conn.execute(sa.text(f'DROP TABLE "{aside}"'))


def plain_again(conn: sa.Connection, table: str) -> None:
    """The reverse of :func:`partition_by_month`: one plain table with every row, its old key and indexes."""
    aside = f"{table}_partitioned"
    conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{aside}"'))
    conn.execute(sa.text(f'CREATE TABLE "{table}" (LIKE "{aside}" INCLUDING DEFAULTS)'))
    conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM "{aside}"'))
    copy_grants(conn, aside, table)
    conn.execute(sa.text(f'DROP TABLE "{aside}"'))  # with its partitions, key and indexes
    conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({_quoted(KEYS[table])})'))
    for index, columns in INDEXES[table].items():
        conn.execute(sa.text(f'CREATE INDEX "{index}" ON "{table}" ({_quoted(columns)})'))


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if not inspector.has_table("window_writes"):
        op.create_table(
            "window_writes",
            sa.Column("table_name", sa.String(64), primary_key=True),
            sa.Column("window_start", sa.String(10), primary_key=True),
            sa.Column("window_end", sa.String(10), primary_key=True),
            sa.Column("row_count", sa.Integer, nullable=False),
            sa.Column("digest", sa.String(64), nullable=False),
            sa.Column("inputs", sa.String(64), nullable=False),
            sa.Column("written_at", sa.String(32), nullable=False),
        )
    op.create_table(
        "archived_months",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("byte_count", sa.BigInteger, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("archived_at", sa.String(32), nullable=False),
    )
    if conn.dialect.name == "postgresql":
        copy_grants(conn, "pull_requests", "archived_months", ("SELECT",))
        for table in KEYS:
            if not partitioned(conn, table):
                partition_by_month(conn, table)


def downgrade() -> None:
    conn = op.get_bind()
    held = conn.execute(sa.text("SELECT count(*) FROM archived_months")).scalar_one()
    if held:
        raise RuntimeError(
            f"{held} months are archived: restore them first (achievement-archive restore --all), or their rows "
            "would be known to nothing once the catalog is gone"
        )
    if conn.dialect.name == "postgresql":
        for table in KEYS:
            if partitioned(conn, table):
                plain_again(conn, table)
    op.drop_table("archived_months")
    op.drop_table("window_writes")
