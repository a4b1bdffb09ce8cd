"""deploy/helm/values.yaml rendered offline with Dagster's own chart: valid, secret-free, and limited.

The chart is ../shared/dagster-helm-chart (its SOURCE.md); helm comes from deploy/ci/install-tools.sh.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
import yaml

from tests.test_deploy_tools import ROOT, require_shared, require_tool

VALUES = ROOT / "deploy" / "helm" / "values.yaml"
TOKEN_TAG = "achievement/github-token"
# Values no manifest may carry: set on purpose where a careless chart would print them.
CANARIES = {"postgresql.postgresqlPassword": "canary-pg-password-5b1e"}


def render(*extra: str) -> list[dict[str, Any]]:
    helm = require_tool("helm")
    chart = require_shared("dagster-helm-chart")
    out = subprocess.run(
        [helm, "template", "achievements", str(chart), "--namespace", "achievement"]
        + ["--values", str(VALUES), "--skip-schema-validation", *extra],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return render(*[arg for key, value in CANARIES.items() for arg in ("--set", f"{key}={value}")])


@pytest.fixture(scope="module")
def instance(manifests) -> dict[str, Any]:
    """The dagster.yaml the chart renders for the webserver, the daemon and every run."""
    (config_map,) = [m for m in manifests if m["kind"] == "ConfigMap" and m["metadata"]["name"].endswith("-instance")]
    return yaml.safe_load(config_map["data"]["dagster.yaml"])


def by_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def containers(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for d in by_kind(manifests, "Deployment") for c in d["spec"]["template"]["spec"]["containers"]]


def _merge(base: Any, override: Any) -> Any:
    """Helm's values merge: maps merge key by key, everything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merge(base[k], v) if k in base else v for k, v in override.items()}}
    return override


def test_the_values_satisfy_the_charts_schema():
    import jsonschema

    chart = require_shared("dagster-helm-chart")
    schema = json.loads((chart / "values.schema.json").read_text())
    values = _merge(yaml.safe_load((chart / "values.yaml").read_text()), yaml.safe_load(VALUES.read_text()))
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in jsonschema.Draft7Validator(schema).iter_errors(values)]
    assert errors == []


def test_every_rendered_manifest_is_a_valid_kubernetes_object(manifests):
    import kubernetes_validate

    version = kubernetes_validate.latest_version()
    for manifest in manifests:
        kubernetes_validate.validate(manifest, version, strict=True)
    assert {"Deployment", "Service", "ConfigMap"} <= {m["kind"] for m in manifests}


def test_no_secret_is_rendered_and_no_value_set_for_one_leaks(manifests):
    assert by_kind(manifests, "Secret") == []
    text = yaml.safe_dump_all(manifests)
    for value in CANARIES.values():
        assert value not in text


def test_secret_looking_variables_come_only_from_secrets(manifests):
    secretish = re.compile(r"TOKEN|PASSWORD|SECRET|API_KEY|_URL$")
    for container in containers(manifests):
        for env in container.get("env", []):
            if secretish.search(env["name"]):
                assert "valueFrom" in env and "secretKeyRef" in env["valueFrom"], env
        for config_map in by_kind(manifests, "ConfigMap"):
            leaked = [k for k in (config_map.get("data") or {}) if secretish.search(k)]
            assert leaked == [], f"{config_map['metadata']['name']} carries {leaked}"


def test_the_code_location_runs_the_project_image_with_the_project_secrets(manifests):
    (code,) = [c for c in containers(manifests) if "achievement_pipeline.definitions" in c.get("args", [])]
    assert "achievement-pipeline" in code["image"]
    sources = [next(iter(ref.values()))["name"] for ref in code["envFrom"]]
    assert "achievement-secrets" in sources and "achievement-config" in sources


def test_the_system_images_match_the_dagster_version_the_project_pins(manifests):
    pinned = re.search(r'"dagster==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    system = [c["image"] for c in containers(manifests) if "dagster-celery-k8s" in c["image"]]
    # The webserver, the viewers' read-only webserver and the daemon.
    assert len(system) == 3 and all(image.endswith(f":{pinned}") for image in system)


def test_the_instance_uses_the_external_postgresql_with_the_password_from_the_secret(manifests, instance):
    assert by_kind(manifests, "StatefulSet") == []  # no bundled PostgreSQL
    storage = instance["run_storage"]["config"]["postgres_db"]
    assert storage["hostname"] == "db.internal" and storage["password"] == {"env": "DAGSTER_PG_PASSWORD"}


def test_runs_are_kubernetes_jobs_with_their_own_resources_and_secrets(instance):
    launcher = instance["run_launcher"]
    assert launcher["class"] == "K8sRunLauncher"
    assert set(launcher["config"]["resources"]) == {"requests", "limits"}
    assert launcher["config"]["env_secrets"] == ["achievement-secrets"]
    assert launcher["config"]["postgres_password_secret"] == "dagster-postgresql-secret"


def test_every_long_running_container_has_requests_and_a_memory_limit(manifests):
    for container in containers(manifests):
        resources = container.get("resources") or {}
        assert resources.get("requests") and resources.get("limits", {}).get("memory"), container["name"]


def test_every_run_gets_cpu_and_memory_requests_and_limits(instance):
    resources = instance["run_launcher"]["config"]["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}


def test_the_queue_runs_ten_at_once_but_one_per_github_token(instance):
    """Dagster itself reads the rendered run coordinator config."""
    from dagster._config import process_config
    from dagster._core.run_coordinator import QueuedRunCoordinator

    section = instance["run_coordinator"]
    assert section["class"] == "QueuedRunCoordinator"
    processed = process_config(QueuedRunCoordinator.config_type(), section["config"])
    assert processed.success, processed.errors
    queue = QueuedRunCoordinator.from_config_value(None, processed.value).get_run_queue_config()
    assert queue.max_concurrent_runs >= 10
    (limit,) = [t for t in queue.tag_concurrency_limits if t["key"] == TOKEN_TAG]
    assert limit["limit"] == 1 and limit["value"] == {"applyLimitPerUniqueValue": True}


def test_the_queue_runs_one_run_per_day_at_a_time(instance):
    from tests.test_run_queue import PARTITION_TAGS, queue_limits

    limits = queue_limits(instance["run_coordinator"])
    for tag in PARTITION_TAGS:
        assert limits[tag]["limit"] == 1 and limits[tag]["value"] == {"applyLimitPerUniqueValue": True}, tag


def test_the_plain_production_instance_has_the_same_token_limit(instance):
    plain = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())["run_coordinator"]["config"]
    rendered = instance["run_coordinator"]["config"]
    assert [t for t in plain["tag_concurrency_limits"] if t["key"] == TOKEN_TAG] == [
        t for t in rendered["tag_concurrency_limits"] if t["key"] == TOKEN_TAG
    ]


def test_ingest_runs_carry_the_token_tag():
    from achievement_pipeline import definitions as code_location

    job = code_location.defs().resolve_job_def("collect_prs")
    assert job.run_tags.get(TOKEN_TAG), f"collect_prs runs carry no {TOKEN_TAG} tag: {job.run_tags}"
