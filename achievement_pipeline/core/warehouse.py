"""The warehouse: one SQL table per stage, written a partition window at a time.

SQLAlchemy Core keeps one code path for SQLite (the embedded default) and PostgreSQL
(production). Every write replaces a window's rows inside one transaction, so a re-run
of a partition leaves no duplicates and, if it fails half-way, loses nothing.

Two boundaries live here because every write and every connection passes through them: text a
database refuses (NUL, lone surrogates) is made storable before it is written (:func:`storable`), and
a database that cannot be reached or drops a connection surfaces as :class:`WarehouseUnavailable`,
whose message names ``ACHIEVEMENT_WAREHOUSE_URL`` (:func:`report_outages`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core import records
from achievement_pipeline.core.fingerprints import rows_digest
from achievement_pipeline.core.settings import ServiceUnavailable, SettingError

metadata = sa.MetaData()


KEY_COLUMNS = ("pr_id", "merge_date")


def _column(name: str, hint: Any, defaults: dict[str, object]) -> sa.Column[Any]:
    """A warehouse column for one record field: its SQL type read from the annotation, its default declared."""
    base, extras = hint, ()
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
    if typing.get_origin(base) in (list, dict):
        kind: Any = sa.JSON
    elif base is bool:
        kind = sa.Boolean
    elif base is int:
        kind = sa.Integer
    elif base is float:
        kind = sa.Float
    else:
        lengths = [extra.length for extra in extras if isinstance(extra, records.Chars)]
        kind = sa.String(lengths[0]) if lengths else sa.Text
    options: dict[str, Any] = {"nullable": False}
    if name == "pr_id":
        options = {"primary_key": True}
    elif name == "merge_date":
        options["index"] = True
    if name in defaults:
        options["default"] = defaults[name]
    return sa.Column(name, kind, **options)


def _table(name: str, record: type) -> sa.Table:
    """The stage table of ``record``: the key columns first, then the record's fields in order."""
    hints = typing.get_type_hints(record, include_extras=True)
    order = [*KEY_COLUMNS, *(field for field in hints if field not in KEY_COLUMNS)]
    defaults = records.field_defaults(record)
    return sa.Table(name, metadata, *(_column(field, hints[field], defaults) for field in order))


TABLES: dict[str, sa.Table] = {name: _table(name, record) for name, record in records.STAGE_RECORDS.items()}
# Beside them, keyed and written by window the same way: what a stage set aside and why.
SIDE_TABLES: dict[str, sa.Table] = {name: _table(name, record) for name, record in records.SIDE_RECORDS.items()}
# The last write of each table's window: its rows' digest and what they were computed from (see WindowWrite).
WINDOW_WRITES = sa.Table(
    "window_writes",
    metadata,
    sa.Column("table_name", sa.String(64), primary_key=True),
    sa.Column("window_start", sa.String(10), primary_key=True),
    sa.Column("window_end", sa.String(10), primary_key=True),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("inputs", sa.String(64), nullable=False, default=""),
    sa.Column("written_at", sa.String(32), nullable=False),
)


@dataclass(frozen=True)
class WindowWrite:
    """What a table holds for exactly one window, as its last write left it.

    ``digest`` is the digest of the rows (``fingerprints.rows_digest``); ``inputs`` the fingerprint of
    what the writer computed them from, "" when it gave none. Every write of a table forgets the
    records of the windows it overlaps, so a record is only ever about rows still there as written.
    """

    rows: int
    digest: str
    inputs: str
    written_at: str


