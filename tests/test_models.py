"""Behaviour of the category/impact/review-sentiment models: weak labels, training, promotion, serving.

The frames (tests/model_frames.py) are synthetic but shaped like real model inputs: conventional-
commit types drive the weak labels, while the titles, bodies, labels, areas and paths carry the
vocabulary the models learn; review states and words do the same for review sentiment.
Each test that writes to MLflow gets its own SQLite store under ``tmp_path``; nothing touches
the network or the process's default MLflow store.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from achievement_pipeline import ml as models
from achievement_pipeline.core.records import CATEGORIES, IMPACT_TIERS
from achievement_pipeline.ml import (
    CATEGORY_MODEL,
    IMPACT_MODEL,
    MODEL_NAMES,
    PREDICTION_COLUMNS,
    SENTIMENT_MODEL,
    NoChampionModel,
    category_label,
    impact_label,
    load_champions,
    train_models,
)
from tests.model_frames import make_frame


def _uri(path: Path) -> str:
    return f"sqlite:///{path}/mlflow.db"


@dataclass(frozen=True)
class Trained:
    uri: str
    home: Path
    result: models.TrainingResult
    tracking_env_before: str | None
    tracking_env_after: str | None
    fluent_uri_after: str


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """One registry trained once on the realistic frame, shared by the read-only tests."""
    import mlflow

    home = tmp_path_factory.mktemp("mlflow-home")
    before = os.environ.get("MLFLOW_TRACKING_URI")
    result = train_models(make_frame(), tracking_uri=_uri(home), seed=0)
    return Trained(_uri(home), home, result, before, os.environ.get("MLFLOW_TRACKING_URI"), mlflow.get_tracking_uri())


def _noisy_frame(n: int, seed: int) -> pd.DataFrame:
    """Titles, bodies and review texts shuffled across rows: the text no longer matches the label."""
    noisy = make_frame(n, seed=seed)
    return noisy.assign(
        clean_title=noisy["clean_title"].sample(frac=1, random_state=0).values,
        body=noisy["body"].sample(frac=1, random_state=1).values,
        labels=[[] for _ in range(len(noisy))],
        areas=[[] for _ in range(len(noisy))],
        file_paths=[[] for _ in range(len(noisy))],
    )


@dataclass(frozen=True)
class Lifecycle:
    """One registry through a model's life: empty, a weak first champion, a better model, retrains."""

    uri: str
    empty_registry_error: Exception
    worse: models.TrainingResult  # v1: trained on shuffled text, its logged score then flattered to 1.0
    better: models.TrainingResult  # v2: the real vocabulary
    retrained: models.TrainingResult  # the same data as v2: nothing registered
    versions_before_retraining: dict[str, list[str]]
    versions_after_retraining: dict[str, list[str]]
    aliases_after_retraining: dict[str, str]
    after_artifacts_lost: models.TrainingResult  # v3: one row more, the champion's files deleted


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> Lifecycle:
    from mlflow import MlflowClient

    home = tmp_path_factory.mktemp("lifecycle")
    uri = _uri(home)
    with pytest.raises(NoChampionModel) as empty:
        load_champions(uri)
    worse = train_models(_noisy_frame(80, seed=3), tracking_uri=uri, min_rows=20)
    # As if v1 had been scored on a lucky holdout: a fair comparison must not believe it.
    MlflowClient(tracking_uri=uri).log_metric(worse[CATEGORY_MODEL].run_id, "holdout_macro_f1", 1.0)
    frame = make_frame(80, seed=3)
    better = train_models(frame, tracking_uri=uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def versions() -> dict[str, list[str]]:
        return {name: sorted(v.version for v in client.search_model_versions(f"name='{name}'")) for name in MODEL_NAMES}

    before = versions()
    retrained = train_models(frame, tracking_uri=uri)
    after = versions()
    aliases = {name: str(client.get_model_version_by_alias(name, "champion").version) for name in MODEL_NAMES}
    shutil.rmtree(home / "mlartifacts")
    # One PR more, with a review text none of the others has: new data for all three models.
    review = {"author": "zed", "state": "CHANGES_REQUESTED", "body": "Please split this migration in two"}
    extra = make_frame(1, seed=4).assign(reviews=[[review]])
    lost = train_models(pd.concat([frame, extra], ignore_index=True), tracking_uri=uri)
    return Lifecycle(uri, empty.value, worse, better, retrained, before, after, aliases, lost)


# ---------------------------------------------------------------------------- weak labels


@pytest.mark.parametrize(
    ("ctype", "labels", "title", "expected"),
    [
        ("feat", [], "add csv export", "feature"),
        ("fix", [], "correct pagination", "fix"),
        ("fix", ["security"], "correct pagination", "security"),
        ("fix", [], "escape html to prevent XSS in comments", "security"),
        ("fix", [], "retry webhook delivery on timeout", "reliability"),
        ("fix", [], "avoid crash when config is empty", "reliability"),
        ("chore", ["incident"], "restart the worker pool", "reliability"),
        ("perf", [], "cache module graph", "performance"),
        ("refactor", [], "extract loader", "refactor"),
        ("style", [], "format with prettier", "refactor"),
        ("docs", [], "document install", "docs"),
        ("test", [], "cover parser", "test"),
        ("build", [], "switch bundler", "build/ci"),
        ("ci", [], "cache pnpm store", "build/ci"),
        ("chore", [], "tidy", "chore"),
        ("deps", [], "bump vite", "chore"),
        ("", ["type: bug"], "Wrong footer year", "fix"),
        ("", ["enhancement"], "Dark mode", "feature"),
        ("", [], "Fix broken link in footer", "fix"),
        ("", [], "Bump lodash from 4.17.20 to 4.17.21", "chore"),
        ("revert", [], "revert add csv export", None),
        ("", [], "Update README", None),
    ],
)
def test_category_label_follows_documented_rules(
    ctype: str, labels: list[str], title: str, expected: str | None
) -> None:
    assert category_label(ctype, labels, title) == expected
    assert expected is None or expected in CATEGORIES


def test_impact_label_scores_size_evidence_and_category() -> None:
    small = {
        "lines_changed": 12,
        "claims": [],
        "linked_issue_count": 0,
        "review_count": 1,
        "review_comment_count": 0,
        "conventional_type": "fix",
        "labels": [],
        "clean_title": "typo",
    }
    assert impact_label(small) == "low"
    # Size alone (xl: +2) is medium, never high.
    assert impact_label({**small, "lines_changed": 5000}) == "medium"
    # A perf change (+2) with two measurable claims (+2) is high however small.
    perf = {**small, "conventional_type": "perf", "claims": ["p95 from 420 ms to 180 ms", "3x faster"]}
    assert impact_label(perf) == "high"
    # Linked issues (3+: +2) plus deep review (+1) plus a large diff (+1) is high.
    assert impact_label({**small, "linked_issue_count": 3, "review_count": 3, "lines_changed": 300}) == "high"
    assert {impact_label(small), impact_label(perf)} <= set(IMPACT_TIERS)


# ---------------------------------------------------------------------------- training


def test_training_registers_the_three_models_as_champion_with_metrics(trained: Trained) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=trained.uri, registry_uri=trained.uri)
    assert sorted(m.name for m in client.search_registered_models()) == sorted(MODEL_NAMES)
    for name in MODEL_NAMES:
        outcome = trained.result[name]
        assert outcome.version == "1" and outcome.promoted and outcome.previous_champion_version is None
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
        assert 0.0 <= outcome.metrics["holdout_accuracy"] <= 1.0
        assert client.get_run(outcome.run_id).data.metrics["holdout_macro_f1"] == pytest.approx(outcome.macro_f1)
    # The synthetic vocabulary is learnable: far better than chance over ten classes.
    assert trained.result[CATEGORY_MODEL].macro_f1 > 0.6
    assert trained.result[IMPACT_MODEL].macro_f1 > 0.4
    # Unseen review wordings (distinct texts only): well above chance over three classes.
    assert trained.result[SENTIMENT_MODEL].macro_f1 > 0.5


