"""Small helpers every asset uses: the run's date window and Markdown previews."""

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from dagster import AssetCheckExecutionContext, AssetExecutionContext, MetadataValue

from achievement_pipeline.partitions import window_dates


def run_window(context: AssetExecutionContext | AssetCheckExecutionContext) -> tuple[date, date]:
    """[start, end) of the partitions this run covers: one day, or a whole backfill range."""
    window = context.partition_time_window
    return window_dates(window.start, window.end)


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


# Who answers for the stages in the UI, and the code version of each stage's logic: bump a
# stage's version when its output for the same input changes, and the UI marks it stale.
OWNERS = ["team:achievements"]


def warehouse_table_metadata(table: str) -> dict[str, Any]:
    """Definition metadata for a warehouse-backed asset: its column schema, shown in the UI."""
    from dagster import TableColumn, TableSchema

    from achievement_pipeline.warehouse import TABLES

    columns = [
        TableColumn(name=column.name, type=str(column.type).lower(), constraints=None)
        for column in TABLES[table].columns
    ]
    return {"dagster/column_schema": TableSchema(columns=columns), "warehouse_table": table}
