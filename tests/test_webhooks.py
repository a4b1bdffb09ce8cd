"""The webhook receiver, driven as GitHub drives it: signed deliveries over HTTP, duplicated, out of order, at once.

Deliveries are built from the fake GitHub's own REST objects in GitHub's webhook shapes
(``fakes/github/webhooks.py``) and posted with GitHub's headers; the receiver stores them in a
real warehouse database (a SQLite file, and PostgreSQL where the burst's ordering matters).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from achievement_pipeline.cli.webhooks import PATH, serve_webhooks, stop
from achievement_pipeline.core.warehouse import create_engine
from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory
from achievement_pipeline.fakes.github.changes import labelled
from achievement_pipeline.fakes.github.webhooks import FakeDelivery, WebhookSender, post
from achievement_pipeline.sources.github.deliveries import DeliveryStore, deliveries_table
from achievement_pipeline.sources.github.webhooks import read_delivery, sign
from tests.local_processes import environment_without_settings, free_port
from tests.webhook_support import SECRET, USERS, Receiver, receiver, sqlite_url, tick

PLANTED = "PAYLOAD-MARKER-7f3a"  # a PR body word that must never reach a log line or the table


def merged(history: FakeHistory, count: int = 1) -> list:
    return history.merged_pulls("octo-demo")[:count]


def stored(webhooks: Receiver) -> list:
    return webhooks.store.after(0, 10_000)


def test_the_signature_is_githubs_for_its_documented_example():
    # The values of GitHub's "Validating webhook deliveries" page.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected


def test_a_merged_pr_is_stored_with_only_what_collection_needs(webhooks: Receiver, team_history: FakeHistory):
    pr = merged(team_history)[0]
    delivery = webhooks.sender.pull_request(pr, "closed")
    assert set(delivery.payload) == {"action", "number", "pull_request", "repository", "sender"}
    answer = webhooks.sender.send(delivery)
    assert answer.status == 202 and answer.body["status"] == "stored"
    (row,) = stored(webhooks)
    assert row.delivery.delivery_id == delivery.guid
    assert (row.delivery.event, row.delivery.action) == ("pull_request", "closed")
    assert (row.delivery.repository, row.delivery.pr_number, row.delivery.author) == (pr.repo, pr.number, pr.author)
    assert row.delivery.merge_day == pr.merged_at.astimezone(UTC).date().isoformat()
    assert datetime.fromisoformat(row.received_at) <= datetime.now(UTC)
    # No payload and no header in the table: these columns and nothing else.
    assert [c.name for c in deliveries_table.columns] == [
        "seq", "delivery_id", "body_sha256", "event", "action", "repository", "pr_number", "author", "merge_day",
        "received_at",
    ]  # fmt: skip


def test_merge_day_is_the_utc_day_whatever_offset_github_writes(webhooks: Receiver, team_github: FakeGitHub):
    pr = merged(team_github.history)[0]
    late = datetime(2025, 2, 10, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 11 February in UTC
    moved = replace(pr, merged_at=late, closed_at=late, updated_at=late)
    team_github.apply([moved])
    assert webhooks.sender.send(webhooks.sender.pull_request(moved, "closed")).status == 202
    assert [row.delivery.merge_day for row in stored(webhooks)] == ["2025-02-11"]


@pytest.mark.parametrize("action", ["edited", "labeled", "unlabeled"])
def test_changes_to_a_merged_pr_are_stored_for_its_merge_day(webhooks: Receiver, team_github: FakeGitHub, action: str):
    pr = labelled(merged(team_github.history)[0], "needs-release-note", datetime.now(UTC))
    team_github.apply([pr])
    assert webhooks.sender.send(webhooks.sender.pull_request(pr, action, label="needs-release-note")).status == 202
    assert [(r.delivery.action, r.delivery.merge_day) for r in stored(webhooks)] == [
        (action, pr.merged_at.astimezone(UTC).date().isoformat())
    ]


@pytest.mark.parametrize("action", ["submitted", "edited", "dismissed"])
def test_reviews_of_a_merged_pr_are_stored_for_its_merge_day(
    webhooks: Receiver, team_history: FakeHistory, action: str
):
    pr = next(p for p in team_history.merged_pulls("ada-dev") if p.reviews)
    delivery = webhooks.sender.review(pr, pr.reviews[0], action)
    assert delivery.payload["review"]["state"] in ("approved", "changes_requested", "commented", "dismissed")
    assert webhooks.sender.send(delivery).status == 202
    (row,) = stored(webhooks)
    assert (row.delivery.event, row.delivery.action, row.delivery.author) == ("pull_request_review", action, pr.author)


def test_what_changes_no_merged_pr_is_answered_and_not_stored(webhooks: Receiver, team_github: FakeGitHub):
    pr = merged(team_github.history)[0]
    unmerged = replace(pr, merged_at=None, merged_by=None, number=pr.number + 50_000)
    team_github.apply([unmerged])
    sender = webhooks.sender
    answers = [
        sender.send(sender.pull_request(pr, "opened")),  # an action the pipeline does not use
        sender.send(sender.pull_request(unmerged, "closed")),  # closed without merging
        sender.send(sender.pull_request(unmerged, "labeled")),  # a label on a PR not merged (yet)
        sender.send(sender.event("push", {"ref": "refs/heads/main", "commits": []})),
        sender.send(sender.event("issues", {"action": "opened"})),
    ]
    assert [(a.status, a.body["status"]) for a in answers] == [(200, "ignored")] * 5
    assert stored(webhooks) == []


def test_ping_is_answered_when_signed(webhooks: Receiver):
    answer = webhooks.sender.send(webhooks.sender.ping())
    assert (answer.status, answer.body) == (200, {"status": "pong"})
    unsigned = WebhookSender(webhooks.sender.fake, webhooks.url, None)
    assert unsigned.send(unsigned.ping()).status == 401


def test_a_repeated_delivery_is_answered_but_stored_once(webhooks: Receiver, team_history: FakeHistory):
    delivery = webhooks.sender.pull_request(merged(team_history)[0], "closed")
    first, again = webhooks.sender.send(delivery), webhooks.sender.send(delivery)  # GitHub's redelivery keeps the GUID
    replayed = webhooks.sender.send(FakeDelivery(delivery.event, delivery.body))  # the same signed body, a new GUID
    assert (first.status, again.status, replayed.status) == (202, 200, 200)
    assert again.body["status"] == replayed.body["status"] == "duplicate"
    assert [row.delivery.delivery_id for row in stored(webhooks)] == [delivery.guid]


def _planted(team_github: FakeGitHub) -> object:
    pr = replace(merged(team_github.history)[0], body=f"Fixes the cache. {PLANTED}")
    team_github.apply([pr])
    return pr


def test_unsigned_and_mis_signed_deliveries_are_refused_and_the_log_has_no_payload(
    webhooks: Receiver, team_github: FakeGitHub, caplog: pytest.LogCaptureFixture
):
    pr = _planted(team_github)
    delivery = webhooks.sender.pull_request(pr, "closed")
    assert PLANTED in delivery.body.decode()
    caplog.set_level(logging.INFO, logger="achievement_pipeline.webhooks")
    wrong = WebhookSender(team_github, webhooks.url, "not-the-secret").send(delivery)
    unsigned = WebhookSender(team_github, webhooks.url, None).send(delivery)
    forged = webhooks.sender.send(delivery, headers={"X-Hub-Signature-256": sign(SECRET, delivery.body + b" ")})
    tampered = post(webhooks.url, delivery.body.replace(b"Fixes", b"Breaks"), delivery.headers(SECRET))
    assert [a.status for a in (wrong, unsigned, forged, tampered)] == [401] * 4
    assert stored(webhooks) == []
    refusals = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(refusals) == 4 and all(delivery.guid in line for line in refusals)
    assert PLANTED not in caplog.text and "sha256=" not in caplog.text and SECRET not in caplog.text


def test_an_oversized_delivery_is_refused_before_its_body_is_read(
    team_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="achievement_pipeline.webhooks")
    with receiver(team_github, sqlite_url(tmp_path), max_bytes=4096) as small:
        big = small.sender.pull_request(_planted(team_github), "closed")
        assert len(big.body) > 4096
        # The headers only: had the receiver waited for the body it announces, it would answer 400 "cut short"
        # after its read timeout; it answers 413 from the Content-Length alone.
        with socket.create_connection(("127.0.0.1", small.server.server_port), timeout=30) as conn:
            head = "".join(f"{k}: {v}\r\n" for k, v in big.headers(SECRET).items())
            conn.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\n{head}Content-Length: {len(big.body)}\r\n\r\n".encode())
            status_line = conn.makefile("rb").readline().decode()
        assert status_line.split()[1] == "413"
        assert stored(small) == []
    assert PLANTED not in caplog.text and "413" in caplog.text


def test_a_delivery_of_exactly_the_limit_is_taken(team_github: FakeGitHub, team_history: FakeHistory, tmp_path: Path):
    with receiver(team_github, sqlite_url(tmp_path)) as sizing:
        delivery = sizing.sender.pull_request(merged(team_history)[0], "closed")
    with receiver(team_github, sqlite_url(tmp_path), max_bytes=len(delivery.body)) as exact:
        assert exact.sender.send(delivery).status == 202


def test_a_signed_body_that_is_not_a_payload_is_refused(webhooks: Receiver, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="achievement_pipeline.webhooks")
    for body in (f"not json {PLANTED}".encode(), b'{"action": "closed"}', b"[1, 2]"):
        answer = post(webhooks.url, body, FakeDelivery("pull_request", body).headers(SECRET))
        assert answer.status == 400
    assert stored(webhooks) == [] and PLANTED not in caplog.text


def test_a_form_encoded_delivery_is_read_like_a_json_one(webhooks: Receiver, team_history: FakeHistory):
    from urllib.parse import urlencode

    delivery = webhooks.sender.pull_request(merged(team_history)[0], "closed")
    body = urlencode({"payload": delivery.body.decode()}).encode()
    headers = {**FakeDelivery("pull_request", body, delivery.guid).headers(SECRET)}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert post(webhooks.url, body, headers).status == 202
    assert [row.delivery.delivery_id for row in stored(webhooks)] == [delivery.guid]


def test_a_warehouse_that_does_not_answer_gets_503_and_no_payload_in_the_log(
    webhooks: Receiver, team_github: FakeGitHub, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="achievement_pipeline.webhooks")
    working = webhooks.store.engine
    webhooks.store.engine = create_engine(f"postgresql+psycopg2://postgres:pw@127.0.0.1:{free_port()}/nowhere")
    try:
        answer = webhooks.sender.send(webhooks.sender.pull_request(_planted(team_github), "closed"))
    finally:
        webhooks.store.engine = working
    assert answer.status == 503 and "unavailable" in answer.body["message"] and "127.0.0.1" not in str(answer.body)
    assert "ACHIEVEMENT_WAREHOUSE_URL" in caplog.text and PLANTED not in caplog.text and ":pw@" not in caplog.text


def _deliveries(sender: WebhookSender, team_history: FakeHistory, count: int) -> list[FakeDelivery]:
    """``count`` distinct deliveries over the users' merged PRs (145, on 80-odd merge days): each PR's merge,
    then a label, an edit and a label taken off, PR by PR."""
    pulls = [p for user in USERS for p in team_history.merged_pulls(user)]
    actions = ("closed", "labeled", "edited", "unlabeled")
    assert count <= len(pulls) * len(actions)
    return [sender.pull_request(pr, action) for pr in pulls for action in actions][:count]


def _deliver(sender: WebhookSender, delivery: FakeDelivery) -> tuple[int, str]:
    """Send until the receiver answers 2xx, as a redelivery of a failed delivery does."""
    deadline = time.monotonic() + 120
    while True:
        try:
            answer = sender.send(delivery, timeout=10)
            if answer.status in (200, 202):
                return answer.status, answer.body["status"]
        except OSError:
            pass  # refused or reset: the receiver is restarting
        assert time.monotonic() < deadline, f"delivery {delivery.guid} never accepted"
        time.sleep(0.02)


def _emptied(url: str) -> str:
    """``url`` with no deliveries stored yet (the PostgreSQL database is shared by the module's tests)."""
    engine = create_engine(url)
    DeliveryStore(engine)
    with engine.begin() as conn:
        conn.execute(sa.delete(deliveries_table))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def burst_warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return _emptied("postgresql+psycopg2://" + request.getfixturevalue("postgres_database"))


def test_a_burst_of_500_with_duplicates_out_of_order_and_a_restart_loses_nothing_and_runs_nothing_twice(
    team_github: FakeGitHub, team_history: FakeHistory, burst_warehouse: str
):
    store = DeliveryStore(create_engine(burst_warehouse))
    port = free_port()
    servers = [serve_webhooks(store, SECRET, port=port)]
    url = f"http://127.0.0.1:{port}{PATH}"
    deliveries = _deliveries(WebhookSender(team_github, url, SECRET), team_history, 500)
    assert len(deliveries) == 500
    rng = random.Random(7)
    sends = deliveries + rng.sample(deliveries, 60)  # GitHub redelivers some
    rng.shuffle(sends)  # and nothing arrives in the order it happened

    ticks: list = []  # the sensor ticking all along, as the daemon does
    stop_ticking = threading.Event()

    def ticking() -> None:
        cursor = None
        while not stop_ticking.is_set():
            result = tick(burst_warehouse, team_github, cursor)
            ticks.append((cursor, result))
            cursor = result.cursor
            time.sleep(0.05)
        ticks.append((cursor, tick(burst_warehouse, team_github, cursor)))

    ticker = threading.Thread(target=ticking)
    ticker.start()
    done = []
    try:
        with ThreadPoolExecutor(max_workers=64) as pool:
            futures = [pool.submit(_deliver, WebhookSender(team_github, url, SECRET), d) for d in sends]
            while sum(f.done() for f in futures) < 200:
                time.sleep(0.01)
            stop(servers[-1])  # the receiver stops mid-burst, finishing what it took, and comes back
            assert sum(f.done() for f in futures) < len(sends)
            time.sleep(0.3)
            servers.append(serve_webhooks(store, SECRET, port=port))
            done = [f.result() for f in futures]
    finally:
        stop_ticking.set()
        ticker.join(timeout=120)
        stop(servers[-1])

    rows = store.after(0, 10_000)
    assert sorted(r.delivery.delivery_id for r in rows) == sorted(d.guid for d in deliveries)  # none lost, none twice
    assert [r.seq for r in rows] == sorted({r.seq for r in rows})
    assert sum(status == "stored" for _, status in done) == 500
    assert sum(status == "duplicate" for _, status in done) == 60

    # Every stored delivery is read by exactly one tick, and each tick asks for one run per merge day.
    seen: list[int] = []
    run_keys: list[str] = []
    for cursor, result in ticks:
        batch = [r for r in rows if int(cursor or 0) < r.seq <= int(result.cursor or 0)]
        seen += [r.seq for r in batch]
        days = {r.delivery.merge_day for r in batch}
        assert sorted(r.partition_key for r in result.run_requests) == sorted(days)
        run_keys += [r.run_key for r in result.run_requests]
        # The same tick evaluated again (the daemon restarted before saving the cursor): the same run key for
        # every day nothing new arrived for since, so Dagster launches those runs once.
        again = tick(burst_warehouse, team_github, cursor)
        newer = {r.delivery.merge_day for r in rows if int(result.cursor or 0) < r.seq <= int(again.cursor or 0)}
        same = {r.run_key for r in result.run_requests if r.partition_key not in newer}
        assert same <= {r.run_key for r in again.run_requests}
    assert sorted(seen) == [r.seq for r in rows]
    assert len(run_keys) == len(set(run_keys))
    days = {r.delivery.merge_day for r in rows}
    assert {key.split(":")[1] for key in run_keys} == days
    store.engine.dispose()


@pytest.mark.services
def test_on_postgresql_a_reader_following_the_sequence_misses_no_concurrent_insert(
    team_github: FakeGitHub, team_history: FakeHistory, postgres_database: str
):
    """A sequence hands numbers out at insert, not at commit: the store's lock keeps the two in one order."""
    store = DeliveryStore(create_engine(_emptied("postgresql+psycopg2://" + postgres_database)))
    sender = WebhookSender(team_github, "http://unused", SECRET)
    pending = _deliveries(sender, team_history, 300)
    finished = threading.Event()
    read: list[int] = []

    def follow() -> None:
        cursor = 0
        while True:
            last_round = finished.is_set()
            for row in store.after(cursor, 1_000):
                read.append(row.seq)
                cursor = row.seq
            if last_round:
                return

    reader = threading.Thread(target=follow)
    reader.start()
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda d: store.add(read_delivery(d.guid, d.event, d.body)), pending))
    finished.set()
    reader.join(timeout=60)
    assert read == [row.seq for row in store.after(0, 10_000)] and len(read) == 300
    store.engine.dispose()