def join_rows(*tables: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge rows of several stage tables by pr_id; a PR must be in the first table to appear."""
    first, *rest = tables
    merged: dict[str, dict[str, Any]] = {row["pr_id"]: dict(row) for row in first}
    for table in rest:
        for row in table:
            if row["pr_id"] in merged:
                merged[row["pr_id"]].update(row)
    return sorted(merged.values(), key=lambda r: (r["merge_date"], r["pr_id"]))


REPLACEMENT_CHARACTER = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with every character a database refuses in text replaced by U+FFFD, in lists and dicts too.

    PostgreSQL's text and JSONB cannot hold NUL (psycopg2 refuses such a string outright), and no UTF-8
    database can hold a lone UTF-16 surrogate (what a JSON ``\\ud800`` escape decodes to). PR text from
    GitHub may carry either, and one such character would fail every later write of its window. A
    surrogate pair held as two code points is joined into the character it encodes; a lone surrogate
    and every NUL become U+FFFD (rather than vanishing), so a reader sees that something was there.
    SQLite would store them, but both databases get the same rows. The collector's raw copy keeps the
    original characters (its JSON escapes them), so nothing is lost for good.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", REPLACEMENT_CHARACTER)
        if not value.isascii() and _SURROGATE.search(value):
            value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return value
    if isinstance(value, tuple):
        return [storable(item) for item in value]
    if isinstance(value, list):
        # Copied only where something had to change: a window's rows are not held twice while written.
        fixed = [storable(item) for item in value]
        return value if all(new is old for new, old in zip(fixed, value, strict=True)) else fixed
    if isinstance(value, dict):
        pairs = [(storable(key), storable(item)) for key, item in value.items()]
        same = all(pair[0] is key and pair[1] is item for pair, (key, item) in zip(pairs, value.items(), strict=True))
        return value if same else dict(pairs)
    return value


def _complete(table: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of ``table`` for one row: a field the row lacks takes its declared default.

    A bulk insert reads the columns from the first row, so rows of different shapes (a PR stored
    by an older collector beside a new one) must be made alike first, or values are lost.
    """
    complete: dict[str, Any] = {}
    for column in table.columns:
        if column.name in row:
            complete[column.name] = row[column.name]
        elif column.default is not None:
            complete[column.name] = column.default.arg
        else:
            raise KeyError(f"a {table.name} row for {row.get('pr_id', '?')} lacks {column.name}")
    return complete


def _lock_key(table: str) -> int:
    """The PostgreSQL advisory lock that serializes writes to ``table``: a stable signed 64-bit number."""
    digest = hashlib.blake2b(f"achievement_pipeline.warehouse:{table}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class UnknownTable(KeyError):
    pass


_IDS_PER_QUERY = 5_000  # within SQLite's 32,766 parameters per statement, and PostgreSQL's 65,535


def _last_write(conn: sa.Connection, table: str, lo: str, hi: str) -> WindowWrite | None:
    records_of = WINDOW_WRITES.c
    query = sa.select(records_of.row_count, records_of.digest, records_of.inputs, records_of.written_at).where(
        records_of.table_name == table, records_of.window_start == lo, records_of.window_end == hi
    )
    found = conn.execute(query).first()
    return None if found is None else WindowWrite(*found)


class Warehouse:
    """Reads and replaces partition windows of the stage tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _table(self, name: str) -> sa.Table:
        try:
            return TABLES[name] if name in TABLES else SIDE_TABLES[name]
        except KeyError:
            known = ", ".join([*TABLES, *SIDE_TABLES])
            raise UnknownTable(f"no warehouse table {name!r}; known: {known}") from None

    def replace_window(
        self, table: str, start: date, end: date, rows: Iterable[Mapping[str, Any]], *, inputs: str = ""
    ) -> int:
        """Delete the rows with merge_date in [start, end) and insert ``rows``, atomically.

        Rows outside the window are refused: writing them would let one partition's
        run overwrite another's, which breaks the idempotence the backfills rely on.
        ``inputs``: the fingerprint of what the rows were computed from (see :meth:`replace_windows`).
        """
        return self.replace_windows(start, end, {table: rows}, inputs=inputs)[table]

    def replace_windows(
        self, start: date, end: date, rows_by_table: Mapping[str, Iterable[Mapping[str, Any]]], *, inputs: str = ""
    ) -> dict[str, int]:
        """:meth:`replace_window` for several tables in one transaction: a stage's rows and what it set aside.

        On PostgreSQL each table's writes are serialized (a transaction-scoped advisory lock, taken in
        name order so two writers never wait on each other). The run queue keeps runs of one day apart,
        but a range run and a run of a day inside it can still overlap; without the lock the second
        writer's delete would miss the first one's fresh rows and its insert fail on their keys.
        SQLite serializes writers by itself.

        Each table's window is recorded with its rows' digest and ``inputs``, the fingerprint of what
        they were computed from (:meth:`last_write`); rows identical to those the window already holds
        are not written again (a year of history re-collected unchanged costs no rewrite).
        """
        prepared: dict[str, tuple[sa.Table, list[dict[str, Any]], str]] = {}
        lo, hi = start.isoformat(), end.isoformat()
        for table, rows in sorted(rows_by_table.items()):
            tbl = self._table(table)
            complete = [storable(_complete(tbl, r)) for r in rows]
            stray = [r["pr_id"] for r in complete if not lo <= r["merge_date"] < hi]
            if stray:
                raise ValueError(f"{len(stray)} {table} rows fall outside the window {lo}..{hi}: {stray[:3]}")
            prepared[table] = (tbl, complete, rows_digest(complete))
        written_at = datetime.now(UTC).isoformat(timespec="microseconds")
        with self.engine.begin() as conn:
            for table, (tbl, complete, digest) in prepared.items():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(table)})
                held = _last_write(conn, table, lo, hi)
                if held is None or held.digest != digest or held.rows != len(complete):
                    conn.execute(sa.delete(tbl).where(tbl.c.merge_date >= lo, tbl.c.merge_date < hi))
                    if complete:
                        conn.execute(sa.insert(tbl), complete)
                # Every record of a window this one overlaps (a day inside it, a range around it) is out of date.
                records_of = WINDOW_WRITES.c
                conn.execute(
                    sa.delete(WINDOW_WRITES).where(
                        records_of.table_name == table, records_of.window_start < hi, records_of.window_end > lo
                    )
                )
                conn.execute(
                    sa.insert(WINDOW_WRITES).values(
                        table_name=table,
                        window_start=lo,
                        window_end=hi,
                        row_count=len(complete),
                        digest=digest,
                        inputs=inputs,
                        written_at=written_at,
                    )
                )
        return {table: len(complete) for table, (_, complete, _) in prepared.items()}

    def last_write(self, table: str, start: date, end: date) -> WindowWrite | None:
        """The record of the last write of exactly [start, end) to ``table``, if no other window was written since."""
        self._table(table)
        with self.engine.connect() as conn:
            return _last_write(conn, table, start.isoformat(), end.isoformat())

    def read_window(
        self, table: str, start: date, end: date, pr_ids: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows with merge_date in [start, end), ordered by (merge_date, pr_id) for stable output.

        ``pr_ids``: only those PRs (read in chunks, so any number of them fits a query's parameters).
        """
        tbl = self._table(table)
        query = (
            sa.select(tbl)
            .where(tbl.c.merge_date >= start.isoformat(), tbl.c.merge_date < end.isoformat())
            .order_by(tbl.c.merge_date, tbl.c.pr_id)
        )
        with self.engine.connect() as conn:
            if pr_ids is None:
                return [dict(row._mapping) for row in conn.execute(query)]
            wanted = sorted(pr_ids)
            found = [
                dict(row._mapping)
                for first in range(0, len(wanted), _IDS_PER_QUERY)
                for row in conn.execute(query.where(tbl.c.pr_id.in_(wanted[first : first + _IDS_PER_QUERY])))
            ]
        return sorted(found, key=lambda row: (row["merge_date"], row["pr_id"]))

    def read_joined(
        self, tables: Sequence[str], start: date, end: date, pr_ids: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """The window's rows of several stage tables merged per PR (see :func:`join_rows`), of ``pr_ids`` if given."""
        return join_rows(*(self.read_window(table, start, end, pr_ids) for table in tables))

    def read_columns(
        self, table: str, columns: Sequence[str], start: date | None = None, end: date | None = None
    ) -> list[dict[str, Any]]:
        """Some columns of every row of a table (the whole history, e.g. to find reverts), in key order;
        of the window [start, end) when given."""
        tbl = self._table(table)
        query = sa.select(*(tbl.c[name] for name in columns)).order_by(tbl.c.merge_date, tbl.c.pr_id)
        if start is not None and end is not None:
            query = query.where(tbl.c.merge_date >= start.isoformat(), tbl.c.merge_date < end.isoformat())
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def read_all(self, table: str) -> list[dict[str, Any]]:
        tbl = self._table(table)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(tbl).order_by(tbl.c.merge_date, tbl.c.pr_id))]

    def count(self, table: str) -> int:
        tbl = self._table(table)
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one())


