"""Every environment variable the pipeline reads, in one place: the embedded defaults and what switches them.

With nothing set, the whole pipeline runs on one laptop with no network; each production
part is switched on by the variables below (the README's configuration table lists the
same names, and a test keeps the two in step). Nothing outside this module reads the
environment. Secrets are read here only to say *whether* they are set: their values reach
Dagster as ``EnvVar`` names (``defs/resources.py``) or are read by the library that uses
them (litellm reads the providers' keys, boto3 the AWS credentials).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Variable:
    """One environment variable: its embedded default (as text), its kind, and whether its value is a secret."""

    default: str = ""
    secret: bool = False
    read_by: str = "pipeline"  # or the library that reads it, when the pipeline only documents it
    kind: str = "text"  # text | number | date: what ``validate`` checks
    minimum: float = 0.0  # for numbers


def _number(default: str, minimum: float = 0.0) -> Variable:
    return Variable(default, kind="number", minimum=minimum)


def _vars(spaced: str, **kwargs: object) -> dict[str, Variable]:
    return {name: Variable(**kwargs) for name in spaced.split()}  # type: ignore[arg-type]


VARIABLES: dict[str, Variable] = {
    # files and partitions
    "ACHIEVEMENT_HOME": Variable(".achievement"),
    "ACHIEVEMENT_START_DATE": Variable("2025-01-01", kind="date"),
    # GitHub
    "GITHUB_TOKEN": Variable(secret=True),
    "GITHUB_API_URL": Variable(),
    **_vars("ACHIEVEMENT_GITHUB_USER ACHIEVEMENT_GITHUB_ORGS ACHIEVEMENT_GITHUB_REPOS"),
    **_vars("GITHUB_APP_ID GITHUB_APP_INSTALLATION_ID"),
    "GITHUB_APP_PRIVATE_KEY": Variable(secret=True),
    "ACHIEVEMENT_GITHUB_MAX_WAIT": _number("900"),
    "ACHIEVEMENT_GITHUB_POLL_SECONDS": _number("300"),
    "ACHIEVEMENT_GITHUB_REQUEST_SPACING": _number("0.25"),
    "ACHIEVEMENT_GITHUB_TOKEN_NAME": Variable("default"),
    "ACHIEVEMENT_DEMO_SEED": _number("42"),
    # the webhook receiver (achievement-webhooks) and the sensor that reads what it stored
    "ACHIEVEMENT_GITHUB_WEBHOOK_SECRET": Variable(secret=True),
    "ACHIEVEMENT_WEBHOOK_PORT": _number("8790"),
    "ACHIEVEMENT_WEBHOOK_ADDRESS": Variable("127.0.0.1"),  # loopback unless a deployment opens it
    "ACHIEVEMENT_WEBHOOK_MAX_BYTES": _number("5242880", minimum=1024.0),  # larger bodies are refused unread
    "ACHIEVEMENT_WEBHOOK_SENSOR_SECONDS": _number("30", minimum=1.0),
    # Dagster instance (read by Dagster and deploy/dagster.yaml)
    "DAGSTER_HOME": Variable(".achievement/dagster"),
    "DAGSTER_PG_URL": Variable(secret=True, read_by="deploy/dagster.yaml"),
    "ACHIEVEMENT_EXECUTOR": Variable("in_process"),  # in_process | multiprocess | forkserver (defs/executor.py)
    # Events of a range run written in batches (read by Dagster on every event; see ``dagster_switches``).
    "DAGSTER_EVENT_BATCH_SIZE": Variable("1000", read_by="dagster", kind="number"),
    # warehouse and cache
    "ACHIEVEMENT_WAREHOUSE_URL": Variable(secret=True),
    "ACHIEVEMENT_REDIS_URL": Variable(secret=True),
    "ACHIEVEMENT_CACHE_NAMESPACE": Variable("achievement-pipeline"),
    # models
    **_vars("MLFLOW_TRACKING_URI MLFLOW_REGISTRY_URI"),
    "MLFLOW_S3_ENDPOINT_URL": Variable(read_by="mlflow"),
    # object store
    "ACHIEVEMENT_S3_BUCKET": Variable(),
    "ACHIEVEMENT_S3_PREFIX": Variable("portfolio"),
    "ACHIEVEMENT_S3_ENDPOINT_URL": Variable(),
    "AWS_REGION": Variable(),
    **_vars("AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY", secret=True, read_by="boto3"),
    "ACHIEVEMENT_EXPORT_DIR": Variable(),
    "ACHIEVEMENT_EXPORT_BASE_URL": Variable(),
    # storage tiers (core/archive.py): months older than this many whole months go to Parquet; 0 or unset: never
    "ACHIEVEMENT_ARCHIVE_AFTER_MONTHS": _number("0"),
    "ACHIEVEMENT_ARCHIVE_PREFIX": Variable("warehouse-archive"),  # key prefix of the archive in ACHIEVEMENT_S3_BUCKET
    # LLM providers
    **_vars("ACHIEVEMENT_LLM_PROVIDERS ACHIEVEMENT_LLM_STRONG_PROVIDERS ACHIEVEMENT_LLM_MODEL"),
    **_vars("OPENAI_API_KEY ANTHROPIC_API_KEY COHERE_API_KEY", secret=True, read_by="litellm"),
    "OLLAMA_API_BASE": Variable(read_by="litellm"),
    "ACHIEVEMENT_LLM_API_BASE": Variable(),
    "ACHIEVEMENT_LLM_API_KEY": Variable(secret=True),
    "ACHIEVEMENT_LLM_BUDGET_USD": _number("1.0"),
    "ACHIEVEMENT_LLM_TIMEOUT_SECONDS": _number("30", minimum=1.0),
    "ACHIEVEMENT_LLM_NUM_RETRIES": _number("2"),
    "ACHIEVEMENT_LLM_COOLDOWN_SECONDS": _number("60"),
    "ACHIEVEMENT_LLM_BREAKER_FAILURES": _number("3", minimum=1.0),
    "ACHIEVEMENT_LLM_CONCURRENCY": _number("12", minimum=1.0),  # PRs asked for at once
    "ACHIEVEMENT_LLM_RPM": _number("0"),  # requests per minute to the providers; empty or 0: no limit
    "ACHIEVEMENT_LLM_CACHE_TTL": _number("0"),  # seconds an LLM answer is cached; empty or 0: until deleted
    # value
    "ACHIEVEMENT_ASSUMPTIONS": Variable(),
    # the metrics exporter
    "ACHIEVEMENT_METRICS_PORT": _number("9464"),
    "ACHIEVEMENT_METRICS_ADDRESS": Variable("127.0.0.1"),  # loopback unless a deployment opens it
    "ACHIEVEMENT_METRICS_SOURCES": Variable(),  # empty: every source (monitoring.exporter.SOURCES)
    "ACHIEVEMENT_METRICS_MODELS_TTL": _number("300"),
    # the read API (achievement-api, achievement-mcp; serve/)
    "ACHIEVEMENT_API_TOKENS": Variable(secret=True),  # JSON: each token -> a login or {"team", "members"}
    "ACHIEVEMENT_API_TOKEN": Variable(secret=True),  # the caller's own token, for achievement-mcp over stdio
    "ACHIEVEMENT_API_ADDRESS": Variable("127.0.0.1"),  # loopback unless a deployment opens it
    "ACHIEVEMENT_API_PORT": _number("8700"),
    "ACHIEVEMENT_MCP_PORT": _number("8701"),  # achievement-mcp --transport streamable-http
    # libraries kept offline and quiet unless the operator says otherwise (see ``offline_default``)
    "LITELLM_LOCAL_MODEL_COST_MAP": Variable("True", read_by="litellm"),
    "MLFLOW_DISABLE_TELEMETRY": Variable("true", read_by="mlflow"),
    "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": Variable("true", read_by="mlflow"),
    "GX_ANALYTICS_ENABLED": Variable("false", read_by="great_expectations"),
}


class SettingError(ValueError):
    """A setting that cannot work: the message names the variable and what to do."""


class ServiceUnavailable(ConnectionError):
    """A configured service (warehouse, Redis, MLflow, S3) that does not answer: the message names its variable.

    Unlike a :class:`SettingError` it may pass by itself (a restart, a network cut), so a run retries it
    before failing; a command-line tool reports it in one line and stops.
    """


def _variable(name: str) -> Variable:
    try:
        return VARIABLES[name]
    except KeyError:
        raise KeyError(f"{name} is not a setting of this pipeline: declare it in core/settings.py") from None


def is_set(name: str) -> bool:
    """True when the variable has a non-empty value (the embedded default is then switched off)."""
    _variable(name)
    return bool(os.environ.get(name))


def text(name: str) -> str:
    """The variable's value, or its embedded default when unset (set but empty stays empty)."""
    return os.environ.get(name, _variable(name).default)


