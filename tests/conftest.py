"""Shared fixtures: an isolated home per test, the fake GitHub, and the real PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")

PIPELINE_VARIABLES = (
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "ACHIEVEMENT_GITHUB_USER",
    "ACHIEVEMENT_GITHUB_REPOS",
    "ACHIEVEMENT_GITHUB_ORGS",
    "ACHIEVEMENT_GITHUB_MAX_WAIT",
    "GITHUB_APP_ID",
    "GITHUB_APP_INSTALLATION_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "ACHIEVEMENT_LLM_MODEL",
    "ACHIEVEMENT_LLM_PROVIDERS",
    "ACHIEVEMENT_LLM_STRONG_PROVIDERS",
    "ACHIEVEMENT_LLM_API_KEY",
    "ACHIEVEMENT_LLM_API_BASE",
    "ACHIEVEMENT_LLM_BUDGET_USD",
    "ACHIEVEMENT_LLM_TIMEOUT_SECONDS",
    "ACHIEVEMENT_LLM_NUM_RETRIES",
    "ACHIEVEMENT_LLM_COOLDOWN_SECONDS",
    "ACHIEVEMENT_LLM_BREAKER_FAILURES",
    "ACHIEVEMENT_LLM_CONCURRENCY",
    "ACHIEVEMENT_LLM_RPM",
    "ACHIEVEMENT_LLM_CACHE_TTL",
    "ACHIEVEMENT_REDIS_URL",
    "ACHIEVEMENT_WAREHOUSE_URL",
    "ACHIEVEMENT_S3_BUCKET",
    "ACHIEVEMENT_S3_ENDPOINT_URL",
    "ACHIEVEMENT_EXPORT_DIR",
    "ACHIEVEMENT_ASSUMPTIONS",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
    "DAGSTER_PG_URL",
)


@pytest.fixture
def pipeline_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean ACHIEVEMENT_HOME and DAGSTER_HOME, with every production switch unset."""
    for name in PIPELINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("ACHIEVEMENT_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    (home / "dagster").mkdir(parents=True)
    return home


@pytest.fixture(scope="session")
def fake_github() -> Iterator[object]:
    """The fake GitHub on a loopback port, with the default demo history."""
    from achievement_pipeline.fakes.github.history import generate_history
    from achievement_pipeline.fakes.github.server import FakeGitHub

    server = FakeGitHub(generate_history(seed=42))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def team_history() -> object:
    """The fake history of two teammates, octo-demo and ada-dev (immutable: changes make a new one)."""
    from achievement_pipeline.fakes.github.history import generate_history

    return generate_history(users=("octo-demo", "ada-dev"))


@pytest.fixture
def team_github(team_history: object) -> Iterator[object]:
    """The fake GitHub serving ``team_history``, a server of the test's own: tests merge and label PRs in it."""
    from achievement_pipeline.fakes.github.server import FakeGitHub

    with FakeGitHub(team_history) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture
def webhooks(team_github: object, tmp_path: Path) -> Iterator[object]:
    """achievement-webhooks' receiver on a loopback port, storing into a SQLite warehouse of the test's own."""
    from tests.webhook_support import receiver, sqlite_url

    with receiver(team_github, sqlite_url(tmp_path)) as running:  # type: ignore[arg-type]
        yield running


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip locally when a service is down; on CI (CI=true) a missing service is a failure."""
    if _reachable(port):
        return
    message = f"{name} is not listening on 127.0.0.1:{port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; .ci/run should have started it", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def new_postgres_database(prefix: str = "achievement_test") -> Iterator[str]:
    """A new, empty database on the local PostgreSQL server, as a SQLAlchemy URL; dropped afterwards."""
    require_service("PostgreSQL", 5432)
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server (``user@host:port/name``); dropped afterwards."""
    with new_postgres_database() as url:
        yield url.removeprefix("postgresql+psycopg2://")


@pytest.fixture(scope="module")
def redis_namespace() -> Iterator[str]:
    """A key prefix of our own on the local Redis, deleted afterwards."""
    require_service("Redis", 6379)
    import redis

    namespace = f"achievement-test-{uuid.uuid4().hex[:10]}"
    yield namespace
    client = redis.Redis(host="127.0.0.1", port=6379)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """An S3 endpoint (moto, real HTTP) for the module's tests."""
    from tests.local_processes import moto_s3

    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials moto accepts, so boto3 signs its requests without any real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