class WarehouseUnavailable(ServiceUnavailable):
    """The warehouse database refused a connection or dropped one: worth retrying, then reporting."""


def unreachable_message(url: sa.URL, reason: object) -> str:
    """One line: which database (password hidden), why, the setting that names it, and what to do."""
    why = (str(reason).strip().splitlines() or ["no answer"])[0].strip().rstrip(".")
    if url.get_backend_name() == "sqlite":
        return (
            f"the warehouse file {url.database} cannot be opened: {why}. Check that ACHIEVEMENT_HOME is a "
            "writable folder (or fix ACHIEVEMENT_WAREHOUSE_URL if you set it)"
        )
    return (
        f"the warehouse database at {url.render_as_string(hide_password=True)} (ACHIEVEMENT_WAREHOUSE_URL) is "
        f"unreachable: {why}. Start the database or point ACHIEVEMENT_WAREHOUSE_URL at a reachable one "
        "(unset it to use the local SQLite file)"
    )


def report_outages(engine: sa.Engine) -> sa.Engine:
    """Make ``engine`` raise :class:`WarehouseUnavailable` when it cannot connect or a connection drops.

    SQLAlchemy's ``handle_error`` hook sees every failure of every user of the engine (the stage tables,
    the collector's store, the curation table), so the one message naming the setting is raised in one
    place. Only failures of the connection itself count: a constraint or SQL error stays what it is.
    A failed ``pool_pre_ping`` is left alone, since SQLAlchemy reconnects after it by itself.
    """

    def outage(context: sa.engine.ExceptionContext) -> None:
        if context.is_pre_ping:
            return
        connecting = context.connection is None and isinstance(context.sqlalchemy_exception, sa.exc.OperationalError)
        if connecting or context.is_disconnect:
            raise WarehouseUnavailable(unreachable_message(engine.url, context.original_exception))

    sa.event.listen(engine, "handle_error", outage)
    return engine


