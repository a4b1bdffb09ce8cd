"""How runs execute their steps: in the run's process unless configured otherwise."""

from __future__ import annotations

import pytest

from achievement_pipeline.defs.executor import run_executor


def test_steps_run_in_the_runs_own_process_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACHIEVEMENT_EXECUTOR", raising=False)
    assert run_executor().name == "in_process"


@pytest.mark.parametrize(("choice", "name"), [("multiprocess", "multiprocess"), ("forkserver", "forkserver_executor")])
def test_a_process_per_step_is_one_variable_away(monkeypatch: pytest.MonkeyPatch, choice: str, name: str) -> None:
    monkeypatch.setenv("ACHIEVEMENT_EXECUTOR", choice)
    assert run_executor().name == name


def test_an_unknown_executor_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACHIEVEMENT_EXECUTOR", "threads")
    with pytest.raises(ValueError, match="ACHIEVEMENT_EXECUTOR='threads' is not one of in_process, multiprocess"):
        run_executor()


def test_every_job_of_the_code_location_uses_the_chosen_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    from achievement_pipeline.definitions import defs

    monkeypatch.delenv("ACHIEVEMENT_EXECUTOR", raising=False)
    definitions = defs()
    jobs = [
        definitions.resolve_implicit_global_asset_job_def(),
        *(definitions.resolve_job_def(n) for n in ("collect_prs", "train_models")),
    ]
    assert {job.executor_def.name for job in jobs} == {"in_process"}


def test_the_schedules_are_on_from_the_start() -> None:
    from dagster import DefaultScheduleStatus

    from achievement_pipeline.defs.ingest.schedules import nightly_collect
    from achievement_pipeline.defs.training.schedules import weekly_training

    assert nightly_collect.default_status == weekly_training.default_status == DefaultScheduleStatus.RUNNING


def test_every_asset_backfills_a_range_as_one_run() -> None:
    from dagster._core.definitions.backfill_policy import BackfillPolicyType

    from achievement_pipeline.definitions import defs

    graph = defs().resolve_asset_graph()
    policies = {key.to_user_string(): graph.get(key).backfill_policy for key in graph.get_all_asset_keys()}
    assert {
        name for name, policy in policies.items() if not policy or policy.policy_type != BackfillPolicyType.SINGLE_RUN
    } == set()
