"""A stage whose window's inputs are unchanged does not compute it again.

A re-run of a range whose pull requests did not change (the nightly run of a settled day, a backfill
launched twice, the follow-up of an ingest that found nothing new) would otherwise recompute and
rewrite every stage: for two years of history, most of a minute spent to write the same rows. Each
stage fingerprints what it computes its window from (``core.fingerprints``): the digests of the
upstream tables' rows for exactly that window (``Warehouse.last_write``), the source of its code and
the installed libraries, and the settings and files it reads (the ledger, the summariser, the model
versions). When the fingerprint recorded beside its own window is the same, the rows there are what
it would write: it skips the work and says so in its materialization. Anything it cannot fingerprint
(an upstream window written with other bounds, rows from before this record existed) is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dagster import MaterializeResult

from achievement_pipeline.core.fingerprints import code_fingerprint, fingerprint
from achievement_pipeline.core.warehouse import Warehouse, WindowWrite
from achievement_pipeline.defs.metadata import window_metadata


@dataclass(frozen=True)
class WindowInputs:
    """A stage's fingerprint of its window's inputs ("" when it has none) and its window's last write."""

    inputs: str
    previous: WindowWrite | None

    @property
    def unchanged(self) -> bool:
        """True when the window holds rows computed from exactly these inputs."""
        return bool(self.inputs) and self.previous is not None and self.previous.inputs == self.inputs

    def result(self, start: date, end: date, **metadata: Any) -> MaterializeResult:
        """The materialization of a window left as it was: its rows, and when they were computed."""
        assert self.previous is not None
        return MaterializeResult(
            metadata={
                **window_metadata(start, end),
                "row_count": self.previous.rows,
                "unchanged": True,
                "computed_at": self.previous.written_at,
                **metadata,
            }
        )


def window_inputs(
    store: Warehouse,
    table: str,
    start: date,
    end: date,
    *,
    upstream: Sequence[str],
    code: Sequence[str],
    settings: Sequence[Any] = (),
) -> WindowInputs:
    """The fingerprint of ``table``'s window computed from the ``upstream`` tables' same window.

    ``code``: the package folders of the stage (``"enrich"``, ``"defs/enrich"``; ``core`` is always in);
    ``settings``: anything else the rows depend on (JSON-like). No fingerprint when an upstream window
    has no record of its own (written with other bounds since, or before records were kept).
    """
    digests = []
    for name in upstream:
        write = store.last_write(name, start, end)
        if write is None:
            return WindowInputs("", store.last_write(table, start, end))
        digests.append([name, write.digest])
    inputs = fingerprint(table, code_fingerprint(*code), digests, list(settings))
    return WindowInputs(inputs, store.last_write(table, start, end))
