"""The project's own manifests (deploy/k8s) and image (deploy/Dockerfile): valid, least-privileged, secret-free."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_deploy_tools import ROOT

K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.lock"


def load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest(kind: str, name: str) -> dict[str, Any]:
    (found,) = [
        doc
        for path in sorted(K8S.rglob("*.yaml"))
        for doc in load(path)
        if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    return found


@pytest.mark.parametrize("path", sorted(K8S.rglob("*.yaml")), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_is_a_valid_kubernetes_object(path):
    import kubernetes_validate

    for doc in load(path):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def render_monitoring() -> Any:
    spec = importlib.util.spec_from_file_location("render_monitoring", K8S / "render_monitoring.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_monitoring_config_maps_are_rendered_from_the_current_files():
    rendered = render_monitoring().render()
    committed = {path.name: path.read_text() for path in sorted((K8S / "monitoring").glob("*.yaml"))}
    assert committed == rendered, "stale: run python deploy/k8s/render_monitoring.py"


@pytest.mark.parametrize(
    ("name", "sources"),
    [
        ("achievement-prometheus-config", ["prometheus/prometheus.yml"]),
        ("achievement-prometheus-rules", ["prometheus/rules/achievement.rules.yml"]),
        ("achievement-alertmanager-config", ["alertmanager/alertmanager.yml"]),
        (
            "achievement-grafana-dashboards",
            [
                "grafana/dashboards/business.json",
                "grafana/dashboards/models.json",
                "grafana/dashboards/pipeline-health.json",
            ],
        ),
        ("achievement-grafana-datasources", ["grafana/provisioning/datasources/prometheus.yml"]),
    ],
)
def test_each_monitoring_config_map_carries_its_files_byte_for_byte(name, sources):
    data = manifest("ConfigMap", name)["data"]
    assert data == {Path(s).name: (ROOT / "deploy" / s).read_text() for s in sources}


def test_the_dashboards_config_map_is_labelled_for_grafanas_sidecar():
    assert manifest("ConfigMap", "achievement-grafana-dashboards")["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_secret_templates_hold_names_only_and_are_not_applied_with_the_folder():
    templates = sorted((K8S / "secret-templates").glob("*.yaml"))
    assert templates
    for path in templates:
        for doc in load(path):
            assert doc["kind"] == "Secret"
            assert set(doc["stringData"].values()) == {""}, f"{path.name} carries a value"
    assert all(doc["kind"] != "Secret" for path in K8S.glob("*.yaml") for doc in load(path))


def test_the_shared_config_holds_no_secret():
    data = manifest("ConfigMap", "achievement-config")["data"]
    secretish = [key for key in data if re.search(r"(TOKEN|PASSWORD|SECRET|API_KEY)$", key)]
    assert secretish == []
    assert not [value for value in data.values() if re.search(r"://[^/\s]*:[^/\s]*@", value)]


def test_the_exporter_gets_only_its_own_read_only_secret():
    pod = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    secrets = [ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref]
    assert secrets == ["achievement-metrics-secrets"]
    template = manifest("Secret", "achievement-metrics-secrets")
    assert set(template["stringData"]) == {"DAGSTER_PG_URL", "ACHIEVEMENT_WAREHOUSE_URL"}


def test_the_exporter_runs_unprivileged_on_a_read_only_filesystem():
    pod = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["automountServiceAccountToken"] is False


def test_the_exporter_service_and_the_scrape_target_agree_on_the_port():
    deployment = manifest("Deployment", "achievement-metrics")
    service = manifest("Service", "achievement-metrics")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (port,) = container["ports"]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == "achievement-metrics"]
    target = job["static_configs"][0]["targets"][0]
    name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
    assert target == f"{name}.{namespace}.svc:{service['spec']['ports'][0]['port']}"


def test_the_exporter_listens_on_the_pods_address_so_prometheus_can_scrape_it():
    # The exporter binds loopback unless ACHIEVEMENT_METRICS_ADDRESS says otherwise (tests/test_loopback.py);
    # in the cluster the scrape comes from another pod.
    (container,) = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["ACHIEVEMENT_METRICS_ADDRESS"] == "0.0.0.0"


def test_the_exporter_command_is_the_exporter_module():
    import importlib

    (container,) = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]["containers"]
    assert container["command"][:2] == ["python", "-m"]
    assert callable(importlib.import_module(container["command"][2]).main)


def stages(text: str) -> list[str]:
    """The Dockerfile's build stages, each from its FROM line to the next."""
    return re.split(r"^(?=FROM )", text, flags=re.M)[1:]


