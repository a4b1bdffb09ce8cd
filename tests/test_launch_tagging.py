"""Who launched each run, end to end: achievement-launch-tagger in front of a real dagster-webserver.

Both run as the deployment runs them (deploy/helm/values.yaml): ``dagster-webserver -w workspace.yaml``
and the tagger forwarding to it. The requests are the Dagster UI's own GraphQL mutations, sent with and
without the login proxy's ``X-Forwarded-User``; the runs and backfills they create are read back from the
instance. The instance queues runs and never starts one (``max_concurrent_runs: 0``): what is under
test is what a launch records, not what a run does. Starting the webserver with its code location takes
about ten seconds, so the module is among the slow tests (CI runs them; tests/test_launch_tags.py checks
the rewrite itself in a moment).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from achievement_pipeline.core.launched_by import LAUNCHED_BY_TAG, Launcher, who_started
from tests.local_processes import answers, environment_without_settings, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TAGGER_SCRIPT = "achievement-launch-tagger"
LOCATION = "tests.queue_location"  # one daily-partitioned asset `day` and its job `day_job`
INSTANCE = {
    "run_coordinator": {
        "module": "dagster.core.run_coordinator",
        "class": "QueuedRunCoordinator",
        "config": {"max_concurrent_runs": 0},
    },
    "telemetry": {"enabled": False},
}
FORGED = {"key": LAUNCHED_BY_TAG, "value": "mallory"}
pytestmark = pytest.mark.slow

LAUNCH_RUN = """
mutation LaunchPipelineExecution($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId tags { key value } } }
    ... on PythonError { message }
  }
}"""
LAUNCH_MULTIPLE = """
mutation LaunchMultipleRuns($executionParamsList: [ExecutionParams!]!) {
  launchMultipleRuns(executionParamsList: $executionParamsList) {
    __typename
    ... on LaunchMultipleRunsResult {
      launchMultipleRunsResult { __typename ... on LaunchRunSuccess { run { runId } } }
    }
  }
}"""
REEXECUTE = """
mutation LaunchPipelineReexecution($reexecutionParams: ReexecutionParams) {
  launchPipelineReexecution(reexecutionParams: $reexecutionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
REEXECUTE_BACKFILL = """
mutation reexecuteBackfill($reexecutionParams: ReexecutionParams!) {
  reexecutePartitionBackfill(reexecutionParams: $reexecutionParams) { __typename }
}"""


@dataclass(frozen=True)
class Servers:
    home: Path
    workspace: Path
    tagger: str
    webserver: str
    read_only_tagger: str  # the viewers' webserver (dagster-webserver --read-only) behind its own tagger


def _start(command: list[Any], env: dict[str, str] | None, log: Path) -> subprocess.Popen:
    """A server in its own session, its output in ``log`` (a pipe nobody reads would fill up and stall it)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(part) for part in command],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for(url: str, processes: list[subprocess.Popen], log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not answers(url):
        if any(process.poll() is not None for process in processes):
            pytest.fail(f"a server ended: {log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {seconds} s: {log.read_text()[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """Stop a server and what it started (the webserver's code server), in the session it leads."""
    for stop_signal, patience in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):  # the whole group may be gone already
            os.killpg(process.pid, stop_signal)
        try:
            process.wait(timeout=patience)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    home = tmp_path_factory.mktemp("launch-tagging")
    (home / "dagster.yaml").write_text(yaml.safe_dump(INSTANCE))
    workspace = home / "workspace.yaml"
    location = {"python_module": {"module_name": LOCATION, "working_directory": str(ROOT)}}
    workspace.write_text(yaml.safe_dump({"load_from": [location]}))
    env = {**environment_without_settings(), "DAGSTER_HOME": str(home)}
    webserver_port, tagger_port, read_only_port, read_only_tagger_port = (free_port() for _ in range(4))
    started: list[subprocess.Popen] = []

    log = home / "servers.log"

    def serve(webserver: list[Any], tagger: list[Any]) -> str:
        started.extend(_start(command, env, log) for command in (webserver, tagger))
        url = f"http://127.0.0.1:{tagger[2]}"
        _wait_for(f"{url}/server_info", started, log)  # the webserver, answering through its tagger
        return url

    try:
        webserver = f"http://127.0.0.1:{webserver_port}"
        tagger = serve(
            [BIN / "dagster-webserver", "-h", "127.0.0.1", "-p", webserver_port, "-w", workspace],
            [BIN / TAGGER_SCRIPT, "--port", tagger_port, "--upstream", webserver],
        )
        # Second, once the first has created the instance's storage (two at once would race on SQLite).
        read_only_tagger = serve(
            [BIN / "dagster-webserver", "-h", "127.0.0.1", "-p", read_only_port, "-w", workspace, "--read-only"],
            [BIN / TAGGER_SCRIPT, "--port", read_only_tagger_port, "--upstream", f"http://127.0.0.1:{read_only_port}"],
        )
        yield Servers(home, workspace, tagger, webserver, read_only_tagger)
    finally:
        for process in reversed(started):
            _stop(process)


@pytest.fixture
def instance(servers: Servers, monkeypatch: pytest.MonkeyPatch):
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    monkeypatch.setenv("DAGSTER_HOME", str(servers.home))
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(servers.home))) as opened:
        yield opened


