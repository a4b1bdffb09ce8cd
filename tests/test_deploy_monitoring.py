"""Prometheus rules, scrape config, Alertmanager routing and the Grafana dashboards, checked by their own tools.

promtool and amtool come from deploy/ci/install-tools.sh (missing: skipped locally, failed on CI).
Beyond syntax: the issue's alerts exist with their severities, each has a unit test where it
fires and one where it stays silent, every metric a rule or a dashboard names is one the exporter
exports (or a rule records), and every alert has a runbook section.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from achievement_pipeline.monitoring.materializations import LATEST, TOTALS, Materialization, MaterializationLedger
from achievement_pipeline.monitoring.model_registry import Champion, VersionScores, champion_families, version_family
from achievement_pipeline.monitoring.runs import RunLedger, RunView
from achievement_pipeline.monitoring.sources import GuardedCollector
from achievement_pipeline.monitoring.steps import StepEnded, StepLedger
from achievement_pipeline.monitoring.warehouse import WarehouseSource
from tests.test_deploy_tools import ROOT, require_tool

DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "rules" / "achievement.rules.yml"
RULE_TESTS = sorted((DEPLOY / "prometheus" / "tests").glob("*.test.yml"))
ALERTMANAGER = DEPLOY / "alertmanager" / "alertmanager.yml"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
METRIC = re.compile(r"\bachievement[_:][A-Za-z0-9_:]*")

# The issue's alert list: what each alert is about, and the severity it must carry.
REQUIRED_ALERTS = {
    "AchievementIngestStale": "critical",  # no successful ingest for over a day
    "AchievementIngestNeverSucceeded": "critical",  # the same, on a deployment that never ingested
    "AchievementRunsFailingRepeatedly": "critical",  # failing runs above a threshold
    "AchievementGitHubRateLimitExhausted": "critical",  # GitHub limit exhausted
    "AchievementRunDurationRegression": "warning",  # run duration regression
    "AchievementLLMBudgetNearlySpent": "warning",  # LLM budget 80% used
    "AchievementValidationRejectionsSpike": "warning",  # validation rejections spike
    "AchievementChampionMetricDrop": "warning",  # champion model metric drop
    "AchievementPortfolioPublished": "info",  # a new portfolio published
}
# The figures item 1 asks for, by the dashboard that shows them.
DASHBOARD_FIGURES = {
    "business.json": {
        "achievement_portfolio_value",
        "achievement_portfolio_achievements",
        "achievement_prs_processed_total",
        "achievement_processing_success_ratio",
    },
    "pipeline-health.json": {
        "achievement_dagster_runs_finished_total",
        "achievement_dagster_run_duration_seconds_bucket",
        "achievement_dagster_step_duration_seconds_bucket",
        "achievement_asset_last_materialization_timestamp_seconds",
        "achievement:github_requests:1h",
        "achievement_github_rate_limit_remaining",
        "achievement_llm_calls_total",
        "achievement_llm_tokens_total",
        "achievement:llm_cost_usd:1d",
        "achievement_llm_cache_hits_total",
        "achievement_validated_total",
    },
    "models.json": {
        "achievement_model_version_metric",
        "achievement_model_champion_metric",
        "achievement_model_prediction_confidence_bucket",
        "achievement_model_last_inference_duration_seconds",
        "achievement_model_inference_seconds_total",
    },
}


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def alerts() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


@pytest.fixture(scope="module")
def exposition(tmp_path_factory) -> str:
    """The exporter's text with every family populated: each source fed the data that shows all of it."""
    now = datetime(2025, 3, 1, tzinfo=UTC)
    runs = RunLedger()
    runs.update(
        [
            RunView("a", "daily_pipeline", "FAILURE", 1.0, 2.0, 3.0, now),
            RunView("b", "daily_pipeline", "SUCCESS", 1.0, 2.0, 4.0, now),
            RunView("c", "daily_pipeline", "QUEUED", 5.0, None, None, now),
        ]
    )
    assets = MaterializationLedger()
    figures = [*TOTALS, *LATEST]
    for i, asset in enumerate(sorted({f.asset for f in figures})):
        numbers = {f.key: 1.0 for f in figures if f.asset == asset} | {"row_count": 1.0}
        assets.update([Materialization(i + 1, asset, "r", 1.0, numbers, {"model_versions": "pr-category:1"})])
    steps = StepLedger()
    steps.update(
        [
            StepEnded(1, "daily_pipeline", "pull_requests", succeeded=True, duration_seconds=3.0),
            StepEnded(2, "daily_pipeline", "pull_requests", succeeded=False, error="GitHubRateLimited", timestamp=9.0),
        ]
    )
    families = [
        *runs.families(),
        *assets.families(),
        *steps.families(),
        *champion_families([Champion("pr-category", 1, 1.0, {"holdout_macro_f1": 0.7})]),
        version_family([VersionScores("pr-category", 1, {"holdout_macro_f1": 0.7})]),
    ]
    warehouse_url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.db'}"
    from achievement_pipeline.core.warehouse import connect
    from tests.factories import make_pr
    from tests.test_metrics_warehouse import prediction, write_predictions

    write_predictions(warehouse_url, [prediction(1, category=0.8, sentiment=0.7)])
    pr = make_pr()
    day = date.fromisoformat(pr["merge_date"])
    connect(warehouse_url).replace_window("pull_requests", day, date.fromordinal(day.toordinal() + 1), [pr])

    class _All:
        def collect(self):
            yield from families

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_All())
    registry.register(GuardedCollector([WarehouseSource(warehouse_url)]))
    return generate_latest(registry).decode()


