"""What the collector has already fetched, and where each source's collection stands.

Two warehouse tables, beside the stage tables and on the same database:

- ``github_pulls``: every PR a source has returned, as the row the ingest stage writes,
  keyed by (server, source, pr_id). A re-fetch replaces the copy, so nothing is doubled.
- ``github_sources``: one cursor per source. ``covered`` are merge-time intervals whose
  PRs are all stored; ``since`` is the last time updates were read up to; ``etag`` is
  GitHub's ETag for the source's probe, so an unchanged source costs one free 304;
  ``pending`` is the work in progress with the GraphQL cursor of the next page.

Each page of PRs is stored in the same transaction as the cursor that follows it, so a
collection stopped at any point resumes from the page after the last one stored.

A stored copy is kept as GitHub sent it: its JSON escapes every character (NUL and lone
surrogates included), so even text no database column accepts survives; the warehouse cleans it
when it writes the stage table (``core.warehouse.storable``). A copy that cannot be read as a PR
at all (not JSON, a field missing or of the wrong kind) is moved to a third table,
``github_pulls_set_aside``, with its reason and when, so it never fails a window's ingest again;
a fresh copy of the same PR from GitHub replaces it.

``github_pulls`` is one of the monthly tables (``core/partitions_pg.py``): on PostgreSQL it is
partitioned by month of ``merge_date``, which its primary key therefore holds; a PR stays stored
once per source, as every save deletes the PR's copies (in any month) before it inserts. Its old
months may be archived (``core/archive.py``): reads add the archived rows, and a save or a set-aside
brings the months it writes back to the hot table first.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core import archive, migrate
from achievement_pipeline.core.partitions_pg import month_of
from achievement_pipeline.core.records import PullRequestRecord, field_defaults, record_problems
from achievement_pipeline.core.warehouse import storable

metadata = sa.MetaData()

sources_table = sa.Table(
    "github_sources",
    metadata,
    sa.Column("server", sa.String(300), primary_key=True),  # "demo:42" or the API base URL
    sa.Column("source", sa.String(300), primary_key=True),  # Source.key, e.g. "user:octo-demo"
    sa.Column("etag", sa.String(300), nullable=True),
    sa.Column("since", sa.String(32), nullable=True),
    sa.Column("covered", sa.JSON, nullable=False),
    sa.Column("pending", sa.JSON, nullable=False),
    sa.Column("changed_at", sa.String(32), nullable=False),
)

pulls_table = sa.Table(
    "github_pulls",
    metadata,
    sa.Column("server", sa.String(300), primary_key=True),
    sa.Column("source", sa.String(300), primary_key=True),
    sa.Column("pr_id", sa.String(300), primary_key=True),
    sa.Column("merge_date", sa.String(10), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Index("ix_github_pulls_window", "server", "source", "merge_date"),
)

set_aside_table = sa.Table(
    "github_pulls_set_aside",
    metadata,
    sa.Column("server", sa.String(300), primary_key=True),
    sa.Column("source", sa.String(300), primary_key=True),
    sa.Column("pr_id", sa.String(300), primary_key=True),
    sa.Column("merge_date", sa.String(10), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("record", sa.Text, nullable=False),  # the copy as it was stored, for a person to inspect
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("set_aside_at", sa.String(32), nullable=False),
    sa.Index("ix_github_pulls_set_aside_window", "server", "source", "merge_date"),
)


@dataclass(frozen=True)
class SetAside:
    """A stored copy of a PR that could not be read as one: which, why, and when it was set aside."""

    pr_id: str
    source: str
    merge_date: str
    reason: str
    set_aside_at: str


_PULL_DEFAULTS = field_defaults(PullRequestRecord)


def _unreadable(text: str, pr_id: str, merge_date: str) -> tuple[dict[str, Any] | None, str]:
    """The stored copy as a record, or why it cannot be one (a reason short enough to read in the UI)."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        return None, f"the stored copy is not JSON ({exc})"
    problems = record_problems(record, PullRequestRecord)
    if not problems:
        if record["pr_id"] != pr_id:
            problems.append("its pr_id differs from the one it is stored under")
        try:
            date.fromisoformat(record["merge_date"])
        except ValueError:
            problems.append("merge_date is not a YYYY-MM-DD date")
        else:
            if record["merge_date"] != merge_date:
                problems.append("its merge_date differs from the one it is stored under")
    if problems:
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
        return None, f"not a pull request record: {shown}"
    return record, ""


