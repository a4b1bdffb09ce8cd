"""deploy/k8s/read-api.yaml: the read API inside the cluster only, its tokens from its own Secret, least privilege."""

from __future__ import annotations

import tomllib

import pytest
import yaml

from tests.test_deploy_manifests import K8S, manifest
from tests.test_deploy_tools import ROOT

NAME = "achievement-read-api"
SECRET = "achievement-read-api-secrets"


def _pod() -> dict:
    return manifest("Deployment", NAME)["spec"]["template"]["spec"]


def _containers() -> dict[str, dict]:
    return {container["name"]: container for container in _pod()["containers"]}


def test_the_read_api_is_reachable_only_inside_the_cluster():
    service = manifest("Service", NAME)
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert not [
        doc
        for path in sorted(K8S.rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc["kind"] == "Ingress" and NAME in yaml.safe_dump(doc)
    ]


def test_the_service_ports_are_the_containers_ports():
    deployment, service = manifest("Deployment", NAME), manifest("Service", NAME)
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    declared = {port["name"]: port["containerPort"] for c in _containers().values() for port in c["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} == set(declared)
    env = {c["name"]: {e["name"]: e.get("value") for e in c["env"]} for c in _containers().values()}
    assert env["api"]["ACHIEVEMENT_API_PORT"] == str(declared["api"])
    assert env["mcp"]["ACHIEVEMENT_MCP_PORT"] == str(declared["mcp"])


@pytest.mark.parametrize("container", ["api", "mcp"])
def test_tokens_and_the_warehouse_url_come_from_the_read_apis_own_secret(container):
    found = _containers()[container]
    from_secrets = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in found["env"] if "valueFrom" in item}
    assert set(from_secrets) == {"ACHIEVEMENT_API_TOKENS", "ACHIEVEMENT_WAREHOUSE_URL"}
    assert {ref["name"] for ref in from_secrets.values()} == {SECRET}
    assert all(ref["key"] == name for name, ref in from_secrets.items())
    assert not [ref for ref in found.get("envFrom", []) if "secretRef" in ref]  # no other Secret wholesale
    assert set(manifest("Secret", SECRET)["stringData"]) == set(from_secrets)


@pytest.mark.parametrize("container", ["api", "mcp"])
def test_each_container_listens_on_the_pods_address_and_runs_a_declared_console_script(container):
    found = _containers()[container]
    env = {item["name"]: item.get("value") for item in found["env"]}
    assert env["ACHIEVEMENT_API_ADDRESS"] == "0.0.0.0"  # loopback unless told otherwise (tests/test_loopback.py)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert found["command"][0] in scripts


def test_the_read_api_runs_unprivileged_on_a_read_only_filesystem_with_the_pipelines_image():
    pod = _pod()
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    image = f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["image"] == image


def test_the_http_probe_path_is_one_the_api_serves_without_a_token():
    probe = _containers()["api"]["readinessProbe"]["httpGet"]["path"]
    committed = yaml.safe_load((ROOT / "docs" / "read-api.openapi.json").read_text())
    assert probe in committed["paths"] and "security" not in committed["paths"][probe]["get"]
