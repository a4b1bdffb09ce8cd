"""No way into the deployment reaches a Dagster webserver without a GitHub login, and each role reaches its own.

The chart rendered with deploy/helm/values.yaml and the project's manifests (deploy/k8s) make one
cluster. From them this test builds what answers where: every entrance from outside (an Ingress rule,
a LoadBalancer or NodePort Service, a Service's external IPs, a host port or the host's network) and,
through Services, the container and port behind it; then, inside the cluster, who may open a
connection to a webserver pod under the NetworkPolicies. The rules:

- every entrance from outside is an oauth2-proxy that signs people in with GitHub (organisation and
  teams set, its client and cookie secrets from Secrets, no option that lets a request through unsigned),
  or the GitHub webhook receiver (deploy/k8s/webhooks.yaml: public by design, it stores only deliveries
  signed with the webhook secret and launches nothing itself);
- its upstream is a webserver pod's launch tagger, never the webserver itself, and the tagger sends
  on to the dagster-webserver of its own pod;
- the full webserver (which launches runs) is reached only through the proxy that admits the
  operators' teams, the read-only one (``--read-only``) only through the viewers';
- inside the cluster a webserver pod takes connections on its tagger's port from its login proxy
  only, and on the webserver's own port from nobody;
- the metrics exporter, and any export server, are ClusterIP and no entrance reaches them.

Each rule is shown to fail on a deployment broken on purpose (the parametrized cases at the end).
"""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.test_deploy_helm import render
from tests.test_deploy_manifests import K8S, load

NAMESPACE = "achievement"
LOGIN_IMAGE = "oauth2-proxy"
TAGGER = "achievement-launch-tagger"
# oauth2-proxy options that let a request through without a signed-in session.
UNSIGNED_WAYS = ("skip-auth", "skip-jwt-bearer-tokens", "trusted-ip", "htpasswd", "allowed-role")
SECRET_OPTIONS = ("client-id", "client-secret", "cookie-secret")
# What a cluster tells helm it serves: without it the chart leaves its Ingress out even when enabled.
AS_A_CLUSTER = ("--api-versions", "networking.k8s.io/v1/Ingress")


@dataclass
class Container:
    workload: str
    labels: dict[str, str]
    name: str
    image: str
    command: list[str]
    ports: dict[str, int]
    host_ports: list[int]
    env: list[dict[str, Any]]

    @property
    def is_login(self) -> bool:
        return LOGIN_IMAGE in self.image

    @property
    def is_webhook_receiver(self) -> bool:
        return "achievement_pipeline.cli.webhooks" in self.command or "achievement-webhooks" in self.command

    @property
    def is_tagger(self) -> bool:
        return bool(self.command) and self.command[0] == TAGGER

    @property
    def webserver(self) -> str | None:
        """'full' or 'read-only' for a dagster-webserver container, else None."""
        line = " ".join(self.command)
        if not re.search(r"(^|[\s/])dagster-webserver(\s|$)", line):
            return None
        return "read-only" if re.search(r"\s--read-only(\s|$)", line) else "full"

    def __str__(self) -> str:
        return f"{self.workload}/{self.name}"