def _with_defaults(record: dict[str, Any]) -> PullRequestRecord:
    """A stored PR with every field the record has today: older copies get the defaults.

    A record keeps its contract (every field present) however old the stored copy is.
    """
    return typing.cast(PullRequestRecord, {**_PULL_DEFAULTS, **record})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def as_utc(text: str | None) -> str:
    """A timestamp of GitHub's as records keep it: UTC with ``Z``; "" if none; as sent if it is no time.

    Records' timestamps are all UTC, so that they compare as text and a merge time's first ten
    characters are its UTC day (its partition) whatever offset GitHub wrote it with:
    ``2025-01-07T23:30:00-05:00`` was merged on the 8th. Text that is no ISO 8601 time is kept as
    it came, for the row rules to name.
    """
    if not text:
        return ""
    try:
        return iso(parse_iso(text))
    except ValueError:
        return text


@dataclass
class Task:
    """A search to run to the end: PRs whose ``field`` time lies in [lo, hi), from cursor ``after``.

    Search stops at 1,000 results; past them the same search goes on with ``created:>=``
    the creation time it stopped at (``created_from``). ``seen`` and ``total`` (GitHub's
    count) are the current stretch's, to size its last page. ``waiting`` are the lookups
    the last stored page still needs (its review comments, lists longer than a page), as
    ``queries.Continuation`` JSON: they ride with the next page.
    """

    field: str  # "merged" (filling coverage) | "updated" (reading changes)
    lo: str
    hi: str
    as_of: str  # GitHub's time when the work was planned (the probe's Date)
    after: str | None = None
    created_from: str | None = None
    seen: int = 0
    total: int | None = None
    waiting: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "lo": self.lo,
            "hi": self.hi,
            "as_of": self.as_of,
            "after": self.after,
            "created_from": self.created_from,
            "seen": self.seen,
            "total": self.total,
            "waiting": self.waiting,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Task:
        """A task as stored, by this version or an older one (which had only the first five)."""
        return cls(
            data["field"],
            data["lo"],
            data["hi"],
            data["as_of"],
            data.get("after"),
            data.get("created_from"),
            data.get("seen") or 0,
            data.get("total"),
            list(data.get("waiting") or []),
        )


