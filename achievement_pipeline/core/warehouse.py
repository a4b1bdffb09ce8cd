"""The warehouse: one SQL table per stage, written a partition window at a time.

SQLAlchemy Core keeps one code path for SQLite (the embedded default) and PostgreSQL
(production). Every write replaces a window's rows inside one transaction, so a re-run
of a partition leaves no duplicates and, if it fails half-way, loses nothing.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core import records

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


def join_rows(*tables: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge rows of several stage tables by pr_id; a PR must be in the first table to appear."""
    first, *rest = tables
    merged: dict[str, dict[str, Any]] = {row["pr_id"]: dict(row) for row in first}
    for table in rest:
        for row in table:
            if row["pr_id"] in merged:
                merged[row["pr_id"]].update(row)
    return sorted(merged.values(), key=lambda r: (r["merge_date"], r["pr_id"]))


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


class Warehouse:
    """Reads and replaces partition windows of the stage tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _table(self, name: str) -> sa.Table:
        try:
            return TABLES[name]
        except KeyError:
            raise UnknownTable(f"no warehouse table {name!r}; known: {', '.join(TABLES)}") from None

    def replace_window(self, table: str, start: date, end: date, rows: Iterable[Mapping[str, Any]]) -> int:
        """Delete the rows with merge_date in [start, end) and insert ``rows``, atomically.

        Rows outside the window are refused: writing them would let one partition's
        run overwrite another's, which breaks the idempotence the backfills rely on.
        """
        tbl = self._table(table)
        rows = [_complete(tbl, r) for r in rows]
        lo, hi = start.isoformat(), end.isoformat()
        stray = [r["pr_id"] for r in rows if not lo <= r["merge_date"] < hi]
        if stray:
            raise ValueError(f"{len(stray)} {table} rows fall outside the window {lo}..{hi}: {stray[:3]}")
        with self.engine.begin() as conn:
            conn.execute(sa.delete(tbl).where(tbl.c.merge_date >= lo, tbl.c.merge_date < hi))
            if rows:
                conn.execute(sa.insert(tbl), rows)
        return len(rows)

    def read_window(self, table: str, start: date, end: date) -> list[dict[str, Any]]:
        """Rows with merge_date in [start, end), ordered by (merge_date, pr_id) for stable output."""
        tbl = self._table(table)
        query = (
            sa.select(tbl)
            .where(tbl.c.merge_date >= start.isoformat(), tbl.c.merge_date < end.isoformat())
            .order_by(tbl.c.merge_date, tbl.c.pr_id)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def read_joined(self, tables: Sequence[str], start: date, end: date) -> list[dict[str, Any]]:
        """The window's rows of several stage tables merged per PR (see :func:`join_rows`)."""
        return join_rows(*(self.read_window(table, start, end) for table in tables))

    def read_columns(self, table: str, columns: Sequence[str]) -> list[dict[str, Any]]:
        """Some columns of every row of a table (the whole history, e.g. to find reverts), in key order."""
        tbl = self._table(table)
        query = sa.select(*(tbl.c[name] for name in columns)).order_by(tbl.c.merge_date, tbl.c.pr_id)
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
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if url.startswith("sqlite"):
                kwargs["connect_args"] = {"timeout": 60}
            engine = sa.create_engine(url, **kwargs)
            try:
                metadata.create_all(engine)
            except sa.exc.OperationalError as exc:
                engine.dispose()
                raise ConnectionError(
                    f"cannot reach the warehouse database at {engine.url.render_as_string(hide_password=True)}: "
                    f"{exc.orig}. Check ACHIEVEMENT_WAREHOUSE_URL or unset it to use the local SQLite file."
                ) from exc
            _check_columns(engine)
            _engines[url] = engine
    return Warehouse(engine)


class SchemaMismatch(RuntimeError):
    """A table exists with fewer columns than this version writes (an older version created it)."""


def _check_columns(engine: sa.Engine) -> None:
    """Fail clearly, before any write, when an existing table predates columns the code needs."""
    inspector = sa.inspect(engine)
    stale = []
    for name, table in TABLES.items():
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
