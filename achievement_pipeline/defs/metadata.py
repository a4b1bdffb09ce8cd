"""What every stage's materialization and definition show in the UI: owners, window, previews, schemas."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from dagster import MetadataValue

from achievement_pipeline.core.redaction import redact
from achievement_pipeline.core.text import md_escape

# Who answers for the stages in the UI. Each stage's code version is on its asset: bump it when
# the stage's output for the same input changes, and the UI marks the asset stale.
OWNERS = ["team:achievements"]


def _cell(value: Any, width: int = 60) -> str:
    """One table cell: redacted before it is cut to ``width``, so no part of a secret or phone number shows,
    then escaped (``md_escape``): a cell holds PR text, which must not link, fetch an image or add HTML."""
    return md_escape(redact(json.dumps(value) if isinstance(value, list | dict) else str(value)), width)


def preview(rows: Sequence[dict[str, Any]], columns: Sequence[str], limit: int = 10) -> MetadataValue:
    """The first rows as a Markdown table, for the materialization page in the UI (cells redacted: PR text)."""
    if not rows:
        return MetadataValue.md("_no rows in this window_")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more rows_")
    return MetadataValue.md("\n".join(lines))


def window_metadata(start: date, end: date) -> dict[str, Any]:
    return {"window_start": start.isoformat(), "window_end_exclusive": end.isoformat()}


def warehouse_table_metadata(table: str) -> dict[str, Any]:
    """Definition metadata for a warehouse-backed asset: its column schema, shown in the UI."""
    from dagster import TableColumn, TableSchema

    from achievement_pipeline.core.warehouse import TABLES

    columns = [
        TableColumn(name=column.name, type=str(column.type).lower(), constraints=None)
        for column in TABLES[table].columns
    ]
    return {"dagster/column_schema": TableSchema(columns=columns), "warehouse_table": table}