def test_each_run_logs_params_signature_and_the_fitted_pipeline(trained: Trained) -> None:
    from mlflow import MlflowClient
    from mlflow.models import get_model_info

    from achievement_pipeline.ml.mlflow_env import mlflow_session

    client = MlflowClient(tracking_uri=trained.uri, registry_uri=trained.uri)
    for name in MODEL_NAMES:
        outcome = trained.result[name]
        run = client.get_run(outcome.run_id)
        assert run.data.params["model_name"] == name and run.data.params["comparison_basis"] == "no champion"
        assert client.get_model_version(name, outcome.version).tags["promoted"] == "true"
        with mlflow_session(trained.uri, None):
            inputs = get_model_info(f"models:/{name}/{outcome.version}").signature.inputs.input_names()
        assert inputs == ["text"] if name == SENTIMENT_MODEL else {"clean_title", "body", "file_paths"} <= set(inputs)


def test_training_restores_the_global_mlflow_uris(trained: Trained) -> None:
    assert trained.tracking_env_after == trained.tracking_env_before
    assert not trained.fluent_uri_after.startswith(f"sqlite:///{trained.home}")
    assert (trained.home / "mlartifacts").is_dir()  # artifacts beside the db, not in the cwd


def test_predictions_carry_the_model_versions(trained: Trained) -> None:
    frame = make_frame(20, seed=99)
    predictions = load_champions(trained.uri).predict(frame)
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]
    assert len(predictions) == 20 and list(predictions.index) == list(frame.index)
    assert set(predictions["model_version"]) == {"pr-category:1,pr-impact:1,pr-review-sentiment:1"}
    assert set(predictions["category_model_version"]) == set(predictions["sentiment_model_version"]) == {"1"}
    assert set(predictions["model_name"]) == {"pr-category"}
    assert set(predictions["category"]) <= set(CATEGORIES)
    assert set(predictions["impact"]) <= set(IMPACT_TIERS)
    assert predictions["category_confidence"].between(0, 1).all()
    assert predictions["sentiment_score"].between(-1, 1).all()


