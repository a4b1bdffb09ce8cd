"""The models source: champions and their holdout metrics from a real MLflow registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from achievement_pipeline.monitoring import model_registry as models_source
from achievement_pipeline.monitoring.exporter import build_registry
from achievement_pipeline.monitoring.model_registry import Champion, ModelsSource, Registry


def scrape(source: ModelsSource) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(build_registry([source])).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture(scope="module")
def registry_uri(tmp_path_factory) -> str:
    """An MLflow store with pr-category (champion v2, macro-F1 0.71) and pr-sentiment (no champion)."""
    from achievement_pipeline.ml.mlflow_env import mlflow_session

    folder: Path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with mlflow_session(uri, None) as mlflow:
        client = mlflow.MlflowClient()
        experiment = client.create_experiment("metrics-test", artifact_location=(folder / "artifacts").as_uri())
        client.create_registered_model("pr-category")
        client.create_registered_model("pr-sentiment")
        for f1 in (0.64, 0.71):
            run = client.create_run(experiment)
            client.log_metric(run.info.run_id, "holdout_macro_f1", f1)
            client.log_metric(run.info.run_id, "n_train", 120)
            version = client.create_model_version("pr-category", f"{run.info.artifact_uri}/model", run.info.run_id)
        client.set_registered_model_alias("pr-category", "champion", version.version)
    return uri


def test_the_champion_version_and_its_holdout_metrics_are_exported(registry_uri):
    got = scrape(ModelsSource(registry_uri, None))
    assert got[("achievement_model_has_champion", (("model", "pr-category"),))] == 1
    assert got[("achievement_model_champion_version", (("model", "pr-category"),))] == 2
    assert (
        got[("achievement_model_champion_metric", (("metric", "holdout_macro_f1"), ("model", "pr-category")))] == 0.71
    )
    assert got[("achievement_model_champion_updated_timestamp_seconds", (("model", "pr-category"),))] > 1.7e9


def test_every_version_reports_the_holdout_scores_of_its_training_run(registry_uri):
    got = scrape(ModelsSource(registry_uri, None))
    metric = "achievement_model_version_metric"
    for version, f1 in (("1", 0.64), ("2", 0.71)):
        labels = (("metric", "holdout_macro_f1"), ("model", "pr-category"), ("version", version))
        assert got[(metric, labels)] == f1


def test_only_the_newest_versions_of_a_model_are_read(registry_uri):
    from achievement_pipeline.monitoring.model_registry import read_registry

    versions = read_registry(registry_uri, None, max_versions=1).versions
    assert [(v.model, v.version) for v in versions] == [("pr-category", 2)]


def test_a_registered_model_without_a_champion_reads_zero(registry_uri):
    got = scrape(ModelsSource(registry_uri, None))
    assert got[("achievement_model_has_champion", (("model", "pr-sentiment"),))] == 0
    assert ("achievement_model_champion_version", (("model", "pr-sentiment"),)) not in got


def test_the_registry_is_read_at_most_once_per_ttl(monkeypatch):
    reads: list[str] = []

    def fake_read(tracking_uri: str, registry_uri: str | None) -> Registry:
        reads.append(tracking_uri)
        return Registry([Champion("pr-review-sentiment", 3, None, {"holdout_macro_f1": 0.6})])

    monkeypatch.setattr(models_source, "read_registry", fake_read)
    clock = iter([100.0, 150.0, 401.0])
    monkeypatch.setattr(models_source.time, "monotonic", lambda: next(clock))
    source = ModelsSource("http://mlflow.invalid", None, ttl_seconds=300)
    for _ in range(3):
        source.collect()
    assert len(reads) == 2
