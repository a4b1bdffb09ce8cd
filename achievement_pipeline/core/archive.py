"""The warm tier: old months of the monthly tables as Parquet files in the object store, read as if still there.

Hot rows live in the warehouse (a month partition on PostgreSQL, ``core/partitions_pg.py``). With
``ACHIEVEMENT_ARCHIVE_AFTER_MONTHS`` set, a month older than that is *archived*: its rows of one table
become one Parquet file (:func:`to_parquet`, the table's columns as Arrow types, JSON columns as their
JSON text with field metadata saying so, so the round trip is exact), the file is read back and
compared before anything is removed, the month is recorded in the ``archived_months`` catalog (where,
how many rows and bytes, the file's SHA-256, checked whenever the file is read, and when), and the
month leaves the hot table (its partition detached and dropped on PostgreSQL, its rows deleted on
SQLite), all in one transaction holding the table's write lock.

Reads stay the same: the warehouse and the collector's store read the catalog beside the hot rows
and add the archived months' rows a read covers (:func:`archived_rows`), identical to what the
database returned before. A write overlapping an archived month (a backfill run again, a PR fetched
again) first puts the month back into the hot table and out of the catalog (:func:`prepare_write`), so
the delete-and-insert that makes a window re-run idempotent sees every row; the file is deleted once
that transaction has committed. Files are never overwritten: each archiving writes a new key.

The files go to S3 under ``ACHIEVEMENT_ARCHIVE_PREFIX`` of ``ACHIEVEMENT_S3_BUCKET`` when a bucket is
set (the lifecycle rules in ``deploy/s3/archive-lifecycle.json`` move them colder later), else to the
local folder ``ACHIEVEMENT_HOME/archive``, away from the exports the export server publishes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core import settings
from achievement_pipeline.core.partitions_pg import (
    check_month,
    create_partitions,
    drop_partition,
    lock_table,
    month_bounds,
    month_of,
    partitioned,
    partitions,
)

catalog_metadata = sa.MetaData()
CATALOG = sa.Table(
    "archived_months",
    catalog_metadata,
    sa.Column("table_name", sa.String(64), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("byte_count", sa.BigInteger, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("archived_at", sa.String(32), nullable=False),
)

# Field metadata of a JSON column's Arrow field: its values are the column's JSON text.
ENCODING = b"achievement.encoding"
JSON_TEXT = b"json"
FORMAT_VERSION = b"1"


@dataclass(frozen=True)
class ArchivedMonth:
    """One catalog entry: a table's month, where its Parquet file is, its rows, bytes and SHA-256, and when."""

    table: str
    month: str
    location: str
    rows: int
    bytes: int
    digest: str
    archived_at: str


class ArchiveUnavailable(settings.ServiceUnavailable):
    """The object store holding the archive does not answer (the message names its variables)."""


class ArchiveUnreadable(RuntimeError):
    """An archived month's file is gone, frozen in a cold storage class, or not what was archived."""


