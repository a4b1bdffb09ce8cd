"""The audit trail: every export, who asked for it, when, for whom, over which window, from what.

One append-only table in the warehouse, ``audit_trail``. The portfolio asset appends a row after
each export, also when the files were reused unchanged (someone still asked for them, then), with:

- who started the run (``core.launched_by``: the signed-in person, else the schedule, sensor or
  backfill that did) and the run's id;
- the subject (person, team and its members, or everyone collected) and the window;
- the inputs: the warehouse window records of every table read (rows and digest of each write,
  ``Warehouse.last_write``'s records), the digest of the rows read, the model versions, the
  assumptions ledger's hash, the curation choices (how many and their digest), and what the GitHub
  token could see and what was left out for privacy;
- the document's digest and whether the files were rendered or reused, and where they are.

Append-only: this module inserts and reads, and nothing in the code updates or deletes a row. The
database holds to it as well: triggers on SQLite and PostgreSQL refuse an UPDATE or DELETE (and on
PostgreSQL a TRUNCATE) of the table, so a mistaken script cannot rewrite history either; whoever
owns the database can still drop the triggers, which a database's owner always can.

Never a secret: logins and names only. Tags are free text, so every string is redacted
(``core.redaction``) and URLs lose their credentials before a row is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.core.fingerprints import fingerprint
from achievement_pipeline.core.launched_by import Launcher, who_started
from achievement_pipeline.core.redaction import redact_all
from achievement_pipeline.core.text import md_escape
from achievement_pipeline.core.warehouse import WINDOW_WRITES, Warehouse
from achievement_pipeline.export.curation import Choice
from achievement_pipeline.export.subjects import Subject

EXPORT = "export"
TABLE = "audit_trail"
_REFUSED = "audit_trail is append-only: rows are never updated or deleted"

metadata = sa.MetaData()
trail_table = sa.Table(
    TABLE,
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("recorded_at", sa.String(32), nullable=False),  # UTC, ISO 8601
    sa.Column("event", sa.String(20), nullable=False),  # "export"
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("launched_by_kind", sa.String(20), nullable=False),  # user | schedule | sensor | backfill | unknown
    sa.Column("launched_by", sa.String(200), nullable=False),  # a login, a schedule's or sensor's name, a backfill id
    sa.Column("subject_kind", sa.String(20), nullable=False),  # user | team | organization
    sa.Column("subject", sa.String(100), nullable=False),
    sa.Column("members", sa.JSON, nullable=False),
    sa.Column("window_start", sa.String(10), nullable=False),
    sa.Column("window_end", sa.String(10), nullable=False),  # the last day, inclusive, as the portfolio says it
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("document_digest", sa.String(64), nullable=False),
    sa.Column("rendered", sa.Boolean, nullable=False),  # False: the files of an identical document were reused
    sa.Column("location", sa.Text, nullable=False),
    sqlite_autoincrement=True,
)

# The database refuses to change what was written: a trigger per dialect, made with the table.
_GUARDS = {
    "sqlite": [
        f"CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END",
        f"CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$",
        f"CREATE TRIGGER audit_trail_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_trail_refuse()",
        f"CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_refuse()",
    ],
}
for _dialect, _statements in _GUARDS.items():
    for _statement in _statements:
        sa.event.listen(trail_table, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))


@dataclass(frozen=True)
class AuditEntry:
    """One row of the trail, as written (``seq`` and ``recorded_at`` are given by :meth:`AuditTrail.append`)."""

    event: str
    run_id: str
    launched_by_kind: str
    launched_by: str
    subject_kind: str
    subject: str
    members: list[str]
    window_start: str
    window_end: str
    inputs: dict[str, Any]
    document_digest: str
    rendered: bool
    location: str
    seq: int = 0
    recorded_at: str = ""

    @property
    def launcher(self) -> Launcher:
        return Launcher(self.launched_by_kind, self.launched_by)


class AuditTrail:
    """The trail on the warehouse's engine: append and read, nothing else. Created (with its guards) if missing."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)  # checks first: creates only what is missing

    def append(self, entry: AuditEntry, at: datetime | None = None) -> AuditEntry:
        """Write ``entry`` as a new row, redacted; returns it as stored, with its ``seq`` and time."""
        when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
        row = redact_all({**_fields(entry), "recorded_at": when})
        with self.engine.begin() as conn:
            seq = conn.execute(sa.insert(trail_table).values(row)).inserted_primary_key[0]
        return AuditEntry(**{**row, "seq": int(seq)})

    def latest(self, limit: int = 20) -> list[AuditEntry]:
        """The newest ``limit`` rows, newest first."""
        query = sa.select(trail_table).order_by(trail_table.c.seq.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [AuditEntry(**dict(row)) for row in conn.execute(query).mappings()]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(trail_table)).scalar_one())


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: value for name, value in entry.__dict__.items() if name not in ("seq", "recorded_at")}