def exported_names(exposition: str) -> set[str]:
    return {sample.name for family in text_string_to_metric_families(exposition) for sample in family.samples}


# --- the exporter's names ------------------------------------------------------------------------


def test_the_complete_exposition_passes_promtool_check_metrics(exposition):
    result = subprocess.run(
        [require_tool("promtool"), "check", "metrics"], input=exposition, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_metric_the_rules_and_the_dashboards_use_is_exported_or_recorded(exposition):
    available = exported_names(exposition) | {rule["record"] for rule in rules() if "record" in rule}
    used = {name for rule in rules() for name in METRIC.findall(rule["expr"])}
    used |= {name for board in dashboards().values() for expr in exprs(board) for name in METRIC.findall(expr)}
    assert used - available == set()


# --- rules ---------------------------------------------------------------------------------------


def test_the_rules_pass_promtool_check():
    result = subprocess.run(
        [require_tool("promtool"), "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rule_unit_tests_pass():
    promtool = require_tool("promtool")
    # One process per file, side by side: the day-scale file and the minute-scale file take similar time.
    procs = [
        subprocess.Popen([promtool, "test", "rules", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for path in RULE_TESTS
    ]
    outputs = [(proc.wait(timeout=300), proc.stdout.read().decode()) for proc in procs if proc.stdout]
    assert RULE_TESTS and [rc for rc, _ in outputs] == [0] * len(RULE_TESTS), "\n".join(out for _, out in outputs)


def test_the_issues_alerts_exist_with_their_severities():
    severities = {rule["alert"]: rule["labels"]["severity"] for rule in alerts()}
    assert {name: severities.get(name) for name in REQUIRED_ALERTS} == REQUIRED_ALERTS


def test_every_alert_has_a_unit_test_where_it_fires_and_one_where_it_is_silent():
    firing, silent = set(), set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert (names - firing, names - silent) == (set(), set())


def test_every_alert_carries_a_routed_severity_a_component_and_a_runbook_section():
    headings = {
        line.lstrip("#").strip().lower()
        for line in (DEPLOY / "README.md").read_text().splitlines()
        if line.startswith("#")
    }
    for rule in alerts():
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["labels"]["component"] in ("pipeline", "monitoring"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in headings, f"{rule['alert']}: deploy/README.md has no heading '{anchor}'"


def test_the_scrape_config_passes_promtool_check():
    config = DEPLOY / "prometheus" / "prometheus.yml"
    result = subprocess.run(
        [require_tool("promtool"), "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_exporter_down_alert_watches_the_job_the_scrape_config_defines():
    jobs = {
        job["job_name"]
        for job in yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())["scrape_configs"]
    }
    (down,) = [rule for rule in alerts() if rule["alert"] == "AchievementMetricsExporterDown"]
    assert set(re.findall(r'job="([^"]+)"', down["expr"])) <= jobs


# --- dashboards ----------------------------------------------------------------------------------


def test_there_are_business_pipeline_health_and_models_dashboards():
    boards = dashboards()
    assert set(boards) == set(DASHBOARD_FIGURES)
    assert len({board["uid"] for board in boards.values()}) == len(boards)


@pytest.mark.parametrize("name", sorted(DASHBOARD_FIGURES))
def test_each_dashboard_shows_the_figures_of_its_topic(name):
    used = {metric for expr in exprs(dashboards()[name]) for metric in METRIC.findall(expr)}
    assert DASHBOARD_FIGURES[name] - used == set()


def test_the_dashboard_queries_are_valid_promql(tmp_path):
    queries = [expr for board in dashboards().values() for expr in exprs(board)]
    as_rules = {
        "groups": [
            {"name": "dashboards", "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(queries)]}
        ]
    }
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump(as_rules))
    result = subprocess.run(
        [require_tool("promtool"), "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_panel_has_a_unique_id_and_uses_the_datasource_variable():
    for name, board in dashboards().items():
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name
        for panel in board["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == "${datasource}", f"{name}: {panel['title']}"


def test_the_grafana_provisioning_points_at_prometheus_and_at_the_dashboards_folder():
    datasources = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    providers = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/achievement.yml").read_text())
    assert [d["type"] for d in datasources["datasources"]] == ["prometheus"]
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/achievement-pipeline"


# --- Alertmanager --------------------------------------------------------------------------------


def test_the_alertmanager_config_passes_amtool_check():
    result = subprocess.run(
        [require_tool("amtool"), "check-config", str(ALERTMANAGER)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("severity", "receiver", "kind"),
    [
        ("critical", "pagerduty", "pagerduty_configs"),
        ("warning", "slack", "slack_configs"),
        ("info", "email", "email_configs"),
    ],
)
def test_alertmanager_routes_each_severity_to_its_channel(severity, receiver, kind):
    result = subprocess.run(
        [require_tool("amtool"), "config", "routes", "test", f"--config.file={ALERTMANAGER}"]
        + [f"severity={severity}", "component=pipeline", "alertname=AnyAlert"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == receiver, result.stdout + result.stderr
    (config,) = [r for r in yaml.safe_load(ALERTMANAGER.read_text())["receivers"] if r["name"] == receiver]
    assert set(config) == {"name", kind}


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


def test_alertmanager_reads_every_credential_from_a_file():
    keys = _keys(yaml.safe_load(ALERTMANAGER.read_text()))
    inline = {"api_url", "routing_key", "service_key", "url", "smtp_auth_password", "auth_password", "auth_secret"}
    assert keys & inline == set()
    assert {"routing_key_file", "api_url_file", "smtp_auth_password_file"} <= keys