def create_engine(url: str, sqlite_timeout: float = 60) -> sa.Engine:
    """An engine on the warehouse URL that reports outages (:func:`report_outages`); it does not connect yet.

    A URL SQLAlchemy cannot read is a SettingError naming ACHIEVEMENT_WAREHOUSE_URL, without the URL
    itself (it holds the password).
    """
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": sqlite_timeout}
    try:
        return report_outages(sa.create_engine(url, **kwargs))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError):
        raise SettingError(
            "ACHIEVEMENT_WAREHOUSE_URL is not a database URL SQLAlchemy can open: use "
            "postgresql+psycopg2://user:password@host:5432/db, or unset it to use the local SQLite file"
        ) from None


_engines: dict[str, sa.Engine] = {}
_engines_lock = threading.Lock()


def connect(url: str) -> Warehouse:
    """A warehouse on ``url``, creating missing tables once per process.

    ``create_all`` only adds missing tables; schema changes to existing tables will need
    migrations (Alembic) once a release has shipped with data in production.
    """
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, sqlite_timeout=60)
            try:
                metadata.create_all(engine)
            except WarehouseUnavailable:
                engine.dispose()
                raise
            _check_columns(engine)
            _engines[url] = engine
    return Warehouse(engine)


class SchemaMismatch(RuntimeError):
    """A table exists with fewer columns than this version writes (an older version created it)."""


def _check_columns(engine: sa.Engine) -> None:
    """Fail clearly, before any write, when an existing table predates columns the code needs."""
    inspector = sa.inspect(engine)
    stale = []
    for name, table in {**TABLES, **SIDE_TABLES}.items():
        present = {column["name"] for column in inspector.get_columns(name)}
        missing = sorted(column.name for column in table.columns if column.name not in present)
        if missing:
            stale.append(f"{name} lacks {', '.join(missing)}")
    if stale:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise SchemaMismatch(
            f"the warehouse at {where} was created by an older version ({'; '.join(stale)}). For the local "
            "demo data run `make clean` and `make demo` again; for production data add the columns (migration)."
        )