def window_records(warehouse: Warehouse, tables: Sequence[str], start: date, end: date) -> list[dict[str, Any]]:
    """Each table's write records inside [start, end) (``Warehouse.last_write``'s table): its rows and digests.

    A window exported whole may have been written a day at a time, so every record within it counts:
    ``writes`` of them, ``rows`` in all, ``days`` they cover (fewer than the window's when some day was never
    written), and one ``digest`` of their digests in order.
    """
    records_of = WINDOW_WRITES.c
    lo, hi = start.isoformat(), end.isoformat()
    found = []
    with warehouse.engine.connect() as conn:
        for table in tables:
            query = (
                sa.select(records_of.window_start, records_of.window_end, records_of.row_count, records_of.digest)
                .where(records_of.table_name == table, records_of.window_start >= lo, records_of.window_end <= hi)
                .order_by(records_of.window_start)
            )
            writes = [tuple(row) for row in conn.execute(query)]
            days = sum((date.fromisoformat(w[1]) - date.fromisoformat(w[0])).days for w in writes)
            found.append(
                {
                    "table": table,
                    "writes": len(writes),
                    "rows": sum(int(w[2]) for w in writes),
                    "days": days,
                    "digest": fingerprint([list(w) for w in writes]),
                }
            )
    return found


def curation_digest(choices: Sequence[Choice]) -> str:
    """One digest of every choice in force (what it names included): which choices an export applied.

    Kept in the trail only: in the document, a digest of so few choices over known PR ids could be
    tried against candidates and would name what the person left out.
    """
    return fingerprint(sorted([c.kind, c.target, c.text, c.set_by, c.set_at, c.source] for c in choices))


def export_entry(
    *,
    run_id: str,
    tags: Mapping[str, str],
    subject: Subject,
    document: Mapping[str, Any],
    window_records: list[dict[str, Any]],
    choices: Sequence[Choice],
    rendered: bool,
    location: str,
) -> AuditEntry:
    """The trail's row for an export run: who (from the run's ``tags``), whose portfolio, which window, from what.

    ``document``: the portfolio as built this run (its ``provenance`` is the inputs), whether or not its
    files were rendered again; ``window_records``: :func:`window_records` of the tables it read.
    """
    launcher = who_started(tags)
    content = {key: value for key, value in document.items() if key not in ("generated_at", "generated_by")}
    inputs = {
        **dict(document.get("provenance") or {}),
        "window_writes": window_records,
        "curation_digest": curation_digest(choices),
    }
    return AuditEntry(
        event=EXPORT,
        run_id=run_id,
        launched_by_kind=launcher.kind,
        launched_by=launcher.name or str(launcher),
        subject_kind=subject.kind,
        subject=subject.login,
        members=list(subject.members),
        window_start=str(document["window"]["start"]),
        window_end=str(document["window"]["end"]),
        inputs=inputs,
        document_digest=fingerprint(content),
        rendered=rendered,
        location=location,
    )


_PREVIEW_COLUMNS = ("#", "when (UTC)", "who", "subject", "window", "PRs", "inputs", "files")


def preview(entries: Sequence[AuditEntry]) -> str:
    """The latest entries as a Markdown table for the ``audit_trail`` asset's page (every cell escaped)."""
    if not entries:
        return "_no export recorded yet_"
    lines = ["| " + " | ".join(_PREVIEW_COLUMNS) + " |", "|" + "---|" * len(_PREVIEW_COLUMNS)]
    for entry in entries:
        inputs = entry.inputs
        tables = {t["table"]: t["rows"] for t in (inputs.get("warehouse") or {}).get("tables", [])}
        models = ", ".join(inputs.get("models") or [])
        ledger = str((inputs.get("assumptions") or {}).get("sha256", ""))[:12]
        choices = int((inputs.get("curation") or {}).get("choices", 0))
        members = f" ({', '.join(entry.members)})" if entry.subject_kind == "team" and entry.members else ""
        cells = [
            str(entry.seq),
            entry.recorded_at[:19].replace("T", " "),
            str(entry.launcher),
            f"{entry.subject_kind} {entry.subject}{members}",
            f"{entry.window_start}..{entry.window_end}",
            str(tables.get("pull_requests", "")),
            f"models {models}; ledger {ledger}; {choices} choice{'' if choices == 1 else 's'}",
            "rendered" if entry.rendered else "reused",
        ]
        lines.append("| " + " | ".join(md_escape(cell, 80) for cell in cells) + " |")
    return "\n".join(lines)
