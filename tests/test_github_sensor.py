"""The new-PR sensor and the daily schedule, evaluated with Dagster's test helpers.

The sensor talks to the fake GitHub over HTTP like any other client; the fake's history
changes between ticks the way GitHub's does (a PR merges, an old PR gets a label).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from dagster import DagsterInstance, SensorResult, build_schedule_context, build_sensor_context

from achievement_pipeline.defs.ingest.sensors import new_merged_prs
from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory
from achievement_pipeline.fakes.github.changes import labelled, new_merged_pull
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.resources.github import GitHubResource

USERS = ("octo-demo", "ada-dev")


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history(users=USERS)


@pytest.fixture
def fake(history: FakeHistory) -> Iterator[FakeGitHub]:
    with FakeGitHub(history) as server:
        yield server


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def tick(fake: FakeGitHub, instance: DagsterInstance, cursor: str | None) -> SensorResult:
    github = GitHubResource(base_url=fake.base_url, token="t", users=list(USERS), request_spacing_seconds=0)
    context = build_sensor_context(cursor=cursor, instance=instance, resources={"github": github})
    result = new_merged_prs(context)
    assert isinstance(result, SensorResult)
    return result


def test_the_first_tick_only_starts_watching(fake: FakeGitHub, instance: DagsterInstance):
    result = tick(fake, instance, None)
    assert not result.run_requests
    assert result.skip_reason is not None and "first look" in result.skip_reason.skip_message
    assert set(json.loads(result.cursor or "{}")) == {"user:octo-demo", "user:ada-dev"}


def test_a_tick_over_new_prs_requests_runs_for_exactly_their_merge_days(
    fake: FakeGitHub, instance: DagsterInstance, history: FakeHistory
):
    cursor = tick(fake, instance, None).cursor
    now = datetime.now(UTC)
    old = history.merged_pulls("ada-dev", date(2025, 2, 3), date(2025, 2, 28))[0]
    fake.apply(
        [
            new_merged_pull(history, repo="acme/web-app", author="octo-demo", merged_at=now),
            new_merged_pull(history, repo="acme/web-app", author="ada-dev", merged_at=now, number=99_999),
            labelled(old, "needs-release-note", now),  # an old day's PR changed: that day is affected too
        ]
    )
    result = tick(fake, instance, cursor)
    assert sorted(r.partition_key for r in result.run_requests) == sorted(
        {now.date().isoformat(), old.merged_at.date().isoformat()}  # type: ignore[union-attr]
    )
    assert all(r.job_name in (None, "collect_prs") for r in result.run_requests)


def test_a_changed_pr_github_dates_in_another_time_zone_is_run_for_its_utc_day(
    fake: FakeGitHub, instance: DagsterInstance, history: FakeHistory
):
    cursor = tick(fake, instance, None).cursor
    old = history.merged_pulls("ada-dev", date(2025, 2, 3), date(2025, 2, 28))[0]
    assert old.merged_at is not None
    # The same instant written with an offset that puts it on another calendar day than its UTC one.
    zone = timezone(timedelta(hours=-12 if old.merged_at.hour < 12 else 12))
    moved = replace(old, merged_at=old.merged_at.astimezone(zone))
    fake.apply([labelled(moved, "needs-release-note", datetime.now(UTC))])
    result = tick(fake, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [old.merged_at.date().isoformat()]


def test_a_change_is_run_once_and_a_quiet_tick_costs_one_free_request_per_source(
    fake: FakeGitHub, instance: DagsterInstance, history: FakeHistory
):
    cursor = tick(fake, instance, None).cursor
    fake.apply([new_merged_pull(history, repo="acme/web-app", author="octo-demo", merged_at=datetime.now(UTC))])
    cursor = tick(fake, instance, cursor).cursor
    fake.reset_counts()
    quiet = tick(fake, instance, cursor)
    assert not quiet.run_requests
    assert len(fake.requests) == len(USERS) and fake.requests.count(status=304) == len(USERS)


def test_the_sensor_collects_changed_days_and_todays_partition_exists():
    from achievement_pipeline import definitions as code_location
    from achievement_pipeline.defs.partitions import daily_partitions

    definitions = code_location.defs()
    sensor = definitions.resolve_sensor_def("new_merged_prs")
    assert sensor.job_name == "collect_prs"
    today = datetime.now(UTC).date().isoformat()
    assert daily_partitions.get_last_partition_key() == today


def test_the_daily_schedule_still_asks_for_yesterday_now_that_today_exists():
    from achievement_pipeline import definitions as code_location

    definitions = code_location.defs()
    schedule = definitions.resolve_schedule_def("nightly_collect")
    context = build_schedule_context(
        scheduled_execution_time=datetime(2025, 3, 2, 2, 0, tzinfo=UTC), repository_def=definitions.get_repository_def()
    )
    assert [r.partition_key for r in schedule.evaluate_tick(context).run_requests or []] == ["2025-03-01"]
