"""Monthly partitions of the tables written by merge day, on PostgreSQL (SQLite keeps plain tables).

Every table whose rows are written and read by ``merge_date`` window (the stage tables, what a stage
set aside, the collector's raw PRs) is declaratively partitioned on PostgreSQL: ``PARTITION BY RANGE
(merge_date)``, one partition per month, named ``<table>_yYYYYmMM`` and holding
``['YYYY-MM-01', first day of the next month)``. A window replace then touches one or a few
partitions, and a month can leave the table whole (detached and dropped once archived,
``core/archive.py``). ``merge_date`` is ISO text, so the bounds are text too: a fixed-width
``YYYY-MM-DD`` sorts the same under any collation, and the window queries' own text comparisons
prune to the partitions they need.

A month's partition is made when the first row of that month is written (:func:`create_partitions`,
under the table's write lock), so no default partition is needed and none exists: a row of a month
with no partition would be an error, never a row in the wrong place. A partitioned table's primary
key must hold the partition key, so the keys gained ``merge_date``; the writers keep the old
uniqueness (a PR once per table, once per source in the raw store) themselves.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

# The tables partitioned by month of merge_date on PostgreSQL (the stage tables, the stage set-aside
# table and the collector's raw PRs); the bookkeeping tables beside them (window_writes, curation, the
# collector's cursors and set-aside copies, the archive catalog) are not written by merge day and stay plain.
MONTHLY_TABLES: tuple[str, ...] = (
    "pull_requests",
    "enriched_prs",
    "predictions",
    "valuations",
    "validated_achievements",
    "set_aside",
    "github_pulls",
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_of(day: str) -> str:
    """The month ``YYYY-MM`` of an ISO day ``YYYY-MM-DD``."""
    return day[:7]


def check_month(month: str) -> str:
    """``month`` if it is ``YYYY-MM``; otherwise a ValueError saying what is expected."""
    if not _MONTH.match(month):
        raise ValueError(f"{month!r} is not a month: use YYYY-MM, e.g. 2025-01")
    return month


def month_bounds(month: str) -> tuple[str, str]:
    """The first day of ``month`` and of the month after it, as ISO text: the partition's [from, to)."""
    year, number = (int(part) for part in check_month(month).split("-"))
    after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return date(year, number, 1).isoformat(), after.isoformat()


def partition_name(table: str, month: str) -> str:
    """``pull_requests_y2025m01`` for January 2025 of ``pull_requests``."""
    year, number = check_month(month).split("-")
    return f"{table}_y{year}m{number}"


def is_postgresql(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


def table_lock_key(table: str) -> int:
    """The PostgreSQL advisory lock that serializes writes to ``table``: a stable signed 64-bit number."""
    digest = hashlib.blake2b(f"achievement_pipeline.warehouse:{table}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_table(conn: sa.Connection, table: str) -> None:
    """Hold ``table``'s write lock until the transaction ends (PostgreSQL; SQLite serializes writers itself).

    Every writer of a monthly table takes it before it creates a partition, restores an archived month
    or replaces rows, and the archiver before it moves a month out: none of them sees another half-done.
    """
    if is_postgresql(conn):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": table_lock_key(table)})


def partitioned(conn: sa.Connection, table: str) -> bool:
    """Whether ``table`` is a partitioned table here (always False on SQLite)."""
    if not is_postgresql(conn):
        return False
    query = sa.text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:table)")
    return conn.execute(query, {"table": table}).first() is not None


def partitions(conn: sa.Connection, table: str) -> dict[str, str]:
    """The month partitions ``table`` has now, {YYYY-MM: partition name} ({} on SQLite or a plain table)."""
    if not is_postgresql(conn):
        return {}
    query = sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:table)"
    )
    found = {}
    pattern = re.compile(rf"^{re.escape(table)}_y(\d{{4}})m(\d{{2}})$")
    for (name,) in conn.execute(query, {"table": table}):
        match = pattern.match(name)
        if match:
            found[f"{match[1]}-{match[2]}"] = name
    return found


def create_partitions(conn: sa.Connection, table: str, months: Iterable[str]) -> list[str]:
    """Make the partitions of ``months`` that ``table`` lacks; the names made. Nothing on SQLite or a plain table.

    Call it holding the table's lock (:func:`lock_table`): creating a partition locks the parent table
    until the transaction ends, which only happens the first time a month is written.
    """
    wanted = sorted(set(months))
    if not wanted or not partitioned(conn, table):
        return []
    present = partitions(conn, table)
    made = []
    for month in wanted:
        if month in present:
            continue
        first, after = month_bounds(month)
        name = partition_name(table, month)
        conn.execute(
            sa.text(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ('{first}') TO ('{after}')"
            )
        )
        made.append(name)
    return made


def drop_partition(conn: sa.Connection, table: str, month: str) -> bool:
    """Detach ``month``'s partition from ``table`` and drop it; False when it has none."""
    name = partitions(conn, table).get(check_month(month))
    if name is None:
        return False
    conn.execute(sa.text(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"'))
    conn.execute(sa.text(f'DROP TABLE "{name}"'))
    return True