def test_review_sentiment_summarises_the_human_review_texts(trained: Trained) -> None:
    row = make_frame(1, seed=1).iloc[0].to_dict()
    frame = pd.DataFrame(
        [
            {**row, "pr_id": "acme/widget#1", "reviews": [], "review_comments": []},
            {
                **row,
                "pr_id": "acme/widget#2",
                "reviews": [{"author": "a", "state": "CHANGES_REQUESTED", "body": "This breaks the cache layer"}],
                "review_comments": [
                    {"author": "a", "body": "This is wrong in the retry loop"},
                    {"author": "ci[bot]", "body": "Thanks! LGTM"},
                ],
            },
        ]
    )
    none, negative = load_champions(trained.uri).predict(frame).to_dict("records")
    assert (none["review_sentiment"], none["review_text_count"], none["sentiment_confidence"]) == ("none", 0, 0.0)
    assert negative["review_sentiment"] == "negative" and negative["review_text_count"] == 2  # the bot is not counted
    assert negative["negative_review_share"] == 1.0 and negative["sentiment_score"] < 0


def test_empty_frame_predicts_an_empty_frame_with_the_columns(trained: Trained) -> None:
    predictions = load_champions(trained.uri).predict(make_frame(5).iloc[0:0])
    assert predictions.empty
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]


def test_conventional_type_is_not_a_feature(trained: Trained) -> None:
    champions = load_champions(trained.uri)
    frame = make_frame(40, seed=5)
    types = frame["conventional_type"].sample(frac=1, random_state=1).to_numpy()
    shuffled = frame.assign(conventional_type=types)
    without = frame.drop(columns=["conventional_type"])
    expected = champions.predict(frame)
    pd.testing.assert_frame_equal(champions.predict(shuffled), expected)
    pd.testing.assert_frame_equal(champions.predict(without), expected)


# ---------------------------------------------------------------------------- promotion


def test_load_champions_with_an_empty_registry_raises_no_champion(lifecycle: Lifecycle) -> None:
    assert isinstance(lifecycle.empty_registry_error, NoChampionModel)
    assert re.search(
        r"no champion for pr-category in MLflow at sqlite:///.*pr_models", str(lifecycle.empty_registry_error)
    )


def test_the_champion_is_compared_on_the_new_holdout_not_by_its_logged_score(lifecycle: Lifecycle) -> None:
    outcome = lifecycle.better[CATEGORY_MODEL]
    assert outcome.comparison_basis == "same holdout"
    assert outcome.previous_champion_macro_f1 < 1.0  # re-scored, not the flattering logged 1.0
    assert outcome.metrics["champion_holdout_macro_f1"] == outcome.previous_champion_macro_f1


def test_a_better_model_takes_the_champion_alias(lifecycle: Lifecycle) -> None:
    outcome = lifecycle.better[CATEGORY_MODEL]
    assert outcome.promoted and outcome.margin > 0
    assert outcome.previous_champion_version == "1" and outcome.champion_version == "2"


