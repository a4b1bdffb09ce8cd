"""Run the whole pipeline the way the demo does, and read back what it left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from achievement_pipeline import definitions as code_location
from achievement_pipeline.cli.demo import run_pipeline
from achievement_pipeline.core.warehouse import TABLES, Warehouse
from achievement_pipeline.resources.warehouse import WarehouseResource

JANUARY = (date(2025, 1, 1), date(2025, 1, 31))


@contextmanager
def pipeline_environment(home: Path, github_url: str, users: str) -> Iterator[None]:
    """Only these settings while inside: files under ``home``, ``users``' PRs from the fake GitHub at ``github_url``."""
    from tests.conftest import PIPELINE_VARIABLES

    with pytest.MonkeyPatch.context() as env:
        for name in PIPELINE_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("ACHIEVEMENT_HOME", str(home))
        env.setenv("GITHUB_API_URL", github_url)
        env.setenv("GITHUB_TOKEN", "test-token-not-secret")
        env.setenv("ACHIEVEMENT_GITHUB_USER", users)
        env.setenv("ACHIEVEMENT_GITHUB_REQUEST_SPACING", "0")
        yield


@dataclass
class PipelineRun:
    locations: dict[str, str]
    snapshot: dict[str, list[dict[str, Any]]]


def snapshot(warehouse: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Every row of every stage table, in a stable order."""
    return {name: warehouse.read_all(name) for name in TABLES}


def run_month(instance: DagsterInstance) -> PipelineRun:
    """Materialize January 2025 (31 partitions) through every stage; snapshot the warehouse."""
    defs = code_location.defs()
    locations = run_pipeline(*JANUARY, instance=instance, defs=defs)
    # The resource in defs holds EnvVar references; resolve the URL the way a run does.
    warehouse = WarehouseResource(url=os.environ.get("ACHIEVEMENT_WAREHOUSE_URL", "")).get()
    return PipelineRun(locations=locations, snapshot=snapshot(warehouse))


def keep_exports(run: PipelineRun, where: Path) -> PipelineRun:
    """The run with its export files copied to ``where``: a later run of the window overwrites the originals."""
    import shutil

    where.mkdir(parents=True, exist_ok=True)
    kept = dict(run.locations)
    for kind, location in run.locations.items():
        if Path(location).is_file():
            kept[kind] = shutil.copy(location, where / f"{kind}-{Path(location).name}")
    return PipelineRun(locations=kept, snapshot=run.snapshot)


def exported(locations: dict[str, str], kind: str) -> Path:
    path = Path(locations[kind])
    assert path.is_file(), f"{kind} export missing at {path}"
    return path
