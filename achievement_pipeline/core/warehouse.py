"""The warehouse: one SQL table per stage, written a partition window at a time.

SQLAlchemy Core keeps one code path for SQLite (the embedded default) and PostgreSQL
(production). Every write replaces a window's rows inside one transaction, so a re-run
of a partition leaves no duplicates and, if it fails half-way, loses nothing.

Reads and writes span the storage tiers (``core/archive.py``): a month archived to Parquet is read
as if it were still in its table, and a write to it brings it back first. The schema is Alembic's
(``core/migrate.py``): :func:`connect` upgrades the database to the head revision before first use.

Two boundaries live here because every write and every connection passes through them: text a
database refuses (NUL, lone surrogates) is made storable before it is written (:func:`storable`), and
a database that cannot be reached or drops a connection surfaces as :class:`WarehouseUnavailable`,
whose message names ``ACHIEVEMENT_WAREHOUSE_URL`` (:func:`report_outages`).
"""

from __future__ import annotations

import re
import threading
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core import archive, migrate, records, settings
from achievement_pipeline.core.fingerprints import rows_digest
from achievement_pipeline.core.migrate import SchemaMismatch as SchemaMismatch  # connect() raises it
from achievement_pipeline.core.partitions_pg import month_of
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


class UnknownTable(KeyError):
    pass


class KeyConflict(ValueError):
    """A write would store a PR a second time in a table, under another merge day than the copy it has."""


_IDS_PER_QUERY = 5_000  # within SQLite's 32,766 parameters per statement, and PostgreSQL's 65,535


def _last_write(conn: sa.Connection, table: str, lo: str, hi: str) -> WindowWrite | None:
    records_of = WINDOW_WRITES.c
    query = sa.select(records_of.row_count, records_of.digest, records_of.inputs, records_of.written_at).where(
        records_of.table_name == table, records_of.window_start == lo, records_of.window_end == hi
    )
    found = conn.execute(query).first()
    return None if found is None else WindowWrite(*found)