@dataclass
class SourceState:
    etag: str | None = None
    since: str | None = None
    covered: list[list[str]] = field(default_factory=list)  # sorted, disjoint [lo, hi) ISO intervals
    pending: list[Task] = field(default_factory=list)

    def cover(self, lo: str, hi: str) -> None:
        """Add [lo, hi) to the covered intervals, merging overlaps and neighbours."""
        spans = sorted([*self.covered, [lo, hi]], key=lambda span: parse_iso(span[0]))
        merged: list[list[str]] = []
        for span in spans:
            if merged and parse_iso(span[0]) <= parse_iso(merged[-1][1]):
                if parse_iso(span[1]) > parse_iso(merged[-1][1]):
                    merged[-1][1] = span[1]
            else:
                merged.append(list(span))
        self.covered = merged

    def gaps(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [lo, hi) not yet covered."""
        found, cursor = [], lo
        for span_lo, span_hi in ((parse_iso(a), parse_iso(b)) for a, b in self.covered):
            if span_hi <= cursor or span_lo >= hi:
                continue
            if span_lo > cursor:
                found.append((cursor, span_lo))
            cursor = max(cursor, span_hi)
        if cursor < hi:
            found.append((cursor, hi))
        return found


class GitHubStore:
    """The collector's tables on a warehouse engine (SQLite or PostgreSQL), archived months included.

    ``archive_files``: where archived months' files are; None reads it from the settings when first needed.
    """

    def __init__(self, engine: sa.Engine, archive_files: archive.ArchiveFiles | None = None) -> None:
        self.engine = engine
        self._archive_files = archive_files
        migrate.upgrade(engine)  # the tables are the warehouse schema's (once per engine and process)

    @property
    def archive_files(self) -> archive.ArchiveFiles:
        if self._archive_files is None:
            self._archive_files = archive.ArchiveFiles.from_settings()
        return self._archive_files

    def load(self, server: str, source: str) -> SourceState:
        query = sa.select(sources_table).where(sources_table.c.server == server, sources_table.c.source == source)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return SourceState()
        return SourceState(
            etag=row["etag"],
            since=row["since"],
            covered=[list(span) for span in row["covered"]],
            pending=[Task.from_json(task) for task in row["pending"]],
        )

    def save(
        self, server: str, source: str, state: SourceState, pulls: Iterable[tuple[PullRequestRecord, str]] = ()
    ) -> None:
        """Store fetched PRs (record, updated_at) and the cursor that follows them, in one transaction."""
        rows = [
            {
                "server": server,
                "source": source,
                "pr_id": record["pr_id"],
                "merge_date": record["merge_date"],
                "updated_at": updated_at,
                "record": dict(record),
            }
            for record, updated_at in pulls
        ]
        state_row = {
            "server": server,
            "source": source,
            "etag": state.etag,
            "since": state.since,
            "covered": state.covered,
            "pending": [task.to_json() for task in state.pending],
            "changed_at": iso(datetime.now(UTC)),
        }
        key = (sources_table.c.server == server) & (sources_table.c.source == source)
        restored: list[str] = []
        with self.engine.begin() as conn:
            if rows:
                months = {month_of(row["merge_date"]) for row in rows}
                restored = archive.prepare_write(conn, pulls_table, self.archive_files, months)
                ids = [row["pr_id"] for row in rows]
                for chunk in range(0, len(ids), 500):
                    for table in (pulls_table, set_aside_table):  # a fresh copy replaces a set-aside one too
                        conn.execute(
                            sa.delete(table).where(
                                table.c.server == server,
                                table.c.source == source,
                                table.c.pr_id.in_(ids[chunk : chunk + 500]),
                            )
                        )
                conn.execute(sa.insert(pulls_table), rows)
            conn.execute(sa.delete(sources_table).where(key))
            conn.execute(sa.insert(sources_table), [state_row])
        archive.forget(self.archive_files, restored)

    def read_pulls(self, server: str, source: str, pr_ids: Iterable[str]) -> list[tuple[PullRequestRecord, str]]:
        """The stored copies of ``pr_ids`` with their ``updated_at``: a page whose lookups an interrupted run left.

        The hot table only: those copies were just saved, and a save brings back the months it writes.
        """
        wanted = list(dict.fromkeys(pr_ids))
        found: list[tuple[PullRequestRecord, str]] = []
        with self.engine.connect() as conn:
            for chunk in range(0, len(wanted), 500):
                query = sa.select(pulls_table.c.record, pulls_table.c.updated_at).where(
                    pulls_table.c.server == server,
                    pulls_table.c.source == source,
                    pulls_table.c.pr_id.in_(wanted[chunk : chunk + 500]),
                )
                found += [(_with_defaults(record), updated_at) for record, updated_at in conn.execute(query)]
        return found

    def read_window(self, server: str, sources: Iterable[str], start: date, end: date) -> list[PullRequestRecord]:
        """PRs of ``sources`` merged in [start, end), one per pr_id (the most recently updated copy).

        A copy that cannot be read as a PR is moved to ``github_pulls_set_aside`` with its reason
        (see :meth:`set_aside`) instead of failing the window, now and on every later read.
        """
        keys = list(sources)
        if not keys:
            return []
        # The JSON as text, parsed here copy by copy: one malformed copy must not fail the query.
        text = sa.cast(pulls_table.c.record, sa.Text).label("record")
        query = sa.select(
            pulls_table.c.source, pulls_table.c.pr_id, pulls_table.c.merge_date, pulls_table.c.updated_at, text
        ).where(
            pulls_table.c.server == server,
            pulls_table.c.source.in_(keys),
            pulls_table.c.merge_date >= start.isoformat(),
            pulls_table.c.merge_date < end.isoformat(),
        )
        newest: dict[str, tuple[str, PullRequestRecord]] = {}
        unreadable: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            found = list(conn.execute(query))
            held = archive.entries(conn, pulls_table.name, start.isoformat(), end.isoformat())
        only = {"server": [server], "source": keys}
        for entry in held:
            rows = archive.archived_rows(
                self.archive_files, entry, pulls_table, start.isoformat(), end.isoformat(), only, parse_json=False
            )
            found += [(r["source"], r["pr_id"], r["merge_date"], r["updated_at"], r["record"]) for r in rows]
        for source, pr_id, merge_date, updated_at, stored in found:
            record, reason = _unreadable(stored, pr_id, merge_date)
            if record is None:
                unreadable.append(
                    {
                        "server": server,
                        "source": source,
                        "pr_id": pr_id,
                        "merge_date": merge_date,
                        "updated_at": updated_at,
                        "record": stored,
                        "reason": storable(reason),
                        "set_aside_at": iso(datetime.now(UTC)),
                    }
                )
            elif pr_id not in newest or updated_at > newest[pr_id][0]:
                newest[pr_id] = (updated_at, _with_defaults(record))
        if unreadable:
            self._set_aside(unreadable)
        return sorted((record for _, record in newest.values()), key=lambda r: (r["merge_date"], r["pr_id"]))

    def _set_aside(self, rows: list[dict[str, Any]]) -> None:
        """Move unreadable copies out of ``github_pulls``, in one transaction (only the copy that was read)."""
        with self.engine.begin() as conn:
            months = {month_of(row["merge_date"]) for row in rows}
            restored = archive.prepare_write(conn, pulls_table, self.archive_files, months)
            for row in rows:
                for table, only_this_copy in ((set_aside_table, ()), (pulls_table, ("updated_at",))):
                    same = [table.c[name] == row[name] for name in ("server", "source", "pr_id", *only_this_copy)]
                    conn.execute(sa.delete(table).where(*same))
            conn.execute(sa.insert(set_aside_table), rows)
        archive.forget(self.archive_files, restored)

    def set_aside(self, server: str, sources: Iterable[str], start: date, end: date) -> list[SetAside]:
        """Copies of PRs merged in [start, end) that were set aside as unreadable, with why and when."""
        keys = list(sources)
        if not keys:
            return []
        t = set_aside_table
        query = (
            sa.select(t.c.pr_id, t.c.source, t.c.merge_date, t.c.reason, t.c.set_aside_at)
            .where(
                t.c.server == server,
                t.c.source.in_(keys),
                t.c.merge_date >= start.isoformat(),
                t.c.merge_date < end.isoformat(),
            )
            .order_by(t.c.merge_date, t.c.pr_id, t.c.source)
        )
        with self.engine.connect() as conn:
            return [SetAside(*row) for row in conn.execute(query)]

    def count(self, server: str, source: str) -> int:
        """PRs stored for the source, hot and archived."""
        query = sa.select(sa.func.count()).where(pulls_table.c.server == server, pulls_table.c.source == source)
        with self.engine.connect() as conn:
            hot = int(conn.execute(query).scalar_one())
            held = archive.entries(conn, pulls_table.name)
        only = {"server": [server], "source": [source]}
        return hot + sum(len(archive.archived_rows(self.archive_files, e, pulls_table, where=only)) for e in held)