def names(name: str) -> list[str]:
    """A comma-separated variable as a list without blanks (logins, repositories, model names)."""
    return [item.strip() for item in text(name).split(",") if item.strip()]


def number(name: str) -> float:
    """A numeric variable (unset or blank: its default), refused with its name when malformed or too small."""
    variable = _variable(name)
    raw = text(name).strip() or variable.default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a number: use e.g. {variable.default}, or unset it") from None
    if value < variable.minimum:
        raise SettingError(f"{name}={raw!r} must be at least {variable.minimum:g}")
    return value


def validate() -> None:
    """Refuse a malformed number or date now, with a message naming the variable, before anything loads."""
    for name, variable in VARIABLES.items():
        if variable.kind == "number":
            number(name)
        elif variable.kind == "date":
            day(name)


def day(name: str) -> str:
    """A date variable as YYYY-MM-DD text, refused with its name when it is not a date."""
    raw = text(name)
    try:
        date.fromisoformat(raw)
    except ValueError as exc:
        example = _variable(name).default
        raise SettingError(f"{name}={raw!r} is not a date: use YYYY-MM-DD, for example {example}") from exc
    return raw


def home() -> Path:
    """The folder for every embedded default (SQLite warehouse, cache, MLflow store, exports)."""
    return Path(text("ACHIEVEMENT_HOME")).expanduser().resolve()