class Warehouse:
    """Reads and replaces partition windows of the stage tables, hot and archived months alike.

    ``archive_files``: where archived months' files are; None reads it from the settings when first needed.
    """

    def __init__(self, engine: sa.Engine, archive_files: archive.ArchiveFiles | None = None) -> None:
        self.engine = engine
        self._archive_files = archive_files
        self._catalog_seen = False

    @property
    def archive_files(self) -> archive.ArchiveFiles:
        if self._archive_files is None:
            self._archive_files = archive.ArchiveFiles.from_settings()
        return self._archive_files

    def _archived(self, conn: sa.Connection, table: str, lo: str, hi: str) -> list[archive.ArchivedMonth]:
        """The archived months of ``table`` the window [lo, hi) touches; none while the catalog does not exist
        (a read-only reader of a warehouse not yet migrated)."""
        if not self._catalog_seen:
            if not archive.has_catalog(conn):
                return []
            self._catalog_seen = True
        return archive.entries(conn, table, lo, hi)

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
        SQLite serializes writers by itself. Holding the lock, the write first brings back the archived
        months the window touches and makes the month partitions its rows need (``archive.prepare_write``).

        A PR is stored once per table: a row whose pr_id the table holds under another merge day (outside
        the window) is refused (:class:`KeyConflict`), as the primary key did before it included the month.

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
        restored: list[str] = []
        with self.engine.begin() as conn:
            for table, (tbl, complete, digest) in prepared.items():
                months = {month_of(row["merge_date"]) for row in complete}
                restored += archive.prepare_write(conn, tbl, self.archive_files, months, lo, hi)
                held = _last_write(conn, table, lo, hi)
                if held is None or held.digest != digest or held.rows != len(complete):
                    conn.execute(sa.delete(tbl).where(tbl.c.merge_date >= lo, tbl.c.merge_date < hi))
                    if complete:
                        _refuse_second_copies(conn, tbl, [row["pr_id"] for row in complete], lo, hi)
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
        archive.forget(self.archive_files, restored)
        return {table: len(complete) for table, (_, complete, _) in prepared.items()}

    def last_write(self, table: str, start: date, end: date) -> WindowWrite | None:
        """The record of the last write of exactly [start, end) to ``table``, if no other window was written since."""
        self._table(table)
        with self.engine.connect() as conn:
            return _last_write(conn, table, start.isoformat(), end.isoformat())

    def read_window(
        self, table: str, start: date, end: date, pr_ids: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows with merge_date in [start, end), archived months' too, ordered by (merge_date, pr_id) for stable output.

        ``pr_ids``: only those PRs (read in chunks, so any number of them fits a query's parameters).
        """
        tbl = self._table(table)
        lo, hi = start.isoformat(), end.isoformat()
        query = (
            sa.select(tbl).where(tbl.c.merge_date >= lo, tbl.c.merge_date < hi).order_by(tbl.c.merge_date, tbl.c.pr_id)
        )
        wanted = None if pr_ids is None else sorted(pr_ids)
        with self.engine.connect() as conn:
            if wanted is None:
                found = _dicts(conn.execute(query))
            else:
                chunks = (wanted[first : first + _IDS_PER_QUERY] for first in range(0, len(wanted), _IDS_PER_QUERY))
                found = [row for chunk in chunks for row in _dicts(conn.execute(query.where(tbl.c.pr_id.in_(chunk))))]
            held = self._archived(conn, table, lo, hi) if wanted is None or wanted else []
        only = None if wanted is None else {"pr_id": wanted}
        for entry in held:
            found += archive.archived_rows(self.archive_files, entry, tbl, lo, hi, only)
        if wanted is None and not held:
            return found
        return sorted(found, key=lambda row: (row["merge_date"], row["pr_id"]))

    def read_joined(
        self, tables: Sequence[str], start: date, end: date, pr_ids: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """The window's rows of several stage tables merged per PR (see :func:`join_rows`), of ``pr_ids`` if given."""
        return join_rows(*(self.read_window(table, start, end, pr_ids) for table in tables))

    def read_columns(
        self,
        table: str,
        columns: Sequence[str],
        start: date | None = None,
        end: date | None = None,
        where: Mapping[str, Collection[str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Some columns of every row of a table (the whole history, e.g. to find reverts), in key order;
        of the window [start, end) when given; of the rows whose column holds one of the values ``where``
        lists for it (e.g. ``{"repo": names}``; one query, so a caller with thousands of values chunks them).
        Archived months included."""
        tbl = self._table(table)
        lo = start.isoformat() if start is not None and end is not None else date.min.isoformat()
        hi = end.isoformat() if start is not None and end is not None else date.max.isoformat()
        with self.engine.connect() as conn:
            held = self._archived(conn, table, lo, hi)
            # With archived rows to merge in, the order's columns are read too, and dropped after the sort.
            order = [name for name in ("merge_date", "pr_id") if held and name not in columns]
            query = sa.select(*(tbl.c[name] for name in (*columns, *order))).order_by(tbl.c.merge_date, tbl.c.pr_id)
            if start is not None and end is not None:
                query = query.where(tbl.c.merge_date >= lo, tbl.c.merge_date < hi)
            for name, allowed in (where or {}).items():
                query = query.where(tbl.c[name].in_(sorted(allowed)))
            found = _dicts(conn.execute(query))
        if not held:
            return found
        for entry in held:
            found += archive.archived_rows(self.archive_files, entry, tbl, lo, hi, where)
        found.sort(key=lambda row: (row["merge_date"], row["pr_id"]))
        return [{name: row[name] for name in columns} for row in found]

    def read_all(self, table: str) -> list[dict[str, Any]]:
        """Every row of a table, archived months' too, in key order."""
        return self.read_columns(table, [column.name for column in self._table(table).columns])

    def count(self, table: str) -> int:
        """Rows of a table, hot and archived."""
        tbl = self._table(table)
        with self.engine.connect() as conn:
            hot = int(conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one())
            held = self._archived(conn, table, date.min.isoformat(), date.max.isoformat())
        return hot + sum(entry.rows for entry in held)


def _refuse_second_copies(conn: sa.Connection, tbl: sa.Table, pr_ids: list[str], lo: str, hi: str) -> None:
    """Refuse rows of PRs ``tbl`` holds under a merge day outside [lo, hi) (the window's own rows are deleted).

    The primary key of a monthly table holds merge_date (PostgreSQL partitions need it), so it no longer
    stops a PR being stored twice under two days; this query does, on both databases, with one message.
    """
    outside = sa.or_(tbl.c.merge_date < lo, tbl.c.merge_date >= hi)
    clashes = []
    for first in range(0, len(pr_ids), _IDS_PER_QUERY):
        chunk = pr_ids[first : first + _IDS_PER_QUERY]
        query = sa.select(tbl.c.pr_id, tbl.c.merge_date).where(tbl.c.pr_id.in_(chunk), outside).limit(3)
        clashes += [f"{pr_id} (stored under {day})" for pr_id, day in conn.execute(query)]
    if clashes:
        raise KeyConflict(
            f"{tbl.name} already holds {', '.join(clashes[:3])} under another merge day than the window "
            f"{lo}..{hi} gives: run that day's partition again first (it drops the old copy), then this one"
        )


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


def resolved_url(url: str = "") -> str:
    """The warehouse URL: ``url`` (ACHIEVEMENT_WAREHOUSE_URL) if given, else the SQLite file under ACHIEVEMENT_HOME."""
    if url:
        return url
    path = settings.home() / "warehouse.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def connect(url: str, archive_files: archive.ArchiveFiles | None = None) -> Warehouse:
    """A warehouse on ``url``, its schema brought to the head revision once per process (``core/migrate.py``).

    ``archive_files``: where archived months are (None: from the settings, when first needed).
    """
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, sqlite_timeout=60)
            try:
                migrate.upgrade(engine)
                _check_columns(engine)
            except BaseException:  # an outage, a schema too old or too new, a revision that failed
                engine.dispose()
                raise
            _engines[url] = engine
    return Warehouse(engine, archive_files)


def _check_columns(engine: sa.Engine) -> None:
    """Fail clearly, before any write, when a table lacks columns the code declares (a change with no revision)."""
    with engine.connect() as conn:
        stale = migrate.missing_columns(conn, {**TABLES, **SIDE_TABLES})
    if stale:
        raise migrate.mismatch(engine, stale)


def _dicts(result: sa.CursorResult[Any]) -> list[dict[str, Any]]:
    """A result's rows as dicts, its column names read once (``row._mapping`` builds them again for every row)."""
    names = tuple(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]
