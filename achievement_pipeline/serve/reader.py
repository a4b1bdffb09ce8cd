"""The warehouse as the read API sees it: the portfolio built exactly as the export builds it, never written to.

A portfolio here is the export's document for the same person or team and window: the subject's rows,
the person's curation choices, the window's rules (reverts, hours within the calendar), the document
(``export.document.build_portfolio``, which redacts every string), the featuring suggestions and the
schema check. So a figure the API gives is the figure the exported files print.

Three differences, all because the service only reads:

- **Nothing is written.** Every connection is read-only (SQLite ``query_only``, a PostgreSQL read-only
  session), so a bug cannot change the warehouse; the deployment gives it a read-only role as well. The
  export takes ``curation.yaml`` into the ``curation`` table before it builds; here the choices in force
  are worked out without that write: the table's choices made in the UI, with the file's current ones
  over them (what the next export will apply).
- **Answers are kept while nothing changed.** A document for a year of a busy team takes seconds to
  build, a status question should take milliseconds, and most questions repeat. Every answer is kept
  with a stamp of what it was built from: the warehouse's record of window writes (each stage write adds
  one, ``core.warehouse.WINDOW_WRITES``), the curation table, and the curation file and the ledger (size
  and modification time). Each question reads the stamp first (two small queries) and builds again
  when it moved. An edit made by hand in the stage tables, outside the pipeline, is not seen until the
  next stage write. The services also look every half minute (:meth:`Reader.keep_fresh`) and build
  again what was asked for before, so after a nightly run the usual questions find their answers ready.
- **No PR is an error.** The export refuses a chosen person with no PR in a window (a typo in a run's
  config); here the subject comes from the caller's token, so an empty window is an empty answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from achievement_pipeline.core import settings
from achievement_pipeline.core.ledger import DEFAULT_LEDGER, Ledger, load_ledger
from achievement_pipeline.core.redaction import redact_all
from achievement_pipeline.core.warehouse import TABLES, WINDOW_WRITES, Warehouse
from achievement_pipeline.export import curation, privacy
from achievement_pipeline.export.curation import Choice, apply_curation, choices_from_file
from achievement_pipeline.export.document import build_portfolio
from achievement_pipeline.export.featuring import Featuring, marks_from, rank_for_featuring, suggest
from achievement_pipeline.export.schema import validate_portfolio
from achievement_pipeline.export.subjects import Subject
from achievement_pipeline.value.reverts import find_reverts
from achievement_pipeline.value.window import apply_window

# The stage tables a portfolio joins, the validated one first (a PR appears once it was judged), and what
# revert detection reads of the whole history: as the export asset reads them.
JOINED = ("validated_achievements", "valuations", "predictions", "enriched_prs", "pull_requests")
REVERT_COLUMNS = ("pr_id", "repo", "title", "body", "merged_at", "merge_commit_sha")
# What a search reads of each PR: what identifies it and the published words it can be found by.
_SEARCHED = ("validated_achievements", "predictions", "enriched_prs", "pull_requests")
_CATALOGUE_FIELDS = ("pr_id", "repo", "number", "author", "title", "url", "merged_at", "status", "category")

T = TypeVar("T")
log = logging.getLogger("achievement_pipeline.serve")
REFRESH_SECONDS = 30.0  # how often the kept answers are checked against the warehouse


class WarehouseNotReady(settings.ServiceUnavailable):
    """The warehouse holds no pipeline tables yet (nothing has run), or lost them."""


def read_only(engine: sa.Engine) -> sa.Engine:
    """``engine`` with every connection refusing writes: SQLite's ``query_only``, PostgreSQL's read-only session."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        elif engine.dialect.name == "postgresql":
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()  # a SET in a transaction rolled back later would be undone with it
        cursor.close()

    sa.event.listen(engine, "connect", on_connect)
    return engine