def start_date() -> str:
    """First day of the daily partitions (ACHIEVEMENT_START_DATE, YYYY-MM-DD)."""
    return day("ACHIEVEMENT_START_DATE")


def dagster_home() -> Path:
    """DAGSTER_HOME, set to the embedded instance folder when unset (the demo and the UI share it)."""
    os.environ.setdefault("DAGSTER_HOME", str(Path(_variable("DAGSTER_HOME").default).resolve()))
    return Path(os.environ["DAGSTER_HOME"])


# The local export server `make ui` runs beside the Dagster UI, so the UI's export links open.
EXPORT_SERVER_HOST = "127.0.0.1"
EXPORT_SERVER_PORT = 3001


def export_server_url(host: str = EXPORT_SERVER_HOST, port: int = EXPORT_SERVER_PORT) -> str:
    return f"http://{host}:{port}"


def child_environment(defaults: Mapping[str, str]) -> dict[str, str]:
    """This process's environment for a child process, with ``defaults`` where a variable is unset."""
    for name in defaults:
        _variable(name)
    return {**defaults, **os.environ}


# Dagster's own switches the pipeline sets unless the operator does, in every process that creates or
# executes runs: a range run of a daily-partitioned asset records an event per partition (planned when
# the run is created, materialized when the step ends), and with a batch size Dagster hands them to
# the event log storage together instead of one commit each (bench/history_growth.py measures it).
DAGSTER_SWITCHES = ("DAGSTER_EVENT_BATCH_SIZE",)


def dagster_switches() -> dict[str, str]:
    """Each of :data:`DAGSTER_SWITCHES` with its value: the operator's if set, else the embedded default.

    Also sets them in this process (Dagster reads them from its environment on every event), so a run
    this process creates or executes uses them, as do the processes it starts.
    """
    for name in DAGSTER_SWITCHES:
        if not number(name).is_integer():  # Dagster reads it with int(): refuse "2.5" here, with its name
            raise SettingError(f"{name}={text(name)!r} must be a whole number, e.g. {_variable(name).default}")
        if not os.environ.get(name, "").strip():  # unset or blank: Dagster's int("") would fail on every event
            os.environ[name] = _variable(name).default
    return {name: os.environ[name] for name in DAGSTER_SWITCHES}


def offline_default(name: str) -> None:
    """Give a library switch its offline value (litellm's bundled price map, no telemetry) unless it is set.

    Libraries read these at import or on use, so callers set them just before importing the library.
    """
    variable = _variable(name)
    if variable.read_by == "pipeline":
        raise KeyError(f"{name} is read by the pipeline, not a library switch")
    os.environ.setdefault(name, variable.default)


@contextlib.contextmanager
def library_switch(name: str) -> Iterator[None]:
    """A library switch at its offline value for one block, unless the operator set it (then theirs holds)."""
    previous = os.environ.get(name)
    if previous is not None:
        yield
        return
    os.environ[name] = _variable(name).default
    try:
        yield
    finally:
        os.environ.pop(name, None)


@contextlib.contextmanager
def restored(*variable_names: str) -> Iterator[None]:
    """Put the variables back as they were after a block in which a library may write them (MLflow does)."""
    for name in variable_names:
        _variable(name)
    before = {name: os.environ.get(name) for name in variable_names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