def test_retraining_on_unchanged_data_registers_no_new_version(lifecycle: Lifecycle) -> None:
    assert lifecycle.versions_after_retraining == lifecycle.versions_before_retraining
    for name in MODEL_NAMES:
        first, second = lifecycle.better[name], lifecycle.retrained[name]
        assert second.unchanged and not second.promoted
        # The run names the existing version it would have reproduced, and the champion stays.
        assert second.version == first.version and second.champion_version == first.champion_version
        assert lifecycle.aliases_after_retraining[name] == first.champion_version


def test_an_unchanged_model_reports_the_champion_it_kept_and_its_score(lifecycle: Lifecycle) -> None:
    outcome = lifecycle.retrained[CATEGORY_MODEL]
    assert outcome.comparison_basis == "unchanged" and outcome.margin == 0.0
    assert outcome.macro_f1 == pytest.approx(lifecycle.better[CATEGORY_MODEL].macro_f1)
    assert f"champion v{outcome.version} was trained on the same rows and code" in outcome.comparison_note


def test_each_version_carries_the_fingerprint_of_its_training_data(lifecycle: Lifecycle) -> None:
    from mlflow import MlflowClient

    from achievement_pipeline.ml.training import FINGERPRINT_TAG

    client = MlflowClient(tracking_uri=lifecycle.uri, registry_uri=lifecycle.uri)
    better, changed = lifecycle.better[IMPACT_MODEL], lifecycle.after_artifacts_lost[IMPACT_MODEL]
    tag = client.get_model_version(IMPACT_MODEL, better.version).tags[FINGERPRINT_TAG]
    assert re.fullmatch(r"[0-9a-f]{64}", tag)
    assert client.get_run(better.run_id).data.params[FINGERPRINT_TAG] == tag
    # One more row is different data: a new version, with a different fingerprint.
    assert not changed.unchanged and changed.version != better.version
    assert client.get_model_version(IMPACT_MODEL, changed.version).tags[FINGERPRINT_TAG] != tag


def test_a_champion_that_cannot_be_scored_falls_back_to_its_logged_score(lifecycle: Lifecycle) -> None:
    for name in MODEL_NAMES:
        champion, outcome = lifecycle.retrained[name].champion_version, lifecycle.after_artifacts_lost[name]
        assert outcome.comparison_basis == "logged metric" and "could not be scored" in outcome.comparison_note
        assert outcome.previous_champion_version == champion
    # The category champion is v2: the comparison falls back to exactly what v2 logged.
    category = lifecycle.after_artifacts_lost[CATEGORY_MODEL]
    assert category.previous_champion_macro_f1 == pytest.approx(lifecycle.better[CATEGORY_MODEL].macro_f1)


# ---------------------------------------------------------------------------- not enough data


def test_a_model_with_too_few_rows_is_skipped_with_the_counts_and_what_to_do(tmp_path: Path) -> None:
    result = train_models(make_frame(12), tracking_uri=_uri(tmp_path), min_rows=20, min_sentiment_texts=1000)
    reason = result.skipped[CATEGORY_MODEL]
    assert re.search(r"cannot train pr-category: found 12 labelled rows .*at least 20", reason)
    assert "materialize more ingest/enrich partitions first" in reason


def test_when_no_model_can_train_nothing_touches_mlflow(tmp_path: Path) -> None:
    result = train_models(make_frame(12), tracking_uri=_uri(tmp_path), min_rows=20, min_sentiment_texts=1000)
    assert set(result.skipped) == set(MODEL_NAMES) and result.models == {} and result.experiment_id is None
    assert not (tmp_path / "mlflow.db").exists()


@dataclass(frozen=True)
class WithoutReviews:
    uri: str
    result: models.TrainingResult


@pytest.fixture(scope="module")
def without_reviews(tmp_path_factory: pytest.TempPathFactory) -> WithoutReviews:
    """A registry trained on PRs nobody reviewed in words: no sentiment model."""
    uri = _uri(tmp_path_factory.mktemp("without-reviews"))
    frame = make_frame(60).assign(reviews=[[] for _ in range(60)], review_comments=[[] for _ in range(60)])
    return WithoutReviews(uri, train_models(frame, tracking_uri=uri))


