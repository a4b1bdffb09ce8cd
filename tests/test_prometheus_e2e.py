"""End to end: real ingest runs (one failed) → achievement-metrics → Prometheus → Alertmanager.

Prometheus loads the project's own rules and scrape job (intervals shortened to one second);
Alertmanager routes with the project's own routing tree, its receivers pointed at a local
webhook. The failed run must reach the webhook as AchievementRunFailed, naming the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from tests.conftest import PIPELINE_VARIABLES
from tests.local_processes import free_port
from tests.test_deploy_tools import ROOT, require_tool

pytestmark = pytest.mark.slow


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, procs: tuple = ()) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args[0]} exited with {proc.returncode} while waiting for {what}")
        try:
            last = check()
        except OSError as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


class Webhook:
    """A local HTTP endpoint that records Alertmanager's webhook notifications."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"path": self.path, **json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self, receiver: str) -> list[dict[str, Any]]:
        return [a for n in self.received if n["path"] == f"/{receiver}" for a in n["alerts"]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, fake_github) -> Iterator[dict[str, Any]]:
    """A Dagster instance and warehouse after a real ingest run and a failed one (unknown user)."""
    from dagster import DagsterInstance, materialize

    from achievement_pipeline.defs.ingest.assets import pull_requests
    from achievement_pipeline.resources.github import GitHubResource
    from achievement_pipeline.resources.warehouse import WarehouseResource

    home = tmp_path_factory.mktemp("e2e") / "home"
    (home / "dagster").mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")

    def github(user: str) -> GitHubResource:
        return GitHubResource(
            base_url=fake_github.base_url, token="test-token", users=[user], request_spacing_seconds=0
        )

    with pytest.MonkeyPatch.context() as mp:
        for name in PIPELINE_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("ACHIEVEMENT_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        with DagsterInstance.get() as instance:
            ok = materialize(
                [pull_requests],
                instance=instance,
                partition_key="2025-01-02",
                resources={"github": github("octo-demo"), "warehouse": WarehouseResource()},
            )
            failed = materialize(
                [pull_requests],
                instance=instance,
                partition_key="2025-01-03",
                resources={"github": github("no-such-user"), "warehouse": WarehouseResource()},
                raise_on_error=False,
            )
            assert ok.success and not failed.success
        env = {k: v for k, v in os.environ.items() if k not in PIPELINE_VARIABLES}
        yield {"home": home, "env": env, "ok": ok.run_id, "failed": failed.run_id}


@pytest.fixture(scope="module")
def stack(runs, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """achievement-metrics, Prometheus and Alertmanager on loopback ports, configured from deploy/."""
    prometheus = require_tool("prometheus")
    alertmanager = shutil.which("prometheus-alertmanager") or require_tool("alertmanager")  # Debian's name first
    folder = tmp_path_factory.mktemp("stack")
    exporter_port, prometheus_port, alertmanager_port = free_port(), free_port(), free_port()
    webhook = Webhook()

    am_config = yaml.safe_load((ROOT / "deploy/alertmanager/alertmanager.yml").read_text())
    am_config["route"].update(group_wait="1s", group_interval="1s")
    for receiver in am_config["receivers"]:
        name = receiver["name"]
        receiver.clear()
        receiver.update(name=name, webhook_configs=[{"url": f"{webhook.url}/{name}", "send_resolved": False}])
    (folder / "alertmanager.yml").write_text(yaml.safe_dump(am_config))

    prom_config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    prom_config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
    prom_config["rule_files"] = [str(ROOT / "deploy/prometheus/rules" / "*.yml")]
    prom_config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]}
    (job,) = [j for j in prom_config["scrape_configs"] if j["job_name"] == "achievement-metrics"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{exporter_port}"]}]
    (folder / "prometheus.yml").write_text(yaml.safe_dump(prom_config))

    logs = {name: open(folder / f"{name}.log", "wb") for name in ("exporter", "prometheus", "alertmanager")}  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "achievement_pipeline.cli.metrics", "--address", "127.0.0.1"]
            + ["--port", str(exporter_port)],
            env={**runs["env"], "ACHIEVEMENT_HOME": str(runs["home"]), "DAGSTER_HOME": str(runs["home"] / "dagster")},
            stdout=logs["exporter"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [alertmanager, f"--config.file={folder / 'alertmanager.yml'}", f"--storage.path={folder / 'am-data'}"]
            + [f"--web.listen-address=127.0.0.1:{alertmanager_port}", "--cluster.listen-address="],
            stdout=logs["alertmanager"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [prometheus, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}"]
            + [f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            stdout=logs["prometheus"],
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        yield {
            "prometheus": f"http://127.0.0.1:{prometheus_port}",
            "exporter": f"http://127.0.0.1:{exporter_port}/metrics",
            "webhook": webhook,
            "procs": tuple(procs),
            "logs": folder,
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()
        webhook.server.shutdown()


def query(stack: dict[str, Any], promql: str) -> list[dict[str, Any]]:
    url = f"{stack['prometheus']}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    return get_json(url)["data"]["result"]


def firing(stack: dict[str, Any], alertname: str) -> list[dict[str, Any]]:
    alerts = get_json(f"{stack['prometheus']}/api/v1/alerts")["data"]["alerts"]
    return [a for a in alerts if a["labels"]["alertname"] == alertname and a["state"] == "firing"]


def test_prometheus_scrapes_the_run_counts_by_status(stack, runs):
    results = wait_for(
        "the run counts in Prometheus",
        lambda: query(stack, "sum by (status) (achievement_dagster_runs_finished_total)"),
        procs=stack["procs"],
    )
    assert {r["metric"]["status"]: float(r["value"][1]) for r in results} == {
        "SUCCESS": 1.0,
        "FAILURE": 1.0,
        "CANCELED": 0.0,
    }


def test_prometheus_has_the_failed_steps_error_class(stack, runs):
    results = wait_for(
        "the step failure in Prometheus",
        lambda: query(stack, 'achievement_dagster_step_failures_total{step="pull_requests"}'),
        procs=stack["procs"],
    )
    assert [float(r["value"][1]) for r in results] == [1.0]
    assert results[0]["metric"]["error"].startswith("GitHub")


def test_the_exporters_output_passes_promtool_check_metrics(stack):
    with urllib.request.urlopen(stack["exporter"], timeout=30) as response:
        body = response.read()
    result = subprocess.run(
        [require_tool("promtool"), "check", "metrics"], input=body, capture_output=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, b"")


def test_the_failed_run_fires_its_alert_with_the_run_id(stack, runs):
    (alert,) = wait_for("AchievementRunFailed", lambda: firing(stack, "AchievementRunFailed"), procs=stack["procs"])
    assert alert["labels"]["run_id"] == runs["failed"]
    assert alert["labels"]["severity"] == "warning"
    assert runs["failed"] in alert["annotations"]["description"]


def test_alertmanager_delivers_the_failed_run_warning_to_slack_only(stack, runs):
    def delivered() -> list[dict[str, Any]]:
        return [a for a in stack["webhook"].alerts("slack") if a["labels"]["alertname"] == "AchievementRunFailed"]

    (alert, *_) = wait_for("the Slack notification", delivered, procs=stack["procs"])
    assert alert["labels"]["run_id"] == runs["failed"]
    for receiver in ("pagerduty", "email"):
        assert not [a for a in stack["webhook"].alerts(receiver) if a["labels"]["alertname"] == "AchievementRunFailed"]


def test_the_exporter_is_up_and_no_source_is_down(stack):
    wait_for("up == 1", lambda: query(stack, 'up{job="achievement-metrics"} == 1'), procs=stack["procs"])
    assert query(stack, "achievement_exporter_source_up == 0") == []
    assert firing(stack, "AchievementMetricsExporterDown") == []
