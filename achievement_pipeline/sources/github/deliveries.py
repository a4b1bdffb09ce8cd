"""The webhook deliveries the receiver accepted, kept in the warehouse until the sensor has read them.

One table on the warehouse's engine (SQLite or PostgreSQL), beside the collector's own:
``github_webhook_deliveries``. Each row is one delivery GitHub sent and the receiver verified,
with only what collection needs (which PR, its merge day, who wrote it, when it arrived); never
the payload, never a header. ``seq`` numbers the rows in the order they were committed, so a
reader that remembers the last ``seq`` it read (the sensor's cursor) misses none and reads none
twice:

- On PostgreSQL a sequence hands out numbers when rows are inserted, not when they commit; two
  receivers inserting at once could commit 6 before 5, and a reader that saw 6 would skip 5 for
  good. Every insert therefore holds one transaction-scoped advisory lock, so numbers are taken
  and committed one insert at a time (a few milliseconds each: GitHub's deliveries are far
  rarer than that).
- SQLite serializes writers by itself; ``AUTOINCREMENT`` keeps numbers from ever being reused.

A delivery is stored once: a second copy with the same ``X-GitHub-Delivery`` GUID (GitHub's
redelivery keeps it; an organisation and a repository webhook share it), or with the same signed
body under another GUID (a captured delivery replayed), is recognised and not stored again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from achievement_pipeline.sources.github.webhooks import Delivery

metadata = sa.MetaData()

deliveries_table = sa.Table(
    "github_webhook_deliveries",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.String(64), nullable=False, unique=True),
    sa.Column("body_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("repository", sa.String(300), nullable=False),
    sa.Column("pr_number", sa.Integer, nullable=False),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("merge_day", sa.String(10), nullable=False),
    sa.Column("received_at", sa.String(32), nullable=False),
    sqlite_autoincrement=True,
)

# The PostgreSQL advisory lock every insert holds: a stable signed 64-bit number of its own.
_INSERT_LOCK = int.from_bytes(
    hashlib.blake2b(b"achievement_pipeline.webhooks:github_webhook_deliveries", digest_size=8).digest(),
    "big",
    signed=True,
)


@dataclass(frozen=True)
class StoredDelivery:
    """A stored delivery, with its place in the commit order and when it arrived (UTC, ISO 8601)."""

    seq: int
    delivery: Delivery
    received_at: str


class DeliveryStore:
    """The deliveries table on a warehouse engine; created if missing."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)  # checks first: creates only what is missing

    def add(self, delivery: Delivery, received_at: datetime | None = None) -> int | None:
        """Store ``delivery`` and return its ``seq``; None when it is already stored (nothing is written)."""
        moment = (received_at or datetime.now(UTC)).astimezone(UTC)
        row = {
            "delivery_id": delivery.delivery_id,
            "body_sha256": delivery.body_sha256,
            "event": delivery.event,
            "action": delivery.action,
            "repository": delivery.repository,
            "pr_number": delivery.pr_number,
            "author": delivery.author,
            "merge_day": delivery.merge_day,
            "received_at": moment.isoformat(timespec="microseconds"),
        }
        with self.engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INSERT_LOCK})
            # One statement: a duplicate (either unique column) inserts nothing and returns no row.
            statement = dialect.insert(deliveries_table).values(row).on_conflict_do_nothing()
            return conn.execute(statement.returning(deliveries_table.c.seq)).scalar_one_or_none()

    def after(self, seq: int, limit: int) -> list[StoredDelivery]:
        """Up to ``limit`` deliveries stored after ``seq``, in commit order."""
        table = deliveries_table
        query = sa.select(table).where(table.c.seq > seq).order_by(table.c.seq).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            StoredDelivery(
                seq=int(row["seq"]),
                delivery=Delivery(
                    delivery_id=row["delivery_id"],
                    event=row["event"],
                    action=row["action"],
                    repository=row["repository"],
                    pr_number=int(row["pr_number"]),
                    author=row["author"],
                    merge_day=row["merge_day"],
                    body_sha256=row["body_sha256"],
                ),
                received_at=row["received_at"],
            )
            for row in rows
        ]

    def last_seq(self) -> int:
        """The highest ``seq`` stored, 0 for an empty table."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(deliveries_table.c.seq))).scalar_one() or 0)
