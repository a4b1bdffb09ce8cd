"""The code location: everything under ``defs/``, found by Dagster's autoloader.

``dg``, ``dagster dev`` and the production code server all load this module. There is no
hand-kept list of assets, checks, jobs, schedules or sensors: a file in a stage's folder
under ``defs/`` is part of the code location, and resources come from ``defs/resources.py``.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from achievement_pipeline.core import settings


@dg.definitions
def defs() -> dg.Definitions:
    # A malformed variable stops the load here, with a message naming it, rather than deep in the loader.
    settings.validate()
    # Every process that loads the code location may create or execute runs (the demo, dg launch, the code
    # server and the run workers it starts): a range run's per-partition events go to storage in batches.
    settings.dagster_switches()
    from achievement_pipeline.defs.executor import run_executor

    found = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    return dg.Definitions.merge(found, dg.Definitions(executor=run_executor()))