# -- where the files are ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveFiles:
    """Where archived months are written (S3 bucket and prefix, or a local folder) and how S3 is reached.

    A catalog entry names its file by location (``s3://bucket/key`` or a path), so a month stays
    readable wherever later archiving writes.
    """

    bucket: str = ""
    prefix: str = "warehouse-archive"
    endpoint_url: str = ""
    region_name: str = ""
    local_dir: str = ""

    @classmethod
    def from_settings(cls) -> ArchiveFiles:
        return cls(
            bucket=settings.text("ACHIEVEMENT_S3_BUCKET"),
            prefix=settings.text("ACHIEVEMENT_ARCHIVE_PREFIX"),
            endpoint_url=settings.text("ACHIEVEMENT_S3_ENDPOINT_URL"),
            region_name=settings.text("AWS_REGION"),
            local_dir=str(settings.home() / "archive"),
        )

    def _key(self, relative_key: str) -> str:
        return f"{self.prefix.strip('/')}/{relative_key}" if self.prefix.strip("/") else relative_key

    def s3_client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url or None, region_name=self.region_name or None)

    def put(self, relative_key: str, data: bytes) -> str:
        """Store ``data`` under prefix/relative_key; its location."""
        key = self._key(relative_key)
        if self.bucket:
            with self._said_plainly(f"s3://{self.bucket}/{key}"):
                self.s3_client().put_object(
                    Bucket=self.bucket, Key=key, Body=data, ContentType="application/vnd.apache.parquet"
                )
            return f"s3://{self.bucket}/{key}"
        path = Path(self.local_dir or settings.home() / "archive") / key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".tmp")
        partial.write_bytes(data)
        partial.replace(path)
        return str(path)

    def read(self, location: str) -> bytes:
        """The bytes at ``location``; ArchiveUnreadable when nothing is there or it is in a cold storage class."""
        if not location.startswith("s3://"):
            path = Path(location)
            if not path.is_file():
                raise ArchiveUnreadable(f"the archived file {location} is missing")
            return path.read_bytes()
        bucket, key = location.removeprefix("s3://").split("/", 1)
        with self._said_plainly(location):
            return self.s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def delete(self, location: str) -> None:
        if not location.startswith("s3://"):
            Path(location).unlink(missing_ok=True)
            return
        bucket, key = location.removeprefix("s3://").split("/", 1)
        with self._said_plainly(location):
            self.s3_client().delete_object(Bucket=bucket, Key=key)

    @contextlib.contextmanager
    def _said_plainly(self, location: str) -> Iterator[None]:
        """botocore's errors as one line naming the setting to fix or the step to take."""
        from botocore import exceptions as aws

        where = f"S3 at {self.endpoint_url}" if self.endpoint_url else "S3"
        try:
            yield
        except (aws.EndpointConnectionError, aws.ConnectTimeoutError, aws.ReadTimeoutError) as exc:
            raise ArchiveUnavailable(
                f"{where} is unreachable ({exc}) for the warehouse archive {location}: start it or fix "
                "ACHIEVEMENT_S3_ENDPOINT_URL (or AWS_REGION)"
            ) from exc
        except aws.NoCredentialsError:
            raise settings.SettingError(
                f"no AWS credentials for the warehouse archive {location}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or use a profile or role)"
            ) from None
        except aws.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "InvalidObjectState":
                raise ArchiveUnreadable(
                    f"the archived file {location} is in a cold storage class (GLACIER or DEEP_ARCHIVE, see "
                    "deploy/s3/archive-lifecycle.json): restore it first (`achievement-archive thaw`, or "
                    "aws s3api restore-object), then read again once S3 has made it readable"
                ) from None
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ArchiveUnreadable(f"the archived file {location} is missing from the bucket") from None
            if code in ("NoSuchBucket", "403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise settings.SettingError(
                    f"{where} refused the warehouse archive {location} ({code}): check ACHIEVEMENT_S3_BUCKET, "
                    "the AWS credentials and the bucket's policy"
                ) from None
            raise


def file_key(table: str, month: str, archived_at: str) -> str:
    """Where one archiving of a table's month goes, under the prefix: a new key each time, never overwritten."""
    stamp = archived_at.replace("-", "").replace(":", "").replace(".", "").replace("+0000", "Z")
    return f"{table}/{month}/{table}-{month}-{stamp}.parquet"


# -- Parquet -----------------------------------------------------------------------------------------------


def arrow_schema(table: sa.Table, month: str = "") -> Any:
    """The Arrow schema of ``table``'s Parquet files: text, integer, float and boolean columns as such, JSON as
    its text (field metadata ``achievement.encoding: json``), every field keeping its SQL type and nullability."""
    import pyarrow as pa

    fields = []
    for column in table.columns:
        kind = column.type
        meta = {b"achievement.sql_type": repr(kind).encode()}
        if isinstance(kind, sa.JSON):
            arrow, meta[ENCODING] = pa.string(), JSON_TEXT
        elif isinstance(kind, sa.Boolean):
            arrow = pa.bool_()
        elif isinstance(kind, sa.Integer):
            arrow = pa.int64()
        elif isinstance(kind, sa.Float):
            arrow = pa.float64()
        elif isinstance(kind, sa.String):
            arrow = pa.string()
        else:
            raise TypeError(f"{table.name}.{column.name} is {kind!r}: no Arrow type is mapped for it")
        fields.append(pa.field(column.name, arrow, nullable=bool(column.nullable), metadata=meta))
    about = {b"achievement.table": table.name.encode(), b"achievement.format": FORMAT_VERSION}
    if month:
        about[b"achievement.month"] = month.encode()
    return pa.schema(fields, metadata=about)


def _json_columns(table: sa.Table) -> set[str]:
    return {column.name for column in table.columns if isinstance(column.type, sa.JSON)}


def as_stored(table: sa.Table) -> sa.Select[Any]:
    """``table``'s rows with every JSON column as the JSON text the database holds (what a file keeps)."""
    json_columns = _json_columns(table)
    return sa.select(
        *(
            sa.cast(column, sa.Text).label(column.name) if column.name in json_columns else column
            for column in table.columns
        )
    )