def choices_in_force(stored: Iterable[Choice], from_file: Iterable[Choice]) -> list[Choice]:
    """The choices the next export applies, without taking the file into the table first.

    As ``CurationStore.sync_file`` leaves them: the file is the truth for what it says, so the table's
    choices that came from the file are dropped, and the file's current ones replace any choice of the same
    kind and target; the result is in the table's order (kind, target). A file choice the last export already
    took in keeps the time it recorded, so the answer names the same time as the exported document.
    """
    merged = {(c.kind, c.target): c for c in stored if c.source != curation.FROM_FILE}
    taken_in = {(c.kind, c.target, c.text): c for c in stored if c.source == curation.FROM_FILE}
    merged.update({(c.kind, c.target): taken_in.get((c.kind, c.target, c.text), c) for c in from_file})
    return [merged[key] for key in sorted(merged)]


@dataclass(frozen=True)
class Snapshot:
    """What every answer is built from, and the stamp that says whether it is still what the warehouse holds."""

    stamp: Hashable
    choices: tuple[Choice, ...]
    ledger: Ledger


@dataclass(frozen=True)
class Portfolio:
    """A subject's portfolio for a window: the export's document, and its rows after the window's rules."""

    document: dict[str, Any]
    rows: dict[str, dict[str, Any]]  # by pr_id: value terms and the rest the document does not carry


def subject_rows(
    store: Warehouse, subject: Subject, start: date, end: date, tables: tuple[str, ...] = JOINED
) -> list[dict[str, Any]]:
    """The subject's PRs merged in [start, end), joined across ``tables``: only their rows are read."""
    authors = store.read_columns("pull_requests", ("pr_id", "author"), start, end)
    ids = [row["pr_id"] for row in authors if subject.includes(str(row["author"] or ""))]
    joined = store.read_joined(tables, start, end, pr_ids=ids) if ids else []
    return [row for row in joined if subject.includes(str(row.get("author", "")))]


def rank_subject(
    store: Warehouse, subject: Subject, choices: Iterable[Choice], history: Iterable[dict[str, Any]]
) -> Featuring:
    """The featuring ranking, learned from the subject's marks over all their collected PRs, not only a window:
    a pin or an exclusion is a timeless choice, and reverts come from the whole history."""
    marks = marks_from(choices, find_reverts(history))
    return rank_for_featuring(subject_rows(store, subject, date.min, date.max), marks)


def assemble_portfolio(
    store: Warehouse,
    subject: Subject,
    start: date,
    end: date,
    *,
    choices: Iterable[Choice],
    ledger: Ledger,
    history: list[dict[str, Any]],
    featuring: Featuring,
    github_base_url: str,
    readers: Subject | None = None,
) -> Portfolio:
    """The subject's portfolio for [start, end) from the warehouse, in the export's steps: the subject's rows, the
    private repositories' PRs only where every reader could see them (``export.privacy``; the readers are the
    subject's people unless ``readers`` says who else reads it), the curation choices, the window's rules over the
    whole ``history`` (``REVERT_COLUMNS`` of every collected PR), the document (redacted), the featuring
    suggestions, the schema check."""
    visible = privacy.visible_to_readers(store, readers or subject, subject_rows(store, subject, start, end))
    curated = apply_curation(visible.rows, choices)
    window = apply_window(curated.rows, history, start, end, ledger)
    document = build_portfolio(
        window.rows,
        subject=subject.as_document(),
        window_start=start,
        window_end=end,
        github_base_url=github_base_url,
        ledger_entries=ledger.entries,
        capacity=window.capacity,
        curation=curated.document(),
    )
    document = suggest(document, featuring)
    validate_portfolio(document)
    return Portfolio(document=document, rows={str(row["pr_id"]): row for row in window.rows})