def test_the_image_is_built_in_stages_and_ships_only_the_virtualenv():
    build, final = stages(DOCKERFILE.read_text())
    assert re.match(r"FROM \S+ AS build\b", build)
    assert "pip install" in build and "pip install" not in final
    assert "COPY --from=build /opt/venv /opt/venv" in final


def test_the_base_image_is_pinned_to_an_exact_python_and_debian_release():
    (default,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(), flags=re.M)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-(bookworm|trixie)(@sha256:[0-9a-f]{64})?", default), default
    assert {line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("FROM ")} == {
        "${PYTHON_IMAGE}"
    }


def test_every_pip_install_in_the_image_is_pinned():
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    installs = re.findall(r"pip install ([^&\n]+)", text)
    assert installs
    for arguments in installs:
        args = [a for a in arguments.split() if not a.startswith("--")]
        pinned = args == ["-r", "deploy/requirements.lock"] or all(
            re.fullmatch(r'"?[\w.-]+==[\w.]+"?', a) for a in args
        )
        assert pinned or (args == ["."] and "--no-deps" in arguments), arguments


def locked() -> dict[str, str]:
    lines = [line for line in LOCK.read_text().splitlines() if line and not line.startswith("#")]
    from packaging.utils import canonicalize_name

    pairs = [line.split("==", 1) for line in lines]
    assert all(len(pair) == 2 and re.fullmatch(r"[A-Za-z0-9._-]+", pair[0]) for pair in pairs), lines
    pins = {canonicalize_name(name): version for name, version in pairs}
    assert len(pins) == len(lines)
    return pins


def _declared() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["k8s"]]


def test_the_lock_pins_every_declared_dependency_within_its_range():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = locked()
    for declared in map(Requirement, _declared()):
        name = canonicalize_name(declared.name)
        assert name in pins, f"{name} is not in deploy/requirements.lock"
        assert declared.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {declared}"


def test_the_lock_holds_the_requirements_of_every_package_it_pins():
    """Checked with the installed metadata of each locked package the test environment has at that version."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = locked()
    missing = set()
    for name, version in pins.items():
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        if dist.version != version:
            continue
        for requirement in map(Requirement, dist.requires or []):
            applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            if applies and canonicalize_name(requirement.name) not in pins:
                missing.add(f"{name} needs {requirement.name}")
    assert missing == set()


def test_the_image_runs_as_the_unprivileged_user_the_manifests_expect():
    text = DOCKERFILE.read_text()
    (user,) = re.findall(r"^USER (\S+)", text, flags=re.M)
    pod = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]
    assert user.split(":")[0] == str(pod["securityContext"]["runAsUser"]) != "0"


def test_the_image_python_satisfies_the_projects_python_requirement():
    image = re.search(r"^ARG PYTHON_IMAGE=python:(\d+\.\d+)", DOCKERFILE.read_text(), flags=re.M).group(1)
    floor = re.search(r'requires-python = ">=(\d+\.\d+)', (ROOT / "pyproject.toml").read_text()).group(1)
    assert tuple(map(int, image.split("."))) >= tuple(map(int, floor.split(".")))


def test_the_image_serves_the_code_location_by_default():
    (cmd,) = re.findall(r"^CMD (.+)$", DOCKERFILE.read_text(), flags=re.M)
    command = json.loads(cmd)
    assert command[:3] == ["dagster", "api", "grpc"] and command[-2:] == ["-m", "achievement_pipeline.definitions"]


def test_the_image_copies_only_what_exists_and_bakes_in_no_secret():
    text = DOCKERFILE.read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"COPY {path}: no such file in the repository"
    assert not re.search(r"^(ENV|ARG) .*(TOKEN|PASSWORD|SECRET|API_KEY)", text, flags=re.M)


def test_the_alertmanager_secret_template_names_every_credential_file_the_config_reads():
    config = (ROOT / "deploy" / "alertmanager" / "alertmanager.yml").read_text()
    files = set(re.findall(r"_file: /etc/alertmanager/secrets/([\w-]+)", config))
    assert files and set(manifest("Secret", "alertmanager-receivers")["stringData"]) == files


def test_the_exporter_runs_the_image_the_code_location_runs():
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    (container,) = manifest("Deployment", "achievement-metrics")["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"{deployment['image']['repository']}:{deployment['image']['tag']}"