@dataclass
class Cluster:
    containers: list[Container] = field(default_factory=list)
    host_network: set[str] = field(default_factory=set)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    ingresses: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    config_maps: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, manifests: list[dict[str, Any]]) -> Cluster:
        cluster = cls()
        for manifest in manifests:
            kind, name = manifest["kind"], manifest["metadata"]["name"]
            if manifest["metadata"].get("namespace", NAMESPACE) != NAMESPACE:
                continue
            if kind in ("Deployment", "StatefulSet", "DaemonSet"):
                template = manifest["spec"]["template"]
                spec = template["spec"]
                if spec.get("hostNetwork"):
                    cluster.host_network.add(name)
                for c in spec["containers"]:
                    cluster.containers.append(
                        Container(
                            workload=name,
                            labels=template["metadata"].get("labels") or {},
                            name=c["name"],
                            image=c["image"],
                            command=[*c.get("command", []), *c.get("args", [])],
                            ports={
                                p.get("name", str(p["containerPort"])): p["containerPort"] for p in c.get("ports", [])
                            },
                            host_ports=[p["hostPort"] for p in c.get("ports", []) if p.get("hostPort")],
                            env=c.get("env", []),
                        )
                    )
            elif kind == "Service":
                cluster.services[name] = manifest
            elif kind == "Ingress":
                cluster.ingresses.append(manifest)
            elif kind == "NetworkPolicy":
                cluster.policies.append(manifest)
            elif kind == "ConfigMap":
                cluster.config_maps[name] = manifest.get("data") or {}
        return cluster

    def behind(self, service_name: str, port: int | str) -> list[tuple[Container | None, int, str]]:
        """(container, port) pairs a Service's port leads to; the container is None when none declares the port."""
        service = self.services.get(service_name)
        if service is None:
            return [(None, 0, f"Service {service_name} (missing)")]
        selector = service["spec"].get("selector") or {}
        found = []
        for spec_port in service["spec"]["ports"]:
            if port not in (spec_port["port"], spec_port.get("name")):
                continue
            target = spec_port.get("targetPort", spec_port["port"])
            workloads = {c.workload for c in self.containers if selector and selector.items() <= c.labels.items()}
            for workload in sorted(workloads):
                pod = [c for c in self.containers if c.workload == workload]
                match = [
                    (c, c.ports[target] if isinstance(target, str) else target)
                    for c in pod
                    if (target in c.ports if isinstance(target, str) else target in c.ports.values())
                ]
                found += [(c, p, f"Service {service_name}:{port}") for c, p in match] or [
                    (None, 0, f"Service {service_name}:{port} -> {workload}")
                ]
        return found

    def entrances(self) -> Iterator[tuple[str, Container | None, int]]:
        """Every (way in from outside, container, port) of the cluster."""
        for ingress in self.ingresses:
            backends = [ingress["spec"].get("defaultBackend")] + [
                path["backend"]
                for rule in ingress["spec"].get("rules", [])
                for path in (rule.get("http") or {}).get("paths", [])
            ]
            for backend in filter(None, backends):
                service = backend["service"]
                port = service["port"].get("number", service["port"].get("name"))
                for container, target, _ in self.behind(service["name"], port):
                    yield f"Ingress {ingress['metadata']['name']} -> Service {service['name']}", container, target
        for name, service in self.services.items():
            spec = service["spec"]
            if spec.get("type", "ClusterIP") in ("LoadBalancer", "NodePort") or spec.get("externalIPs"):
                for spec_port in spec["ports"]:
                    for container, target, _ in self.behind(name, spec_port["port"]):
                        yield f"{spec.get('type')} Service {name}", container, target
        for container in self.containers:
            for host_port in container.host_ports:
                yield f"hostPort {host_port} of {container}", container, host_port
            if container.workload in self.host_network:
                for port in container.ports.values():
                    yield f"host network of {container.workload}", container, port

    def options(self, container: Container) -> dict[str, list[str]]:
        """An oauth2-proxy's options from its arguments and OAUTH2_PROXY_* variables; a Secret's value reads SECRET."""
        found: dict[str, list[str]] = {}
        for arg in container.command:
            if arg.startswith("--"):
                key, _, value = arg[2:].partition("=")
                found.setdefault(key, []).append(value)
        for env in container.env:
            if not env["name"].startswith("OAUTH2_PROXY_"):
                continue
            key = env["name"][len("OAUTH2_PROXY_") :].lower().replace("_", "-")
            key = {"upstreams": "upstream", "email-domains": "email-domain"}.get(key, key)
            source = env.get("valueFrom", {})
            if "secretKeyRef" in source:
                value = "SECRET"
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                value = self.config_maps.get(ref["name"], {}).get(ref["key"], "")
            else:
                value = env.get("value", "")
            found.setdefault(key, []).append(value)
        return found

    def upstream(self, url: str) -> list[tuple[Container | None, int, str]]:
        """What an in-cluster URL (http://SERVICE[.NAMESPACE.svc[.cluster.local]]:PORT/) leads to."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        name, _, rest = host.partition(".")
        if rest not in ("", NAMESPACE, f"{NAMESPACE}.svc", f"{NAMESPACE}.svc.cluster.local"):
            return [(None, 0, f"{url} (outside the namespace)")]
        return self.behind(name, parts.port or 80)


def option(command: list[str], name: str) -> str | None:
    """The value of ``--name value`` or ``--name=value`` in a command line."""
    words = [w for part in command for w in (shlex.split(part) if " " in part else [part])]
    for i, word in enumerate(words):
        if word == name and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    return None


def webserver_port(container: Container) -> int | None:
    match = re.search(r"(?:-p|--port)\s+(\d+)", " ".join(container.command))
    return int(match.group(1)) if match else None


def login_violations(cluster: Cluster, login: Container, port: int, way: str) -> list[str]:
    """What is wrong with an entrance that is an oauth2-proxy: its sign-in, and where it sends people."""
    problems = []
    options = cluster.options(login)
    address = (options.get("http-address") or [""])[-1]
    if not address.endswith(f":{port}"):
        problems.append(f"{way}: {login} listens on {address or 'its default'}, not {port}")
    if options.get("provider") != ["github"]:
        problems.append(f"{way}: {login} signs people in with {options.get('provider')}, not GitHub")
    teams = ",".join(options.get("github-team", [])).strip(",")
    if not options.get("github-org", [""])[-1] or not teams:
        problems.append(f"{way}: {login} admits every GitHub account (no organisation or no team)")
    for key in SECRET_OPTIONS:
        if options.get(key) != ["SECRET"]:
            problems.append(f"{way}: {login} takes its {key} from elsewhere than a Secret")
    for key in options:
        if key.startswith(UNSIGNED_WAYS):
            problems.append(f"{way}: {login} lets requests through unsigned (--{key})")
    role_key = next(
        (env["valueFrom"]["configMapKeyRef"]["key"] for env in login.env if env["name"] == "OAUTH2_PROXY_GITHUB_TEAM"),
        None,
    )
    for url in options.get("upstream", []):
        for container, target, how in cluster.upstream(url):
            problems += upstream_violations(cluster, f"{way} -> {login} -> {how}", container, target, role_key)
    if not options.get("upstream"):
        problems.append(f"{way}: {login} has no upstream")
    return problems


def upstream_violations(
    cluster: Cluster, way: str, tagger: Container | None, port: int, role_key: str | None
) -> list[str]:
    """What is wrong with where a login proxy sends people: it must be a launch tagger in front of its webserver."""
    if tagger is None or not tagger.is_tagger:
        return [f"{way}: reaches {tagger or 'no known container'} directly, not through the launch tagger"]
    problems = []
    if option(tagger.command, "--port") != str(port):
        problems.append(f"{way}: the launch tagger listens on {option(tagger.command, '--port')}, not {port}")
    upstream = urlsplit(option(tagger.command, "--upstream") or "")
    pod = [c for c in cluster.containers if c.workload == tagger.workload and c.webserver]
    if upstream.hostname not in ("127.0.0.1", "localhost") or [webserver_port(c) for c in pod] != [upstream.port]:
        return [*problems, f"{way}: the launch tagger does not send on to its own pod's dagster-webserver"]
    kind = pod[0].webserver
    wanted = {"full": "operator-teams", "read-only": "viewer-teams"}[kind]
    if role_key != wanted:
        problems.append(f"{way}: the {kind} webserver is reached by a login admitting {role_key}, not {wanted}")
    return problems


def network_violations(cluster: Cluster) -> list[str]:
    """Who may connect to a webserver pod from inside the cluster, under the NetworkPolicies."""
    problems = []
    for workload in sorted({c.workload for c in cluster.containers if c.webserver}):
        pod = [c for c in cluster.containers if c.workload == workload]
        labels = pod[0].labels
        kind = next(c.webserver for c in pod if c.webserver)
        login_teams = {"full": "operator-teams", "read-only": "viewer-teams"}[kind]
        policies = [
            p
            for p in cluster.policies
            if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
            and (p["spec"]["podSelector"].get("matchLabels") or {}).items() <= labels.items()
        ]
        if not policies:
            problems.append(f"{workload}: no NetworkPolicy, so every pod in the cluster reaches the webserver")
            continue
        for rule in (rule for p in policies for rule in p["spec"].get("ingress", [])):
            ports = [p["port"] for p in rule.get("ports", [])] or ["every port"]
            sources = rule.get("from") or [{}]
            for source in sources:
                logins = [
                    c
                    for c in cluster.containers
                    if "podSelector" in source
                    and "namespaceSelector" not in source
                    and (source["podSelector"].get("matchLabels") or {}).items() <= c.labels.items()
                ]
                allowed = bool(logins) and all(
                    c.is_login and _teams_key(c) == login_teams for c in logins
                )  # pods of the right login proxy, and nothing else
                tagger_ports = {n for c in pod if c.is_tagger for n in c.ports} | {
                    p for c in pod if c.is_tagger for p in c.ports.values()
                }
                for port in ports:
                    if port not in tagger_ports:
                        problems.append(f"{workload}: a NetworkPolicy opens {port} (not the launch tagger's)")
                    elif not allowed:
                        problems.append(f"{workload}: a NetworkPolicy lets {source or 'anyone'} reach the tagger")
    return problems


def _teams_key(container: Container) -> str | None:
    return next(
        (
            env["valueFrom"]["configMapKeyRef"]["key"]
            for env in container.env
            if env["name"] == "OAUTH2_PROXY_GITHUB_TEAM" and "configMapKeyRef" in env.get("valueFrom", {})
        ),
        None,
    )


def is_internal_service(container: Container) -> bool:
    line = " ".join(container.command)
    return "achievement_pipeline.cli.metrics" in line or "achievement-metrics" in line or "export_server" in line


def violations(manifests: list[dict[str, Any]]) -> list[str]:
    """Every way the rules of this module are broken by these manifests; empty when none is."""
    cluster = Cluster.of(manifests)
    problems = []
    reached = set()
    for way, container, port in cluster.entrances():
        if container is not None and container.is_webhook_receiver:
            continue
        if container is None or not container.is_login:
            problems.append(f"{way}: reaches {container or 'an unknown container'} from outside without a login")
            continue
        problems += login_violations(cluster, container, port, way)
        for url in cluster.options(container).get("upstream", []):
            for tagger, _, _ in cluster.upstream(url):
                pod = [c for c in cluster.containers if tagger and c.workload == tagger.workload and c.webserver]
                reached |= {c.webserver for c in pod}
    for kind in ("full", "read-only"):
        if kind not in reached:
            problems.append(f"no login leads to the {kind} webserver")
    problems += network_violations(cluster)
    for name, service in cluster.services.items():
        containers = [
            c
            for c in cluster.containers
            if service["spec"].get("selector") and service["spec"]["selector"].items() <= c.labels.items()
        ]
        internal = any(is_internal_service(c) for c in containers) or re.search(r"metrics|export", name)
        if internal and service["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"Service {name} (metrics/exports) is {service['spec']['type']}, not ClusterIP")
    return problems


def project_manifests() -> list[dict[str, Any]]:
    """deploy/k8s as `kubectl apply -f deploy/k8s/` applies it (the Secret templates are not applied)."""
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in load(path)]


@pytest.fixture(scope="module")
def deployment() -> list[dict[str, Any]]:
    return render(*AS_A_CLUSTER) + project_manifests()


def test_no_way_in_reaches_a_webserver_without_a_login_and_each_role_reaches_its_own(deployment):
    assert violations(deployment) == []


def test_the_ways_in_are_the_two_logins_and_the_webservers_are_two(deployment):
    cluster = Cluster.of(deployment)
    entrances = {(str(c), port) for _, c, port in cluster.entrances()}
    assert entrances == {
        ("achievement-login-operators/oauth2-proxy", 4180),
        ("achievement-login-viewers/oauth2-proxy", 4180),
    }
    kinds = sorted((c.workload, c.webserver) for c in cluster.containers if c.webserver)
    assert kinds == [
        ("achievements-dagster-webserver", "full"),
        ("achievements-dagster-webserver-read-only", "read-only"),
    ]


def test_each_webserver_pod_runs_the_launch_tagger_from_the_project_image(deployment):
    import yaml

    from tests.test_deploy_tools import ROOT

    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yaml").read_text())
    (code,) = values["dagster-user-deployments"]["deployments"]
    image = f"{code['image']['repository']}:{code['image']['tag']}"
    cluster = Cluster.of(deployment)
    for workload in {c.workload for c in cluster.containers if c.webserver}:
        (tagger,) = [c for c in cluster.containers if c.workload == workload and c.is_tagger]
        assert tagger.image == image


def test_the_teams_of_each_role_come_from_the_login_config_map(deployment):
    cluster = Cluster.of(deployment)
    login = cluster.config_maps["achievement-login"]
    operators = {t.strip() for t in login["operator-teams"].split(",")}
    viewers = {t.strip() for t in login["viewer-teams"].split(",")}
    assert operators and viewers - operators, "the viewers need a team of their own, apart from the operators'"
    assert login["github-org"]


def test_the_login_hosts_agree_with_the_redirect_urls_and_the_certificate(deployment):
    cluster = Cluster.of(deployment)
    (ingress,) = cluster.ingresses
    tls_hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        service = cluster.services[path["backend"]["service"]["name"]]
        (login,) = [c for c in cluster.containers if service["spec"]["selector"].items() <= c.labels.items()]
        (redirect,) = cluster.options(login)["redirect-url"]
        assert redirect == f"https://{rule['host']}/oauth2/callback"
        assert rule["host"] in tls_hosts


def _broken(deployment: list[dict[str, Any]], kind: str, name: str, change) -> list[dict[str, Any]]:
    broken = copy.deepcopy(deployment)
    (target,) = [m for m in broken if m["kind"] == kind and m["metadata"]["name"] == name]
    change(target)
    return broken


def _login_args(manifest: dict[str, Any]) -> list[str]:
    return manifest["spec"]["template"]["spec"]["containers"][0]["args"]


def _replace_arg(prefix: str, new: str):
    def change(manifest: dict[str, Any]) -> None:
        args = _login_args(manifest)
        args[:] = [new if a.startswith(prefix) else a for a in args]

    return change


def _tagger(manifest: dict[str, Any]) -> dict[str, Any]:
    (tagger,) = [c for c in manifest["spec"]["template"]["spec"]["containers"] if c["name"] == "launch-tagger"]
    return tagger


BROKEN = {
    "operators login sends to the read-only webserver": (
        "Deployment", "achievement-login-operators",
        _replace_arg("--upstream=", "--upstream=http://achievement-ui-read-only.achievement.svc:8080/"),
        "the read-only webserver is reached by a login admitting operator-teams",
    ),
    "viewers login sends to the full webserver": (
        "Deployment", "achievement-login-viewers",
        _replace_arg("--upstream=", "--upstream=http://achievement-ui-full:8080/"),
        "the full webserver is reached by a login admitting viewer-teams",
    ),
    "a login sends straight to the webserver's Service": (
        "Deployment", "achievement-login-operators",
        _replace_arg("--upstream=", "--upstream=http://achievements-dagster-webserver.achievement.svc:80/"),
        "directly, not through the launch tagger",
    ),
    "a login lets some paths through unsigned": (
        "Deployment", "achievement-login-viewers",
        lambda m: _login_args(m).append("--skip-auth-regex=^/graphql"),
        "lets requests through unsigned (--skip-auth-regex)",
    ),
    "a login's client secret written in the manifest": (
        "Deployment", "achievement-login-operators",
        lambda m: _login_args(m).append("--client-secret=hunter2"),
        "takes its client-secret from elsewhere than a Secret",
    ),
    "a login admitting any GitHub account": (
        "ConfigMap", "achievement-login",
        lambda m: m["data"].update({"operator-teams": ""}),
        "admits every GitHub account",
    ),
    "the launch tagger's Service made a LoadBalancer, around the login": (
        "Service", "achievement-ui-full",
        lambda m: m["spec"].update({"type": "LoadBalancer"}),
        "LoadBalancer Service achievement-ui-full: reaches achievements-dagster-webserver/launch-tagger",
    ),
    "a host port on the launch tagger": (
        "Deployment", "achievements-dagster-webserver",
        lambda m: _tagger(m)["ports"][0].update({"hostPort": 8080}),
        "hostPort 8080 of achievements-dagster-webserver/launch-tagger",
    ),
    "the full webserver's NetworkPolicy gone": (
        "NetworkPolicy", "achievement-ui-full",
        lambda m: m["spec"].update({"podSelector": {"matchLabels": {"nothing": "here"}}}),
        "achievements-dagster-webserver: no NetworkPolicy",
    ),
    "a NetworkPolicy opening the webserver's own port": (
        "NetworkPolicy", "achievement-ui-read-only",
        lambda m: m["spec"]["ingress"][0]["ports"].append({"port": 80}),
        "a NetworkPolicy opens 80",
    ),
    "a NetworkPolicy admitting every pod of the namespace": (
        "NetworkPolicy", "achievement-ui-full",
        lambda m: m["spec"]["ingress"][0].update({"from": [{"podSelector": {}}]}),
        "lets {'podSelector': {}} reach the tagger",
    ),
    "the metrics exporter published on a NodePort": (
        "Service", "achievement-metrics",
        lambda m: m["spec"].update({"type": "NodePort"}),
        "Service achievement-metrics (metrics/exports) is NodePort",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_deployment_broken_on_purpose_is_caught(deployment, case):
    kind, name, change, expected = BROKEN[case]
    found = violations(_broken(deployment, kind, name, change))
    assert any(expected in problem for problem in found), found


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ["--set", "dagsterWebserver.service.type=LoadBalancer"],
            "LoadBalancer Service achievements-dagster-webserver",
        ),
        (["--set", "dagsterWebserver.service.type=NodePort"], "NodePort Service achievements-dagster-webserver"),
        (
            ["--set", "ingress.enabled=true", "--set", "ingress.dagsterWebserver.host=dagster.example.com"],
            "Ingress achievements-dagster-ingress -> Service achievements-dagster-webserver",
        ),
        (["--set", "dagsterWebserver.enableReadOnly=false"], "no login leads to the read-only webserver"),
    ],
    ids=["webserver-loadbalancer", "webserver-nodeport", "ingress-to-webserver", "no-read-only-webserver"],
)
def test_helm_values_that_open_the_webserver_are_caught(values, expected):
    found = violations(render(*AS_A_CLUSTER, *values) + project_manifests())
    assert any(expected in problem for problem in found), found


def test_routing_githubs_webhooks_from_the_ingress_is_the_one_other_way_in(deployment):
    if "achievement-webhooks" not in Cluster.of(deployment).services:
        pytest.skip("no webhook receiver in deploy/k8s")
    route = {"path": "/webhooks/github", "pathType": "Prefix"}
    route["backend"] = {"service": {"name": "achievement-webhooks", "port": {"name": "webhooks"}}}

    def add_route(ingress: dict[str, Any]) -> None:
        ingress["spec"]["rules"][0]["http"]["paths"].insert(0, route)

    assert violations(_broken(deployment, "Ingress", "achievement-login", add_route)) == []
