"""What every stage's materialization and definition show in the UI: owners, window, previews, schemas."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from dagster import MetadataValue

# Who answers for the stages in the UI. Each stage's code version is on its asset: bump it when
# the stage's output for the same input changes, and the UI marks the asset stale.
OWNERS = ["team:achievements"]


def _cell(value: Any, width: int = 60) -> str:
    text = json.dumps(value) if isinstance(value, list | dict) else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def preview(rows: Sequence[dict[str, Any]], columns: Sequence[str], limit: int = 10) -> MetadataValue:
    """The first rows as a Markdown table, for the materialization page in the UI."""
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