def to_parquet(table: sa.Table, month: str, stored_rows: list[dict[str, Any]]) -> bytes:
    """One month of ``table`` (rows as :func:`as_stored` reads them) as Parquet bytes (zstd)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table, month)
    columns = {name: [row[name] for row in stored_rows] for name in schema.names}
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), sink, compression="zstd")
    return sink.getvalue()


def _read_parquet(data: bytes) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data))


def _decoded(table: sa.Table, arrow: Any, *, parse_json: bool) -> list[dict[str, Any]]:
    """Rows of an archived file with ``table``'s columns today: a column the file lacks (added by a later
    revision) takes its declared default; JSON text parsed when ``parse_json``, else kept as stored."""
    present = set(arrow.schema.names)
    json_columns = {name for name in present if (arrow.schema.field(name).metadata or {}).get(ENCODING) == JSON_TEXT}
    values: dict[str, list[Any]] = {}
    for column in table.columns:
        if column.name in present:
            found = arrow.column(column.name).to_pylist()
            if parse_json and column.name in json_columns:
                found = [None if text is None else json.loads(text) for text in found]
        elif column.default is not None and not callable(column.default.arg):
            default = column.default.arg
            stored = default if parse_json or not isinstance(column.type, sa.JSON) else json.dumps(default)
            found = [stored] * arrow.num_rows
        else:
            raise ArchiveUnreadable(f"an archived {table.name} file lacks {column.name}, which has no default")
        values[column.name] = found
    names = list(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*(values[name] for name in names), strict=True)]


# -- the catalog -------------------------------------------------------------------------------------------


def has_catalog(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(CATALOG.name)


def window_months(lo: str, hi: str) -> tuple[str, str]:
    """The first and last month a window [lo, hi) of ISO days touches (hi excluded)."""
    last = date.fromordinal(max(date.fromisoformat(hi).toordinal() - 1, 1)).isoformat()
    return month_of(lo), month_of(max(last, lo))


def entries(
    conn: sa.Connection,
    table: str | None = None,
    lo: str | None = None,
    hi: str | None = None,
    months: Collection[str] = (),
) -> list[ArchivedMonth]:
    """Catalog entries, by table and month: of ``table``; of the months the window [lo, hi) touches, and of
    ``months``, when either is given."""
    c = CATALOG.c
    query = sa.select(c.table_name, c.month, c.location, c.row_count, c.byte_count, c.digest, c.archived_at)
    if table is not None:
        query = query.where(c.table_name == table)
    chosen = []
    if lo is not None and hi is not None:
        first, last = window_months(lo, hi)
        chosen.append(sa.and_(c.month >= first, c.month <= last))
    if months:
        chosen.append(c.month.in_(sorted(months)))
    if chosen:
        query = query.where(sa.or_(*chosen))
    return [ArchivedMonth(*row) for row in conn.execute(query.order_by(c.table_name, c.month))]


# -- reading archived rows ---------------------------------------------------------------------------------

_loaded: OrderedDict[str, Any] = OrderedDict()  # location -> Arrow table, checked against its catalog entry
_loaded_lock = threading.Lock()
_KEPT_FILES = 64


def _load(files: ArchiveFiles, entry: ArchivedMonth, table: sa.Table) -> Any:
    """The entry's file as an Arrow table, checked once per process (its SHA-256 and rows), then kept: files never
    change. Its rows were compared with the table's before the month was archived; the digest says it is that file."""
    with _loaded_lock:
        if entry.location in _loaded:
            _loaded.move_to_end(entry.location)
            return _loaded[entry.location]
    try:
        data = files.read(entry.location)
    except ArchiveUnreadable as exc:
        raise ArchiveUnreadable(f"archived month {entry.month} of {entry.table}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != entry.digest:
        raise ArchiveUnreadable(
            f"the archived file {entry.location} of {entry.table} {entry.month} is not the file archived (its "
            "SHA-256 differs from the catalog's): restore it from the bucket's versions or a backup"
        )
    arrow = _read_parquet(data)
    if arrow.num_rows != entry.rows:
        raise ArchiveUnreadable(f"the archived file {entry.location} holds {arrow.num_rows} rows, not {entry.rows}")
    with _loaded_lock:
        _loaded[entry.location] = arrow
        while len(_loaded) > _KEPT_FILES:
            _loaded.popitem(last=False)
    return arrow


def archived_rows(
    files: ArchiveFiles,
    entry: ArchivedMonth,
    table: sa.Table,
    lo: str | None = None,
    hi: str | None = None,
    where: Mapping[str, Collection[str]] | None = None,
    *,
    parse_json: bool = True,
) -> list[dict[str, Any]]:
    """The archived month's rows as the database returned them, of merge_date in [lo, hi) when given, and of
    the values ``where`` lists for its columns (e.g. ``{"pr_id": ids}``); filtered before they are decoded.
    ``parse_json=False``: JSON columns as the text the database held (what a ``CAST(... AS TEXT)`` reads)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = _load(files, entry, table)
    mask = None
    conditions = []
    if lo is not None and hi is not None:
        dates = arrow.column("merge_date")
        conditions.append(pc.and_(pc.greater_equal(dates, lo), pc.less(dates, hi)))
    for name, allowed in (where or {}).items():
        conditions.append(pc.is_in(arrow.column(name), value_set=pa.array(sorted(allowed), pa.string())))
    for condition in conditions:
        mask = condition if mask is None else pc.and_(mask, condition)
    if mask is not None:
        arrow = arrow.filter(mask)
    return _decoded(table, arrow, parse_json=parse_json)


# -- writing over archived months --------------------------------------------------------------------------


def restore(
    conn: sa.Connection,
    table: sa.Table,
    files: ArchiveFiles,
    lo: str | None = None,
    hi: str | None = None,
    months: Collection[str] = (),
) -> list[str]:
    """Put ``table``'s archived months (those the window [lo, hi) touches and ``months``; all when neither is
    given) back into the hot table and out of the catalog, in the caller's transaction, which holds the table's
    lock (:func:`prepare_write`); the files to delete (:func:`forget`) once it commits."""
    found = entries(conn, table.name, lo, hi, months)
    if not found:
        return []
    create_partitions(conn, table.name, [entry.month for entry in found])
    plain = sa.table(table.name, *(sa.column(column.name) for column in table.columns))
    for entry in found:
        arrow = _load(files, entry, table)  # checked (SHA-256, rows) before anything is written
        rows = _decoded(table, arrow, parse_json=False)  # JSON as the text it was: inserted unchanged
        if rows:
            conn.execute(sa.insert(plain), rows)
        conn.execute(sa.delete(CATALOG).where(CATALOG.c.table_name == table.name, CATALOG.c.month == entry.month))
    return [entry.location for entry in found]


def prepare_write(
    conn: sa.Connection,
    table: sa.Table,
    files: ArchiveFiles,
    months: Iterable[str],
    lo: str | None = None,
    hi: str | None = None,
) -> list[str]:
    """Make ``table`` ready for a write in the caller's transaction: its lock taken, the archived months the
    window [lo, hi) (a window's delete) and ``months`` (the rows' months) touch restored, partitions made for
    ``months``. Returns the restored months' files, to delete (:func:`forget`) after the transaction commits.

    The warehouse's engine is migrated (``core/migrate.py``), so the catalog is there.
    """
    lock_table(conn, table.name)
    wanted = sorted(set(months))
    locations = restore(conn, table, files, lo, hi, wanted) if wanted or (lo and hi) else []
    create_partitions(conn, table.name, wanted)
    return locations


def forget(files: ArchiveFiles, locations: Iterable[str]) -> None:
    """Delete restored months' files; one that cannot be deleted now is left (the catalog no longer names it)."""
    for location in locations:
        with contextlib.suppress(Exception):
            files.delete(location)


