"""The webhook sensor: stored deliveries become ``collect_prs`` runs for exactly their merge days.

Deliveries reach the receiver over HTTP, signed like GitHub's; the sensor is evaluated with Dagster's
``build_sensor_context`` as in ``test_github_sensor.py``. The end-to-end test runs the ingest job the
tick asks for against the fake GitHub and finds the PR in the warehouse; the fallback test shows the
polling sensor still finds a change whose delivery GitHub never made.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import AssetKey, DagsterInstance, build_sensor_context, evaluate_automation_conditions

from achievement_pipeline.core.warehouse import create_engine
from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory
from achievement_pipeline.fakes.github.changes import labelled, new_merged_pull
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.sources.github.deliveries import deliveries_table
from tests.webhook_support import USERS, Receiver, receiver, sqlite_url, tick


def day_of(pr) -> str:
    return pr.merged_at.astimezone(UTC).date().isoformat()


def deliver(webhooks: Receiver, pr, action: str = "closed") -> int:
    answer = webhooks.sender.send(webhooks.sender.pull_request(pr, action, label="needs-release-note"))
    assert answer.status == 202, answer
    return int(answer.body["seq"])


def tick_of(webhooks: Receiver, cursor: str | None):
    """One tick of the sensor over what ``webhooks`` stored, the sources being the fake GitHub's two users."""
    return tick(webhooks.warehouse_url, webhooks.sender.fake, cursor)


def test_no_delivery_no_run(webhooks: Receiver):
    result = tick_of(webhooks, None)
    assert not result.run_requests and "no webhook delivery" in result.skip_reason.skip_message


def test_several_deliveries_of_a_day_in_one_tick_are_one_run_for_that_day(
    webhooks: Receiver, team_history: FakeHistory
):
    by_day: dict[str, list] = {}
    for pr in (p for user in USERS for p in team_history.merged_pulls(user)):
        by_day.setdefault(day_of(pr), []).append(pr)
    same_day = next(pulls for pulls in by_day.values() if len(pulls) >= 2)
    other = next(pulls[0] for pulls in by_day.values() if day_of(pulls[0]) != day_of(same_day[0]))
    seqs = [deliver(webhooks, pr, action) for pr in same_day[:2] for action in ("closed", "labeled")]
    last_other = deliver(webhooks, other)
    result = tick_of(webhooks, None)
    by_day = {r.partition_key: r for r in result.run_requests}
    assert set(by_day) == {day_of(same_day[0]), day_of(other)}
    assert by_day[day_of(same_day[0])].run_key == f"webhook:{day_of(same_day[0])}:{max(seqs)}"
    assert by_day[day_of(same_day[0])].tags["achievement/webhook-deliveries"] == "4"
    assert by_day[day_of(other)].run_key == f"webhook:{day_of(other)}:{last_other}"
    assert all(r.tags["achievement/trigger"] == "github-webhook" for r in result.run_requests)
    assert result.cursor == str(last_other)


def test_a_change_is_run_once_and_a_later_change_of_the_same_day_runs_again(
    webhooks: Receiver, team_history: FakeHistory
):
    pr = team_history.merged_pulls("octo-demo")[3]
    deliver(webhooks, pr)
    first = tick_of(webhooks, None)
    assert first.run_requests == tick_of(webhooks, None).run_requests  # a repeated tick: the same run key
    quiet = tick_of(webhooks, first.cursor)
    assert not quiet.run_requests and quiet.cursor == first.cursor
    deliver(webhooks, pr, "labeled")
    later = tick_of(webhooks, first.cursor)
    assert [r.partition_key for r in later.run_requests] == [day_of(pr)]
    assert later.run_requests[0].run_key != first.run_requests[0].run_key