class _Kept:
    """Answers by key, each with the stamp it was built under; the least recently used go first.

    A build is done once: a question arriving while the same answer is being built (by another question or
    by :meth:`Reader.refresh`) waits for that build instead of starting its own.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._building: dict[tuple[Hashable, Hashable], Future[Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            held = self._items.get(key)
            if held is not None and held[0] == stamp:
                self._items.move_to_end(key)
                return held[1]
            pending = self._building.get((key, stamp))
            mine = pending is None
            if pending is None:
                pending = self._building[(key, stamp)] = Future()
        if not mine:
            return pending.result()
        try:
            value = build()  # outside the lock: a slow build does not hold up answers already kept
        except BaseException as exc:
            with self._lock:
                del self._building[(key, stamp)]
            pending.set_exception(exc)
            raise
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            del self._building[(key, stamp)]
        pending.set_result(value)
        return value

    def outdated(self, stamp: Hashable, kinds: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """The keys of ``kinds`` kept under another stamp, the most recently used first."""
        with self._lock:
            return [
                key
                for key, (held, _) in reversed(self._items.items())
                if isinstance(key, tuple) and key[0] in kinds and held != stamp
            ]


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size


class Reader:
    """Portfolios, the search catalogue and single PRs, read from the warehouse on ``engine``.

    ``engine`` should come from :func:`read_only`; ``github_base_url`` is what the document's sources
    name; ``curation_path`` is the curation file the exports read (``export.curation.curation_file()``).
    """

    def __init__(self, engine: sa.Engine, *, github_base_url: str, curation_path: Path, kept: int = 32) -> None:
        self.engine = engine
        self.store = Warehouse(engine)
        self.github_base_url = github_base_url
        self.curation_path = curation_path
        self._kept = _Kept(kept)
        self._ready = False

    # -- what the answers are built from ------------------------------------------------------------------

    def _check_ready(self, conn: sa.Connection) -> None:
        if self._ready:
            return
        present = set(sa.inspect(conn).get_table_names())
        missing = [name for name in (*TABLES, WINDOW_WRITES.name) if name not in present]
        if missing:
            where = self.engine.url.render_as_string(hide_password=True)
            raise WarehouseNotReady(
                f"the warehouse at {where} has no {', '.join(missing)} table yet: run the pipeline first "
                "(make demo, or materialize the stages), or point ACHIEVEMENT_WAREHOUSE_URL at its warehouse"
            )
        self._ready = True

    def snapshot(self) -> Snapshot:
        """The choices and ledger in force, stamped with the state of everything an answer depends on."""
        ledger_path = Path(settings.text("ACHIEVEMENT_ASSUMPTIONS") or DEFAULT_LEDGER)
        with self.engine.connect() as conn:
            self._check_ready(conn)
            writes = conn.execute(sa.select(sa.func.count(), sa.func.max(WINDOW_WRITES.c.written_at))).one()
            stored: list[Choice] = []
            if sa.inspect(conn).has_table(curation.table.name):
                query = sa.select(curation.table).order_by(curation.table.c.kind, curation.table.c.target)
                stored = [Choice(**dict(row)) for row in conn.execute(query).mappings()]
        files = (_file_stamp(self.curation_path), str(ledger_path), _file_stamp(ledger_path))
        stamp = (tuple(writes), tuple(stored), files)
        return self._kept.get(("snapshot",), files, lambda: self._loaded(ledger_path)).with_stamp(stamp, stored)

    def _loaded(self, ledger_path: Path) -> _Files:
        return _Files(tuple(choices_from_file(self.curation_path)), load_ledger(ledger_path))

    def _history(self, snapshot: Snapshot) -> list[dict[str, Any]]:
        """What revert detection reads of every collected PR (the whole history, as the export reads it)."""
        return self._kept.get(
            ("history",), snapshot.stamp, lambda: self.store.read_columns("pull_requests", REVERT_COLUMNS)
        )

    def _featuring(self, snapshot: Snapshot, subject: Subject) -> Featuring:
        return self._kept.get(
            ("featuring", subject),
            snapshot.stamp,
            lambda: rank_subject(self.store, subject, snapshot.choices, self._history(snapshot)),
        )

    # -- the answers --------------------------------------------------------------------------------------

    def portfolio(self, subject: Subject, start: date, end: date, readers: Subject | None = None) -> Portfolio:
        """The subject's portfolio for [start, end), as the export would write it now for ``readers`` (who will
        read it: the subject's people unless said otherwise, e.g. a team asking about one member)."""
        snapshot = self.snapshot()
        readers = readers or subject

        def built() -> Portfolio:
            return assemble_portfolio(
                self.store,
                subject,
                start,
                end,
                choices=snapshot.choices,
                ledger=snapshot.ledger,
                history=self._history(snapshot),
                featuring=self._featuring(snapshot, subject),
                github_base_url=self.github_base_url,
                readers=readers,
            )

        return self._kept.get(("portfolio", subject, start, end, readers), snapshot.stamp, built)

    def catalogue(self, subject: Subject) -> list[dict[str, Any]]:
        """Every published PR of the subject (judged, not left out or private, and no private repository's PR that
        one of the subject's people could not see), newest first, redacted.

        Each carries the words a search looks in (title, statement, summary) as the portfolio prints them:
        the person's own title and statement where they gave one, every secret and phone number redacted,
        so a search can neither find nor show what the exports withhold.
        """
        snapshot = self.snapshot()

        def listed() -> list[dict[str, Any]]:
            published = subject_rows(self.store, subject, date.min, date.max, _SEARCHED)
            visible = privacy.visible_to_readers(self.store, subject, published)
            rows = apply_curation(visible.rows, snapshot.choices).rows
            items = [
                redact_all(
                    {
                        **{key: row.get(key) for key in _CATALOGUE_FIELDS},
                        "statement": str(row.get("achievement") or ""),
                        "summary": str(row.get("summary") or ""),
                    }
                )
                for row in rows
            ]
            return sorted(items, key=lambda item: (str(item["merged_at"]), str(item["pr_id"])), reverse=True)

        return self._kept.get(("catalogue", subject), snapshot.stamp, listed)

    def refresh(self) -> int:
        """Build again every portfolio and search catalogue asked for before that the warehouse has changed
        under (the most recently asked first); how many. A question for one of them meanwhile waits for its
        build rather than starting another."""
        stamp = self.snapshot().stamp
        outdated = self._kept.outdated(stamp, ("portfolio", "catalogue"))
        for kind, *arguments in outdated:
            if kind == "portfolio":
                self.portfolio(*arguments)
            else:
                self.catalogue(*arguments)
        return len(outdated)

    def keep_fresh(self, every: float = REFRESH_SECONDS) -> threading.Thread:
        """Refresh every ``every`` seconds in a daemon thread, so that after a pipeline run the questions
        people keep asking find their answers built again, not a build to wait for."""

        def loop() -> None:
            while True:
                time.sleep(every)
                try:
                    rebuilt = self.refresh()
                except Exception as exc:  # noqa: BLE001 - an outage is the next question's to report; keep going
                    log.warning("refreshing the kept answers failed: %s", " ".join(str(exc).split()))
                else:
                    if rebuilt:
                        log.info("the warehouse changed: %d kept answers built again", rebuilt)

        thread = threading.Thread(target=loop, name="read-api-refresh", daemon=True)
        thread.start()
        return thread

    def pull_request(self, pr_id: str) -> dict[str, Any] | None:
        """Who merged ``pr_id`` and when (pr_id, author, merge_date), or None when no such PR was collected."""
        with self.engine.connect() as conn:
            self._check_ready(conn)
        # Through the warehouse's reads, so a PR of an archived month is found too (core/archive.py).
        found = self.store.read_columns("pull_requests", ("pr_id", "author", "merge_date"), where={"pr_id": [pr_id]})
        return found[0] if found else None


@dataclass(frozen=True)
class _Files:
    """What the curation file and the ledger say, read again only when either file changed."""

    file_choices: tuple[Choice, ...]
    ledger: Ledger

    def with_stamp(self, stamp: Hashable, stored: list[Choice]) -> Snapshot:
        return Snapshot(stamp=stamp, choices=tuple(choices_in_force(stored, self.file_choices)), ledger=self.ledger)
