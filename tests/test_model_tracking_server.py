"""Production model storage: an MLflow tracking server by URI, the model artifacts in S3.

A real ``mlflow server`` (its own process, SQLite backend) with ``--default-artifact-root s3://…``
and moto's S3 on a loopback port: the pipeline's client logs, registers and loads the three
models through the server and writes the artifacts to the bucket with boto3, configured only by
``MLFLOW_S3_ENDPOINT_URL`` and AWS credentials, as in production. Nothing may land in the local
home or the working directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from achievement_pipeline.ml import MODEL_NAMES, load_champions, train_models
from achievement_pipeline.resources.mlflow import MlflowResource
from tests.local_processes import free_port
from tests.model_frames import TRAINABLE_ROWS, make_frame

BUCKET = "models"
_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"mlflow server not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    import boto3

    from tests.local_processes import moto_s3

    with moto_s3() as endpoint:
        boto3.client("s3", endpoint_url=endpoint, **_boto_kwargs()).create_bucket(Bucket=BUCKET)
        yield endpoint


def _boto_kwargs() -> dict[str, str]:
    return {
        "aws_access_key_id": _AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": _AWS["AWS_SECRET_ACCESS_KEY"],
        "region_name": _AWS["AWS_DEFAULT_REGION"],
    }


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    env = {
        **os.environ,
        **_AWS,
        "MLFLOW_S3_ENDPOINT_URL": s3_endpoint,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'server.db'}",
        "--default-artifact-root",
        f"s3://{BUCKET}/mlflow",
        "--no-serve-artifacts",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def trained_on_server(tracking_server: str, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("cwd")
    with pytest.MonkeyPatch.context() as env:
        for name, value in {**_AWS, "MLFLOW_S3_ENDPOINT_URL": s3_endpoint, "ACHIEVEMENT_HOME": str(home)}.items():
            env.setenv(name, value)
        env.chdir(work)
        resource = MlflowResource(tracking_uri=tracking_server)
        result = train_models(
            make_frame(TRAINABLE_ROWS),
            tracking_uri=resource.resolved_tracking_uri(),
            registry_uri=resource.resolved_registry_uri(),
            artifact_location=resource.artifact_location(),
        )
        predictions = load_champions(resource.resolved_tracking_uri()).predict(make_frame(10, seed=4))
        yield result, predictions, home, work


def test_models_are_registered_on_the_tracking_server_with_a_champion(trained_on_server, tracking_server):
    from mlflow import MlflowClient

    result, _, _, _ = trained_on_server
    client = MlflowClient(tracking_uri=tracking_server, registry_uri=tracking_server)
    for name in MODEL_NAMES:
        champion = client.get_model_version_by_alias(name, "champion")
        assert str(champion.version) == result[name].version == "1"
        assert "holdout_macro_f1" in client.get_run(champion.run_id).data.metrics


def test_model_artifacts_are_written_to_s3(trained_on_server, s3_endpoint):
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, **_boto_kwargs())
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="mlflow/").get("Contents", [])]
    assert sum(key.endswith("/MLmodel") for key in keys) >= len(MODEL_NAMES), keys


def test_champions_load_from_s3_and_predict_with_their_versions(trained_on_server):
    _, predictions, _, _ = trained_on_server
    assert set(predictions["model_version"]) == {"pr-category:1,impact-scorecard-v1,pr-review-sentiment:1"}


def test_nothing_is_stored_locally_when_a_server_is_configured(trained_on_server):
    _, _, home, work = trained_on_server
    assert not (home / "mlflow.db").exists() and not (home / "mlartifacts").exists()
    assert sorted(p.name for p in work.iterdir()) == []