def _healthy(host: str, port: int) -> bool:
    """Whether the receiver answers its health check at ``host`` (as a readiness probe asks)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_the_console_script_receives_on_loopback_and_stops_cleanly(
    team_github: FakeGitHub, team_history: FakeHistory, tmp_path
):
    port = free_port()
    env = {**environment_without_settings(), "ACHIEVEMENT_HOME": str(tmp_path), "ACHIEVEMENT_WEBHOOK_PORT": str(port)}
    env["ACHIEVEMENT_GITHUB_WEBHOOK_SECRET"] = SECRET
    command = [str(Path(sys.executable).with_name("achievement-webhooks"))]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _healthy("127.0.0.1", port):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.2)
        assert not _healthy("127.0.0.2", port)  # loopback unless ACHIEVEMENT_WEBHOOK_ADDRESS says otherwise
        sender = WebhookSender(team_github, f"http://127.0.0.1:{port}{PATH}", SECRET)
        assert sender.send(sender.pull_request(merged(team_history)[0], "closed")).status == 202
    finally:
        os.kill(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    assert len(DeliveryStore(engine).after(0, 10)) == 1  # the pipeline's own warehouse under ACHIEVEMENT_HOME
    assert SECRET not in stderr.decode()


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "ACHIEVEMENT_GITHUB_WEBHOOK_SECRET is not set"),
        ({"ACHIEVEMENT_WEBHOOK_MAX_BYTES": "five megabytes"}, "ACHIEVEMENT_WEBHOOK_MAX_BYTES='five megabytes'"),
        ({"ACHIEVEMENT_WEBHOOK_MAX_BYTES": "100"}, "ACHIEVEMENT_WEBHOOK_MAX_BYTES='100' must be at least 1024"),
        (
            {"ACHIEVEMENT_WAREHOUSE_URL": "postgresql+psycopg2://hooks:hunter2@127.0.0.1:{port}/achievement"},
            "(ACHIEVEMENT_WAREHOUSE_URL) is unreachable",
        ),
    ],
    ids=["no secret", "malformed limit", "limit too small", "warehouse down"],
)
def test_a_configuration_mistake_stops_the_console_script_in_one_line(tmp_path, settings, named):
    env = {**environment_without_settings(), "ACHIEVEMENT_HOME": str(tmp_path)}
    if settings != {}:
        env["ACHIEVEMENT_GITHUB_WEBHOOK_SECRET"] = SECRET
    env.update({name: value.format(port=free_port()) for name, value in settings.items()})
    command = [str(Path(sys.executable).with_name("achievement-webhooks")), "--port", str(free_port())]
    out = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("achievement-webhooks: ") and named in line
    assert "hunter2" not in out.stderr and SECRET not in out.stderr


def test_the_deployment_runs_the_receiver_reachable_with_its_own_secret_only():
    from tests.test_deploy_manifests import manifest

    deployment = manifest("Deployment", "achievement-webhooks")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "achievement_pipeline.cli.webhooks"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["ACHIEVEMENT_WEBHOOK_ADDRESS"] == "0.0.0.0"  # the ingress reaches the pod's address
    (port,) = container["ports"]
    assert env["ACHIEVEMENT_WEBHOOK_PORT"] == str(port["containerPort"])
    service = manifest("Service", "achievement-webhooks")
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    secrets = [ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref]
    assert secrets == ["achievement-webhook-secrets"]
    template = manifest("Secret", "achievement-webhook-secrets")
    assert set(template["stringData"]) == {"ACHIEVEMENT_GITHUB_WEBHOOK_SECRET", "ACHIEVEMENT_WAREHOUSE_URL"}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert int(env["ACHIEVEMENT_WEBHOOK_MAX_BYTES"]) <= 25 * 1024 * 1024  # GitHub sends nothing larger


def test_the_health_check_answers_without_touching_a_delivery(webhooks: Receiver):
    port = webhooks.server.server_port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
        assert answer.status == 200
    assert stored(webhooks) == []