def test_deliveries_arriving_out_of_order_each_reach_their_own_day(webhooks: Receiver, team_history: FakeHistory):
    pulls = team_history.merged_pulls("ada-dev")
    newest_first = [pulls[-1], pulls[len(pulls) // 2], pulls[0]]
    for pr in newest_first:
        deliver(webhooks, pr)
    result = tick_of(webhooks, None)
    assert [r.partition_key for r in result.run_requests] == sorted({day_of(p) for p in newest_first})


def test_prs_no_source_covers_and_days_outside_the_partitions_are_not_run(
    webhooks: Receiver, team_github: FakeGitHub, team_history: FakeHistory
):
    pr = team_history.merged_pulls("octo-demo")[0]
    stranger = replace(pr, number=pr.number + 70_000, author="someone-else", merged_by="someone-else")
    before = datetime(2024, 6, 1, 12, tzinfo=UTC)  # before ACHIEVEMENT_START_DATE
    old = replace(pr, number=pr.number + 80_000, merged_at=before, closed_at=before, created_at=before)
    team_github.apply([stranger, old])
    last = [deliver(webhooks, stranger), deliver(webhooks, old)][-1]
    result = tick_of(webhooks, None)
    assert not result.run_requests and result.cursor == str(last)  # read, and passed over for good


def test_a_table_made_anew_below_the_cursor_is_read_from_its_start(
    team_github: FakeGitHub, team_history: FakeHistory, tmp_path: Path
):
    url = sqlite_url(tmp_path)
    with receiver(team_github, url) as running:
        for pr in team_history.merged_pulls("octo-demo")[:3]:
            deliver(running, pr)
    cursor = tick(url, team_github, None).cursor
    engine = create_engine(url)
    with engine.begin() as conn:  # the warehouse emptied; the receiver's next start creates the table again
        deliveries_table.drop(conn)
    engine.dispose()
    pr = team_history.merged_pulls("octo-demo")[5]
    with receiver(team_github, url) as running:
        assert deliver(running, pr) < int(cursor or 0)
    result = tick(url, team_github, cursor)
    assert [r.partition_key for r in result.run_requests] == [day_of(pr)]


def test_a_delivery_github_never_made_is_found_by_the_next_poll(
    webhooks: Receiver, team_github: FakeGitHub, team_history: FakeHistory
):
    from tests.test_github_sensor import tick as poll

    instance = DagsterInstance.ephemeral()
    polled = poll(team_github, instance, None).cursor  # the polling sensor is watching
    now = datetime.now(UTC)
    delivered = new_merged_pull(team_history, repo="acme/web-app", author="octo-demo", merged_at=now)
    lost = labelled(team_history.merged_pulls("ada-dev")[10], "needs-release-note", now)  # its delivery never came
    team_github.apply([delivered, lost])
    deliver(webhooks, delivered)
    from_webhooks = tick_of(webhooks, None)
    assert [r.partition_key for r in from_webhooks.run_requests] == [day_of(delivered)]
    from_poll = poll(team_github, instance, polled)
    assert {r.partition_key for r in from_poll.run_requests} == {day_of(delivered), day_of(lost)}


def test_a_signed_delivery_for_a_merged_pr_lands_in_the_warehouse_without_the_poll(tmp_path: Path):
    """GitHub merges a PR, the receiver stores the delivery, the sensor asks for that day, ingest reads it."""
    from achievement_pipeline import definitions as code_location
    from achievement_pipeline.resources.warehouse import WarehouseResource
    from tests.pipeline_run import pipeline_environment

    fresh = generate_history(users=USERS)
    with FakeGitHub(fresh) as fake, pipeline_environment(tmp_path / "home", fake.base_url, ",".join(USERS)):
        defs = code_location.defs()
        job = defs.resolve_job_def("collect_prs")
        sensor = defs.resolve_sensor_def("github_webhooks")
        instance = DagsterInstance.ephemeral()
        today = datetime.now(UTC).date()
        assert job.execute_in_process(partition_key=today.isoformat(), instance=instance).success  # collected once
        automation = evaluate_automation_conditions(defs=defs, instance=instance).cursor
        warehouse = WarehouseResource(url="")  # the pipeline's own warehouse, under ACHIEVEMENT_HOME
        tomorrow = today + timedelta(days=1)
        before = {row["pr_id"] for row in warehouse.get().read_window("pull_requests", today, tomorrow)}

        pr = new_merged_pull(fresh, repo="acme/web-app", author="octo-demo", merged_at=datetime.now(UTC))
        fake.apply([pr])
        with receiver(fake, warehouse.resolved_url()) as running:
            assert running.sender.send(running.sender.pull_request(pr, "closed")).status == 202
        fake.reset_counts()
        # The code location's own resources (the daemon's), EnvVar settings and all.
        result = sensor(build_sensor_context(instance=instance, resources=dict(defs.resources)))
        assert len(fake.requests) == 0  # the tick asked GitHub nothing: no poll
        (request,) = result.run_requests
        assert request.partition_key == today.isoformat()

        run = job.execute_in_process(partition_key=request.partition_key, instance=instance, tags=request.tags)
        assert run.success
        after = {row["pr_id"] for row in warehouse.get().read_window("pull_requests", today, tomorrow)}
        assert after - before == {pr.pr_id}  # read again through the API: the payload was only the hint
        # The stages after ingest follow this run as they follow every ingest run.
        followed = evaluate_automation_conditions(defs=defs, instance=instance, cursor=automation)
        assert set(followed.get_requested_partitions(AssetKey("enriched_prs"))) == {today.isoformat()}


def test_the_sensor_is_on_from_the_start_and_starts_only_ingest():
    from dagster import DefaultSensorStatus

    from achievement_pipeline import definitions as code_location

    sensor = code_location.defs().resolve_sensor_def("github_webhooks")
    assert sensor.job_name == "collect_prs" and sensor.default_status == DefaultSensorStatus.RUNNING