# -- archiving ---------------------------------------------------------------------------------------------


def cutoff(today: date, after_months: int) -> str:
    """The first month kept hot: months before it are archived (today's month and ``after_months`` before it stay)."""
    index = today.year * 12 + (today.month - 1) - after_months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def hot_months(conn: sa.Connection, table: sa.Table, before: str | None = None) -> list[str]:
    """The months ``table`` holds hot rows of (before the month ``before`` when given).

    A partitioned table's are its partitions' months (a catalog read, not a scan of every old row); one may
    turn out empty, and :func:`archive_month` then leaves it.
    """
    if partitioned(conn, table.name):
        return sorted(month for month in partitions(conn, table.name) if before is None or month < check_month(before))
    month = sa.func.substr(table.c.merge_date, 1, 7)
    query = sa.select(month).distinct().order_by(month)
    if before is not None:
        query = query.where(table.c.merge_date < f"{check_month(before)}-01")
    return [str(found) for found in conn.execute(query).scalars()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def archive_month(engine: sa.Engine, table: sa.Table, month: str, files: ArchiveFiles) -> ArchivedMonth | None:
    """Move ``table``'s rows of ``month`` to a Parquet file, the catalog and out of the hot table; None when it
    holds none. One transaction holding the table's lock; the file is read back and compared before rows go."""
    first, after = month_bounds(month)
    keys = [column for column in table.primary_key.columns if column.name != "merge_date"]
    written: str | None = None
    try:
        with engine.begin() as conn:
            lock_table(conn, table.name)
            restored = restore(conn, table, files, months=[month])  # archived before, written since: one file
            query = as_stored(table).where(table.c.merge_date >= first, table.c.merge_date < after)
            stored = [dict(row._mapping) for row in conn.execute(query.order_by(table.c.merge_date, *keys))]
            if not stored:
                return None
            data = to_parquet(table, month, stored)
            if _decoded(table, _read_parquet(data), parse_json=False) != stored:
                raise ArchiveUnreadable(f"{table.name} {month} does not read back from Parquet as written")
            archived_at = _now()
            written = files.put(file_key(table.name, month, archived_at), data)
            digest = hashlib.sha256(data).hexdigest()
            entry = ArchivedMonth(table.name, month, written, len(stored), len(data), digest, archived_at)
            conn.execute(
                sa.insert(CATALOG).values(
                    table_name=entry.table,
                    month=entry.month,
                    location=entry.location,
                    row_count=entry.rows,
                    byte_count=entry.bytes,
                    digest=entry.digest,
                    archived_at=entry.archived_at,
                )
            )
            if partitioned(conn, table.name):
                drop_partition(conn, table.name, month)
            else:
                conn.execute(sa.delete(table).where(table.c.merge_date >= first, table.c.merge_date < after))
    except BaseException:
        if written is not None:
            forget(files, [written])  # the catalog never named it
        raise
    forget(files, restored)
    return entry


def archive_old_months(
    engine: sa.Engine, tables: Iterable[sa.Table], files: ArchiveFiles, after_months: int, today: date
) -> list[ArchivedMonth]:
    """Archive every month before :func:`cutoff` that the tables hold hot rows of; what was archived.

    ``after_months`` 0 archives nothing (the tiers are off).
    """
    if after_months <= 0:
        return []
    before = cutoff(today, after_months)
    done = []
    for table in tables:
        with engine.connect() as conn:
            months = hot_months(conn, table, before)
        for month in months:
            entry = archive_month(engine, table, month, files)
            if entry is not None:
                done.append(entry)
    return done


def restore_month(engine: sa.Engine, table: sa.Table, month: str, files: ArchiveFiles) -> ArchivedMonth | None:
    """Bring ``table``'s archived ``month`` back into the hot table (and delete its file); None if it is not archived.

    A restored month stays hot until the next archiving finds it old enough again.
    """
    with engine.begin() as conn:
        lock_table(conn, table.name)
        found = entries(conn, table.name, months=[month])
        locations = restore(conn, table, files, months=[month])
    forget(files, locations)
    return found[0] if found else None


@dataclass(frozen=True)
class TierSizes:
    """How much of each monthly table is where: hot rows, and archived months, rows and bytes."""

    hot_rows: dict[str, int]
    archived_months: dict[str, int]
    archived_rows: dict[str, int]
    archived_bytes: dict[str, int]


def tier_sizes(conn: sa.Connection, tables: Iterable[str], counted: Mapping[str, int] | None = None) -> TierSizes:
    """The tiers' sizes of the named tables that exist (a catalog-less warehouse has nothing archived).

    ``counted``: hot rows the caller has counted already (a count of a large table is a scan: once is enough).
    """
    inspector = sa.inspect(conn)
    hot = {}
    for name in tables:
        if counted is not None and name in counted:
            hot[name] = counted[name]
        elif inspector.has_table(name):
            hot[name] = int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
    months: dict[str, int] = {}
    rows: dict[str, int] = {}
    size: dict[str, int] = {}
    if inspector.has_table(CATALOG.name):
        c = CATALOG.c
        query = sa.select(c.table_name, sa.func.count(), sa.func.sum(c.row_count), sa.func.sum(c.byte_count))
        for name, count, row_count, byte_count in conn.execute(query.group_by(c.table_name)):
            months[name], rows[name], size[name] = int(count), int(row_count or 0), int(byte_count or 0)
    return TierSizes(hot, months, rows, size)