def test_too_little_review_text_skips_sentiment_and_still_trains_category_and_impact(
    without_reviews: WithoutReviews,
) -> None:
    result = without_reviews.result
    assert re.match(r"cannot train pr-review-sentiment: found 0 distinct review texts", result.skipped[SENTIMENT_MODEL])
    assert set(result.models) == {CATEGORY_MODEL, IMPACT_MODEL}
    assert all(outcome.promoted and outcome.version == "1" for outcome in result.models.values())


def test_without_a_sentiment_model_predictions_say_sentiment_unknown(without_reviews: WithoutReviews) -> None:
    frame = make_frame(5, seed=7)
    predictions = load_champions(without_reviews.uri).predict(frame)
    assert set(predictions["review_sentiment"]) == {"unknown"}
    assert (predictions["sentiment_confidence"] == 0.0).all() and (predictions["sentiment_score"] == 0.0).all()
    assert list(predictions["review_text_count"]) == [
        len(models.review_texts(r, c)) for r, c in zip(frame["reviews"], frame["review_comments"], strict=True)
    ]
    # The version names only the models that spoke.
    assert set(predictions["model_version"]) == {"pr-category:1,pr-impact:1"}
    assert set(predictions["category"]) <= set(CATEGORIES)


def test_a_single_class_skips_that_model_only(tmp_path: Path) -> None:
    frame = make_frame(50).assign(conventional_type="docs", labels=[[] for _ in range(50)])
    result = train_models(frame, tracking_uri=_uri(tmp_path))
    assert re.search(r"1 class\(es\) \[docs=50\]", result.skipped[CATEGORY_MODEL])
    assert CATEGORY_MODEL not in result.models and IMPACT_MODEL in result.models


# ---------------------------------------------------------------------------- models of an older layout


def _register_legacy_champions(uri: str, home: Path) -> None:
    """Champions as an older layout saved them: their feature step lives in a module that no longer exists."""
    import sys
    import types

    import mlflow
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    legacy = types.ModuleType("achievement_pipeline.models.inputs")

    def _prepare_features(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    _prepare_features.__module__ = legacy.__name__
    legacy._prepare_features = _prepare_features
    sys.modules.update({"achievement_pipeline.models": types.ModuleType("achievement_pipeline.models")})
    sys.modules[legacy.__name__] = legacy
    try:
        frame = pd.DataFrame({"lines_changed": [1.0, 2.0, 3.0, 4.0]})
        pipeline = Pipeline([("prepare", FunctionTransformer(_prepare_features)), ("classify", DummyClassifier())])
        pipeline.fit(frame, ["fix", "fix", "feature", "fix"])
        mlflow.set_tracking_uri(uri)
        client = mlflow.MlflowClient()
        experiment = client.create_experiment("legacy", artifact_location=(home / "legacy-artifacts").as_uri())
        for name in MODEL_NAMES:
            with mlflow.start_run(experiment_id=experiment):
                # A perfect logged score: falling back to it would keep the old champion for ever.
                mlflow.log_metric("holdout_macro_f1", 1.0)
                info = mlflow.sklearn.log_model(
                    pipeline,
                    name="model",
                    registered_model_name=name,
                    serialization_format="skops",
                    skops_trusted_types=[f"{legacy.__name__}._prepare_features"],
                )
            client.set_registered_model_alias(name, "champion", str(info.registered_model_version))
    finally:
        sys.modules.pop(legacy.__name__)
        sys.modules.pop("achievement_pipeline.models")
        mlflow.set_tracking_uri(None)


def test_a_champion_saved_by_an_older_layout_is_refused_with_what_to_do(tmp_path: Path) -> None:
    _register_legacy_champions(_uri(tmp_path), tmp_path)
    with pytest.raises(models.OutdatedModel, match=r"pr-category version 1 .* older version .* train_models"):
        load_champions(_uri(tmp_path))


def test_the_next_training_replaces_a_champion_saved_by_an_older_layout(tmp_path: Path) -> None:
    _register_legacy_champions(_uri(tmp_path), tmp_path)
    result = train_models(make_frame(), tracking_uri=_uri(tmp_path), seed=0)
    for name in MODEL_NAMES:
        outcome = result.models[name]
        assert outcome.promoted and outcome.previous_champion_version == "1" and outcome.champion_version == "2"
        assert outcome.comparison_basis == "outdated champion" and "older version" in outcome.comparison_note
    assert load_champions(_uri(tmp_path)).category_version == "2"
