"""How a run executes its steps: in the run's own process by default, or a process per step.

The stages run one after another within a run (each reads the previous one's table), so a
process per step buys no parallelism, only a fresh Python that imports Dagster, pandas,
scikit-learn and litellm again: 10–17 s per step on two cores, 13 steps for a one-day click.
The in-process executor keeps the UI's step view, step retries (``defs/retries.py``) and the
event log; ``ACHIEVEMENT_EXECUTOR=multiprocess`` restores a process per step (isolation of a
crashing step, Dagster's default), and ``forkserver`` forks each step from a server that has
already imported the project (see bench/one_day_click.py for what each costs).
"""

from __future__ import annotations

import dagster as dg

from achievement_pipeline.core import settings

IN_PROCESS, MULTIPROCESS, FORKSERVER = "in_process", "multiprocess", "forkserver"
CHOICES = (IN_PROCESS, MULTIPROCESS, FORKSERVER)
# Imported once by the forkserver, so a forked step starts with them loaded.
_PRELOAD = ["achievement_pipeline.definitions", "pandas", "sklearn", "litellm", "great_expectations"]


def run_executor() -> dg.ExecutorDefinition:
    """The executor ``ACHIEVEMENT_EXECUTOR`` names; a value outside :data:`CHOICES` is refused with what to set."""
    choice = settings.text("ACHIEVEMENT_EXECUTOR").strip().lower() or IN_PROCESS
    if choice == IN_PROCESS:
        return dg.in_process_executor
    if choice == MULTIPROCESS:
        return dg.multiprocess_executor
    if choice == FORKSERVER:
        return dg.multiprocess_executor.configured(
            {"start_method": {"forkserver": {"preload_modules": _PRELOAD}}}, name="forkserver_executor"
        )
    raise ValueError(f"ACHIEVEMENT_EXECUTOR={choice!r} is not one of {', '.join(CHOICES)}: set one of them or unset it")
