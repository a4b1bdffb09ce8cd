"""Run the whole pipeline the way the demo does, and read back what it left behind."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dagster import DagsterInstance

from achievement_pipeline.definitions import build_definitions
from achievement_pipeline.demo import run_pipeline
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.warehouse import TABLES, Warehouse

JANUARY = (date(2025, 1, 1), date(2025, 1, 31))


@dataclass
class PipelineRun:
    locations: dict[str, str]
    snapshot: dict[str, list[dict[str, Any]]]


def snapshot(warehouse: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Every row of every stage table, in a stable order."""
    return {name: warehouse.read_all(name) for name in TABLES}


def run_month(instance: DagsterInstance) -> PipelineRun:
    """Materialize January 2025 (31 partitions) through every stage; snapshot the warehouse."""
    defs = build_definitions()
    locations = run_pipeline(*JANUARY, instance=instance, defs=defs)
    # The resource in defs holds EnvVar references; resolve the URL the way a run does.
    warehouse = WarehouseResource(url=os.environ.get("ACHIEVEMENT_WAREHOUSE_URL", "")).get()
    return PipelineRun(locations=locations, snapshot=snapshot(warehouse))


def exported(locations: dict[str, str], kind: str) -> Path:
    path = Path(locations[kind])
    assert path.is_file(), f"{kind} export missing at {path}"
    return path