def graphql(
    servers: Servers, query: str, variables: dict[str, Any], login: str | None = None, *, read_only: bool = False
) -> httpx.Response:
    headers = {"X-Forwarded-User": login} if login else {}
    body = {"query": query, "variables": variables}
    base = servers.read_only_tagger if read_only else servers.tagger
    return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60)


def day_run(*tags: dict[str, str], day: str = "2025-01-02") -> dict[str, Any]:
    return {
        "selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": "day_job"},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": day}, *tags]},
    }


def launched(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    result = response.json()["data"]["launchPipelineExecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def test_a_run_launched_from_the_ui_carries_the_signed_in_login_not_the_one_the_request_sent(servers, instance):
    run_id = launched(graphql(servers, LAUNCH_RUN, {"executionParams": day_run(FORGED)}, login="octocat"))
    run = instance.get_run_by_id(run_id)
    assert run.tags[LAUNCHED_BY_TAG] == "octocat"
    assert run.tags["dagster/partition"] == "2025-01-02"  # the request's other tags are kept
    assert who_started(run.tags) == Launcher("user", "octocat")


def test_a_launch_without_a_login_is_refused_and_creates_no_run(servers, instance):
    before = instance.get_runs_count()
    response = graphql(servers, LAUNCH_RUN, {"executionParams": day_run(FORGED)})
    assert response.status_code == 403
    assert "signed-in person" in response.json()["errors"][0]["message"]
    assert instance.get_runs_count() == before


@pytest.mark.parametrize("login", ["mallory, octocat", "not a login"])
def test_a_login_header_that_is_not_one_github_login_counts_as_none(servers, instance, login):
    before = instance.get_runs_count()
    assert graphql(servers, LAUNCH_RUN, {"executionParams": day_run()}, login=login).status_code == 403
    assert instance.get_runs_count() == before


def test_a_launch_written_inline_is_refused_and_creates_no_run(servers, instance):
    before = instance.get_runs_count()
    selector = f'{{repositoryLocationName: "{LOCATION}", repositoryName: "__repository__", jobName: "day_job"}}'
    tags = '[{key: "dagster/partition", value: "2025-01-02"}, {key: "user", value: "mallory"}]'
    query = (
        f"mutation {{ launchPipelineExecution(executionParams: {{selector: {selector}, "
        f"executionMetadata: {{tags: {tags}}}}}) {{ ... on LaunchRunSuccess {{ run {{ runId }} }} }} }}"
    )
    response = graphql(servers, query, {}, login="octocat")
    assert response.status_code == 400 and "as a GraphQL variable" in response.text
    assert instance.get_runs_count() == before
    # The same request straight to the webserver launches a run under the name it chose: the reason the
    # webserver's own port takes no connection in the deployment (deploy/k8s/auth.yaml, NetworkPolicies).
    direct = httpx.post(f"{servers.webserver}/graphql", json={"query": query}, timeout=60)
    run_id = direct.json()["data"]["launchPipelineExecution"]["run"]["runId"]
    assert instance.get_run_by_id(run_id).tags[LAUNCHED_BY_TAG] == "mallory"


def test_a_launch_in_the_query_string_is_checked_like_one_in_the_body(servers, instance):
    """dagster-webserver reads a POST of another content type from its query string: so does the tagger."""
    params = {"query": LAUNCH_RUN, "variables": json.dumps({"executionParams": day_run(FORGED)})}
    response = httpx.post(
        f"{servers.tagger}/graphql", params=params, headers={"X-Forwarded-User": "octocat"}, timeout=60
    )
    assert instance.get_run_by_id(launched(response)).tags[LAUNCHED_BY_TAG] == "octocat"
    assert httpx.get(f"{servers.tagger}/graphql", params=params, timeout=60).status_code == 403


def test_every_run_of_a_multiple_launch_carries_the_login(servers, instance):
    variables = {"executionParamsList": [day_run(FORGED, day="2025-01-03"), day_run(day="2025-01-04")]}
    response = graphql(servers, LAUNCH_MULTIPLE, variables, login="octocat")
    assert response.status_code == 200, response.text
    results = response.json()["data"]["launchMultipleRuns"]["launchMultipleRunsResult"]
    run_ids = [result["run"]["runId"] for result in results]
    assert len(run_ids) == 2
    assert [instance.get_run_by_id(run_id).tags[LAUNCHED_BY_TAG] for run_id in run_ids] == ["octocat", "octocat"]


def test_a_re_execution_names_whoever_re_executed_it(servers, instance):
    parent = launched(graphql(servers, LAUNCH_RUN, {"executionParams": day_run()}, login="octocat"))
    variables = {"reexecutionParams": {"parentRunId": parent, "strategy": "ALL_STEPS", "extraTags": [FORGED]}}
    response = graphql(servers, REEXECUTE, variables, login="hubot")
    result = response.json()["data"]["launchPipelineReexecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run = instance.get_run_by_id(result["run"]["runId"])
    assert run.parent_run_id == parent
    assert run.tags[LAUNCHED_BY_TAG] == "hubot"  # not the parent's octocat, not the forged mallory


def _backfill(servers: Servers, login: str, *days: str) -> str:
    variables = {
        "backfillParams": {"assetSelection": [{"path": ["day"]}], "partitionNames": list(days), "tags": [FORGED]}
    }
    response = graphql(servers, BACKFILL, variables, login=login)
    result = response.json()["data"]["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def test_a_backfill_carries_the_login_that_dagster_reads_as_its_user(servers, instance):
    backfill = instance.get_backfill(_backfill(servers, "octocat", "2025-01-05", "2025-01-06"))
    assert backfill.tags[LAUNCHED_BY_TAG] == "octocat"
    assert backfill.user == "octocat"  # Dagster's own reading (the UI's "Launched by" of a backfill)


def test_continuing_a_backfill_is_refused_with_what_to_do_instead(servers):
    variables = {"reexecutionParams": {"parentRunId": "any", "strategy": "FROM_FAILURE"}}
    response = graphql(servers, REEXECUTE_BACKFILL, variables, login="octocat")
    assert response.status_code == 403
    assert "Launch a new backfill" in response.json()["errors"][0]["message"]


def test_a_viewer_signed_in_cannot_launch_through_the_read_only_webserver(servers, instance):
    before = instance.get_runs_count()
    run = graphql(servers, LAUNCH_RUN, {"executionParams": day_run()}, login="octocat", read_only=True)
    assert run.json()["data"]["launchPipelineExecution"]["__typename"] == "UnauthorizedError"
    backfill = {"assetSelection": [{"path": ["day"]}], "partitionNames": ["2025-01-07"]}
    response = graphql(servers, BACKFILL, {"backfillParams": backfill}, login="octocat", read_only=True)
    assert response.json()["data"]["launchPartitionBackfill"]["__typename"] == "UnauthorizedError"
    assert instance.get_runs_count() == before


def test_reading_passes_through_unchanged(servers):
    query = "{ version repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    through = httpx.post(f"{servers.tagger}/graphql", json={"query": query}, timeout=60)
    direct = httpx.post(f"{servers.webserver}/graphql", json={"query": query}, timeout=60)
    assert through.status_code == direct.status_code == 200
    assert through.json() == direct.json()
    page = httpx.get(f"{servers.tagger}/runs", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")


def test_the_uis_websocket_passes_through_and_launches_over_it_are_refused(servers, instance):
    from websockets.asyncio.client import connect

    run_id = launched(graphql(servers, LAUNCH_RUN, {"executionParams": day_run()}, login="octocat"))
    logs = "subscription Logs($runId: ID!) { pipelineRunLogs(runId: $runId) { __typename } }"

    async def talk() -> list[dict[str, Any]]:
        url = servers.tagger.replace("http", "ws") + "/graphql"
        async with connect(url, subprotocols=["graphql-ws"], proxy=None) as socket_:
            assert socket_.subprotocol == "graphql-ws"
            await socket_.send(json.dumps({"type": "connection_init", "payload": {}}))
            answers = [json.loads(await socket_.recv())]
            await socket_.send(json.dumps({"type": "start", "id": "1", "payload": {"query": LAUNCH_RUN}}))
            answers.append(json.loads(await socket_.recv()))
            start = {"query": logs, "variables": {"runId": run_id}}
            await socket_.send(json.dumps({"type": "start", "id": "2", "payload": start}))
            answers.append(json.loads(await asyncio.wait_for(socket_.recv(), 30)))
            return answers

    before = instance.get_runs_count()
    ack, refused, data = asyncio.run(talk())
    assert ack == {"type": "connection_ack"}
    assert refused["type"] == "error" and refused["id"] == "1"
    assert data["type"] == "data" and data["id"] == "2"
    assert data["payload"]["data"]["pipelineRunLogs"]["__typename"] == "PipelineRunLogsSubscriptionSuccess"
    assert instance.get_runs_count() == before


def test_the_launch_tagger_listens_on_loopback_by_default(servers):
    port, log = free_port(), servers.home / "loopback.log"
    process = _start([BIN / TAGGER_SCRIPT, "--port", port, "--upstream", servers.webserver], None, log)
    try:
        _wait_for(f"http://127.0.0.1:{port}/server_info", [process], log)
        with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), timeout=2):
            pass
    finally:
        _stop(process)


def test_an_upstream_that_is_not_an_address_is_refused_in_one_line():
    done = subprocess.run(
        [str(BIN / TAGGER_SCRIPT), "--upstream", "localhost:3000"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--upstream 'localhost:3000'" in done.stderr


def test_the_runs_of_a_backfill_launched_from_the_ui_carry_the_login(servers, instance):
    """Dagster's daemon turns the backfill into its run (the asset backfills as one), which keeps its tags."""
    backfill_id = _backfill(servers, "octocat", "2025-01-08", "2025-01-09")
    env = {**environment_without_settings(), "DAGSTER_HOME": str(servers.home)}
    daemon = _start([BIN / "dagster-daemon", "run", "-w", servers.workspace], env, servers.home / "daemon.log")
    from dagster import RunsFilter

    try:
        deadline = time.monotonic() + 180
        while not (runs := instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))):
            assert time.monotonic() < deadline, "the daemon started no run of the backfill"
            time.sleep(1)
    finally:
        _stop(daemon)
    assert [run.tags[LAUNCHED_BY_TAG] for run in runs] == ["octocat"]  # one run: the asset backfills as one
    assert who_started(runs[0].tags) == Launcher("user", "octocat")
