"""The warehouse: one SQL table per stage, written a partition window at a time.

SQLAlchemy Core keeps one code path for SQLite (the embedded default) and PostgreSQL
(production). Every write replaces a window's rows inside one transaction, so a re-run
of a partition leaves no duplicates and, if it fails half-way, loses nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()


def _key_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("pr_id", sa.String(300), primary_key=True),
        sa.Column("merge_date", sa.String(10), nullable=False, index=True),
    ]


TABLES: dict[str, sa.Table] = {
    "pull_requests": sa.Table(
        "pull_requests",
        metadata,
        *_key_columns(),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("merged_at", sa.String(32), nullable=False),
        sa.Column("base_ref", sa.String(255), nullable=False),
        sa.Column("head_ref", sa.String(255), nullable=False),
        sa.Column("additions", sa.Integer, nullable=False),
        sa.Column("deletions", sa.Integer, nullable=False),
        sa.Column("changed_files", sa.Integer, nullable=False),
        sa.Column("commits", sa.Integer, nullable=False, default=0),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("reviews", sa.JSON, nullable=False),
        sa.Column("review_comments", sa.JSON, nullable=False),
        sa.Column("issue_comments", sa.JSON, nullable=False),
        sa.Column("linked_issues", sa.JSON, nullable=False),
    ),
    "enriched_prs": sa.Table(
        "enriched_prs",
        metadata,
        *_key_columns(),
        sa.Column("conventional_type", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("clean_title", sa.Text, nullable=False),
        sa.Column("lines_changed", sa.Integer, nullable=False),
        sa.Column("size_class", sa.String(4), nullable=False),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("review_count", sa.Integer, nullable=False),
        sa.Column("review_comment_count", sa.Integer, nullable=False),
        sa.Column("claims", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("achievement", sa.Text, nullable=False),
        sa.Column("star", sa.JSON, nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("flagged_numbers", sa.JSON, nullable=False),
        sa.Column("summariser", sa.String(200), nullable=False),
    ),
    "predictions": sa.Table(
        "predictions",
        metadata,
        *_key_columns(),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("category_confidence", sa.Float, nullable=False),
        sa.Column("impact", sa.String(10), nullable=False),
        sa.Column("impact_confidence", sa.Float, nullable=False),
        sa.Column("review_sentiment", sa.String(10), nullable=False),
        sa.Column("sentiment_confidence", sa.Float, nullable=False),
        sa.Column("sentiment_score", sa.Float, nullable=False),
        sa.Column("negative_review_share", sa.Float, nullable=False),
        sa.Column("review_text_count", sa.Integer, nullable=False),
        sa.Column("model_name", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
    ),
    "valuations": sa.Table(
        "valuations",
        metadata,
        *_key_columns(),
        sa.Column("hours_low", sa.Float, nullable=False),
        sa.Column("hours_expected", sa.Float, nullable=False),
        sa.Column("hours_high", sa.Float, nullable=False),
        sa.Column("value_low", sa.Float, nullable=False),
        sa.Column("value_expected", sa.Float, nullable=False),
        sa.Column("value_high", sa.Float, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("assumptions", sa.JSON, nullable=False),
    ),
    "validated_achievements": sa.Table(
        "validated_achievements",
        metadata,
        *_key_columns(),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
    ),
}


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
        rows = [dict(r) for r in rows]
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
