"""Behaviour of the category and review-sentiment models, the impact scorecard, training and promotion.

The frames (tests/model_frames.py) are synthetic but shaped like real model inputs: conventional-
commit types and labels give the category labels, while titles, bodies and paths carry the
vocabulary the model learns; review states give the sentiment labels and review words are what
that model reads. Each test that writes to MLflow gets its own SQLite store under ``tmp_path``;
nothing touches the network or the process's default MLflow store.
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
from achievement_pipeline.core.records import CATEGORIES, IMPACT_TIERS, SHOWN_CATEGORIES
from achievement_pipeline.ml import (
    CATEGORY_MODEL,
    FEATURE_COLUMNS,
    MODEL_NAMES,
    PREDICTION_COLUMNS,
    SENTIMENT_MODEL,
    category_label,
    load_champions,
    score_impact,
    sentiment_label,
    train_models,
)
from achievement_pipeline.ml.base_model import base_model_version
from tests.model_frames import TRAINABLE_ROWS as ROWS
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
    result = train_models(make_frame(ROWS), tracking_uri=_uri(home), seed=0)
    return Trained(_uri(home), home, result, before, os.environ.get("MLFLOW_TRACKING_URI"), mlflow.get_tracking_uri())


def _noisy_frame(n: int, seed: int) -> pd.DataFrame:
    """Titles, bodies and review texts shuffled across rows: the text no longer matches the label."""
    noisy = make_frame(n, seed=seed)
    return noisy.assign(
        clean_title=noisy["clean_title"].sample(frac=1, random_state=0).values,
        body=noisy["body"].sample(frac=1, random_state=1).values,
        file_paths=[[] for _ in range(len(noisy))],
    )


@dataclass(frozen=True)
class Lifecycle:
    """One registry through a model's life: empty, a weak first champion, a better model, retrains."""

    uri: str
    empty_registry: models.ChampionModels
    worse: models.TrainingResult  # v1: trained on shuffled text, made champion, its logged score flattered to 1.0
    better: models.TrainingResult  # v2: the real vocabulary
    retrained: models.TrainingResult  # the same data as v2: nothing registered
    retrained_again: models.TrainingResult
    versions_before_retraining: dict[str, list[str]]
    versions_after_retraining: dict[str, list[str]]
    aliases_after_retraining: dict[str, str]
    after_artifacts_lost: models.TrainingResult  # v3: one row more, the champion's files deleted


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> Lifecycle:
    from mlflow import MlflowClient

    home = tmp_path_factory.mktemp("lifecycle")
    uri = _uri(home)
    empty = load_champions(uri)
    worse = train_models(_noisy_frame(ROWS, seed=3), tracking_uri=uri)
    # As if v1 had been champion, scored on a lucky holdout: a fair comparison must not believe it.
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in MODEL_NAMES:
        client.log_metric(worse[name].run_id, "holdout_macro_f1", 1.0)
        client.set_registered_model_alias(name, "champion", worse[name].version)
    frame = make_frame(ROWS, seed=3)
    better = train_models(frame, tracking_uri=uri)

    def versions() -> dict[str, list[str]]:
        return {name: sorted(v.version for v in client.search_model_versions(f"name='{name}'")) for name in MODEL_NAMES}

    before = versions()
    retrained = train_models(frame, tracking_uri=uri)
    retrained_again = train_models(frame, tracking_uri=uri)
    after = versions()
    aliases = {name: str(client.get_model_version_by_alias(name, "champion").version) for name in MODEL_NAMES}
    shutil.rmtree(home / "mlartifacts")
    # One PR more, with a review text none of the others has: new data for both models.
    review = {"author": "zed", "state": "CHANGES_REQUESTED", "body": "Please split this migration in two"}
    extra = make_frame(1, seed=4).assign(reviews=[[review]], merge_date="2025-06-30")
    lost = train_models(pd.concat([frame, extra], ignore_index=True), tracking_uri=uri)
    return Lifecycle(uri, empty, worse, better, retrained, retrained_again, before, after, aliases, lost)


# ---------------------------------------------------------------------------- where labels come from


def test_category_labels_come_from_the_prefix_and_labels_which_the_model_never_reads(trained: Trained) -> None:
    assert not {"conventional_type", "labels"} & set(FEATURE_COLUMNS)
    frame = make_frame(40, seed=5)
    champions = load_champions(trained.uri)
    shuffled = frame.assign(
        conventional_type=frame["conventional_type"].sample(frac=1, random_state=1).to_numpy(),
        labels=frame["labels"].sample(frac=1, random_state=2).to_numpy(),
    )
    guesses = ["predicted_category", "category_confidence"]
    pd.testing.assert_frame_equal(champions.predict(shuffled)[guesses], champions.predict(frame)[guesses])
    stripped = champions.predict(frame.drop(columns=["conventional_type", "labels"]))
    pd.testing.assert_frame_equal(stripped[guesses], champions.predict(frame)[guesses])


def test_sentiment_labels_come_from_the_review_verdict_which_the_model_never_reads(trained: Trained) -> None:
    from mlflow.models import get_model_info

    from achievement_pipeline.ml.mlflow_env import mlflow_session

    outcome = trained.result[SENTIMENT_MODEL]
    with mlflow_session(trained.uri, None):
        inputs = get_model_info(f"models:/{SENTIMENT_MODEL}/{outcome.version}").signature.inputs.input_names()
    assert inputs == ["text"]
    # The same words are labelled by the verdict of their review, and a comment has no verdict.
    assert sentiment_label("Looks fine to me", "APPROVED") == "positive"
    assert sentiment_label("Looks fine to me", "CHANGES_REQUESTED") == "negative"
    assert sentiment_label("Looks fine to me", "COMMENTED") is None
    assert sentiment_label("Looks fine to me", None) is None


def test_impact_is_a_scorecard_not_a_trained_model(trained: Trained) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=trained.uri, registry_uri=trained.uri)
    assert sorted(m.name for m in client.search_registered_models()) == sorted(MODEL_NAMES)
    assert not any("impact" in name for name in MODEL_NAMES)


# ---------------------------------------------------------------------------- category labels


@pytest.mark.parametrize(
    ("ctype", "labels", "expected"),
    [
        ("feat", [], "feature"),
        ("feature", [], "feature"),
        ("fix", [], "fix"),
        ("bugfix", [], "fix"),
        ("hotfix", [], "fix"),
        ("fix", ["security"], "security"),
        ("chore", ["incident"], "reliability"),
        ("perf", [], "performance"),
        ("refactor", [], "refactor"),
        ("style", [], "refactor"),
        ("docs", [], "docs"),
        ("doc", [], "docs"),
        ("test", [], "test"),
        ("tests", [], "test"),
        ("build", [], "build/ci"),
        ("ci", [], "build/ci"),
        ("chore", [], "chore"),
        ("deps", [], "chore"),
        ("", ["type: bug"], "fix"),
        ("", ["enhancement"], "feature"),
        ("revert", [], None),
        ("", [], None),
    ],
)
def test_category_label_follows_documented_rules(ctype: str, labels: list[str], expected: str | None) -> None:
    assert category_label(ctype, labels) == expected
    assert expected is None or expected in CATEGORIES


def test_a_fix_title_alone_never_makes_security_or_reliability() -> None:
    assert category_label("fix", []) == "fix"
    assert category_label("fix", ["bug"]) == "fix"


# ---------------------------------------------------------------------------- impact scorecard


def _scorable(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "lines_changed": 12,
        "claims": [],
        "linked_issue_count": 0,
        "review_count": 1,
        "review_comment_count": 0,
    }
    return {**row, **overrides}


def test_a_small_unremarkable_change_scores_no_points_and_low_impact() -> None:
    score = score_impact(_scorable(), "fix")
    assert (score.tier, score.points, score.items) == ("low", 0, ())


def test_size_alone_is_medium_never_high() -> None:
    score = score_impact(_scorable(lines_changed=5000), "refactor")
    assert (score.tier, score.points) == ("medium", 2)
    assert score.items == ({"evidence": "5,000 lines changed", "points": 2},)


def test_every_point_is_listed_with_its_evidence() -> None:
    claims = ["p95 from 420 ms to 180 ms", "3x faster"]
    score = score_impact(_scorable(claims=claims, linked_issue_count=3, review_count=3), "performance")
    assert score.tier == "high" and score.points == sum(int(item["points"]) for item in score.items) == 7
    assert [item["evidence"] for item in score.items] == [
        "2 measurable claims in the PR text",
        "closes 3 issues",
        "3 reviews and 0 review comments",
        "performance work",
    ]
    assert score.tier in IMPACT_TIERS


# ---------------------------------------------------------------------------- training


def test_training_registers_both_models_as_champion_over_the_base_model(trained: Trained) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=trained.uri, registry_uri=trained.uri)
    for name in MODEL_NAMES:
        outcome = trained.result[name]
        assert outcome.version == "1" and outcome.promoted
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
        assert client.get_run(outcome.run_id).data.metrics["holdout_macro_f1"] == pytest.approx(outcome.macro_f1)
    category = trained.result[CATEGORY_MODEL]
    # The first category candidate faced the shipped base model on its own newest PRs.
    assert category.comparison_basis == "base model" and category.previous_champion_version == "base"
    assert category.metrics["macro_f1_margin_low"] > 0
    assert trained.result[SENTIMENT_MODEL].comparison_basis == "no champion"


def test_the_category_run_logs_its_reliability_per_predicted_class(trained: Trained) -> None:
    import json

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=trained.uri, registry_uri=trained.uri)
    run_id = trained.result[CATEGORY_MODEL].run_id
    report = json.loads(Path(client.download_artifacts(run_id, "reliability.json", str(trained.home))).read_text())
    assert report["out_of_fold"] > 0 and set(report["per_predicted_class"]) <= set(CATEGORIES)
    for figures in report["per_predicted_class"].values():
        assert figures["n"] > 0 and 0 <= figures["accuracy"] <= 1 and 0 <= figures["mean_confidence"] <= 1


def test_the_sentiment_run_compares_prs_with_had_a_changes_requested_review(trained: Trained) -> None:
    metrics = trained.result[SENTIMENT_MODEL].metrics
    assert metrics["pr_level_n"] > 0
    assert 0 <= metrics["pr_level_accuracy"] <= 1 and 0 <= metrics["pr_level_baseline_accuracy"] <= 1


def test_training_restores_the_global_mlflow_uris(trained: Trained) -> None:
    assert trained.tracking_env_after == trained.tracking_env_before
    assert not trained.fluent_uri_after.startswith(f"sqlite:///{trained.home}")
    assert (trained.home / "mlartifacts").is_dir()  # artifacts beside the db, not in the cwd


def test_predictions_name_each_models_own_version(trained: Trained) -> None:
    frame = make_frame(20, seed=99)
    predictions = load_champions(trained.uri).predict(frame)
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]
    assert len(predictions) == 20 and list(predictions.index) == list(frame.index)
    assert set(predictions["model_version"]) == {"pr-category:1,impact-scorecard-v1,pr-review-sentiment:1"}
    assert set(predictions["category_model_version"]) == {"pr-category:1"}
    assert set(predictions["sentiment_model_version"]) == {"pr-review-sentiment:1"}
    assert set(predictions["category"]) <= set(SHOWN_CATEGORIES)
    assert set(predictions["impact"]) <= set(IMPACT_TIERS)
    assert predictions["category_confidence"].between(0, 1).all()
    assert predictions["sentiment_score"].between(-1, 1).all()


def test_an_authors_prefix_is_never_overridden_by_a_prediction(trained: Trained) -> None:
    # Docs words and paths, but the author called it a perf change: the portfolio says performance.
    row = make_frame(1, seed=1).iloc[0].to_dict()
    docs = {**row, "clean_title": "document installation steps in readme", "body": "Docs only.", "labels": []}
    frame = pd.DataFrame([{**docs, "conventional_type": "perf", "file_paths": ["docs/guide.md"]}])
    prediction = load_champions(trained.uri).predict(frame).iloc[0]
    assert prediction["predicted_category"] == "docs"
    assert (prediction["category"], prediction["category_basis"]) == ("performance", "prefix")


def test_an_unsure_prediction_without_a_prefix_shows_uncertain(trained: Trained) -> None:
    frame = make_frame(30, seed=11).assign(conventional_type="", labels=[[] for _ in range(30)])
    champions = load_champions(trained.uri, min_confidence=1.01)  # no confidence can reach it
    predictions = champions.predict(frame)
    assert set(predictions["category"]) == {"uncertain"} and set(predictions["category_basis"]) == {"uncertain"}
    assert set(predictions["predicted_category"]) <= set(CATEGORIES)  # the guess is kept as evidence


def test_a_confident_prediction_without_a_prefix_is_shown_as_the_models(trained: Trained) -> None:
    frame = make_frame(30, seed=11).assign(conventional_type="", labels=[[] for _ in range(30)])
    predictions = load_champions(trained.uri, min_confidence=0.0).predict(frame)
    assert set(predictions["category_basis"]) == {"model"}
    assert list(predictions["category"]) == list(predictions["predicted_category"])


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
    assert negative["review_states"] == {"CHANGES_REQUESTED": 1}


def test_empty_frame_predicts_an_empty_frame_with_the_columns(trained: Trained) -> None:
    predictions = load_champions(trained.uri).predict(make_frame(5).iloc[0:0])
    assert predictions.empty
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]


# ---------------------------------------------------------------------------- promotion


def test_an_empty_registry_predicts_with_the_shipped_base_model(lifecycle: Lifecycle) -> None:
    champions = lifecycle.empty_registry
    assert champions.uses_base_model and champions.category_version == base_model_version()
    assert champions.sentiment_model is None
    predictions = champions.predict(make_frame(10, seed=8))
    assert set(predictions["category_model_version"]) == {base_model_version()}
    assert set(predictions["review_sentiment"]) == {"unknown"}


def test_the_champion_is_compared_on_the_new_holdout_not_by_its_logged_score(lifecycle: Lifecycle) -> None:
    outcome = lifecycle.better[CATEGORY_MODEL]
    assert outcome.comparison_basis == "same holdout"
    assert outcome.previous_champion_macro_f1 < 1.0  # re-scored, not the flattering logged 1.0
    assert outcome.metrics["champion_holdout_macro_f1"] == outcome.previous_champion_macro_f1


def test_a_model_better_beyond_the_bootstrap_noise_takes_the_champion_alias(lifecycle: Lifecycle) -> None:
    outcome = lifecycle.better[CATEGORY_MODEL]
    assert outcome.promoted and outcome.metrics["macro_f1_margin_low"] > 0
    assert outcome.champion_version == "2"


def test_retraining_twice_on_the_same_data_leaves_the_same_versions(lifecycle: Lifecycle) -> None:
    assert lifecycle.versions_after_retraining == lifecycle.versions_before_retraining
    for name in MODEL_NAMES:
        first = lifecycle.better[name]
        for again in (lifecycle.retrained[name], lifecycle.retrained_again[name]):
            assert again.unchanged and not again.promoted
            assert again.version == first.version and again.champion_version == first.champion_version
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
    better, changed = lifecycle.better[SENTIMENT_MODEL], lifecycle.after_artifacts_lost[SENTIMENT_MODEL]
    tag = client.get_model_version(SENTIMENT_MODEL, better.version).tags[FINGERPRINT_TAG]
    assert re.fullmatch(r"[0-9a-f]{64}", tag)
    assert client.get_run(better.run_id).data.params[FINGERPRINT_TAG] == tag
    # One more text is different data: a new version, with a different fingerprint.
    assert not changed.unchanged and changed.version != better.version
    assert client.get_model_version(SENTIMENT_MODEL, changed.version).tags[FINGERPRINT_TAG] != tag


def test_a_champion_that_cannot_be_scored_falls_back_to_its_logged_score(lifecycle: Lifecycle) -> None:
    for name in MODEL_NAMES:
        champion, outcome = lifecycle.retrained[name].champion_version, lifecycle.after_artifacts_lost[name]
        assert outcome.comparison_basis == "logged metric" and "could not be scored" in outcome.comparison_note
        assert outcome.previous_champion_version == champion


# ---------------------------------------------------------------------------- not enough data


def test_a_model_with_too_few_rows_is_skipped_with_the_counts_and_what_to_do(tmp_path: Path) -> None:
    result = train_models(make_frame(12), tracking_uri=_uri(tmp_path), min_rows=20, min_sentiment_texts=1000)
    reason = result.skipped[CATEGORY_MODEL]
    assert re.search(r"cannot train pr-category: found 12 labelled rows .*at least 20", reason)
    assert "materialize more ingest/enrich partitions first" in reason


def test_a_holdout_without_two_supported_classes_is_skipped_not_scored(tmp_path: Path) -> None:
    result = train_models(make_frame(60), tracking_uri=_uri(tmp_path), min_sentiment_texts=1000)
    assert re.search(
        r"the time-ordered holdout \(the newest \d+\) has fewer than 2 classes", result.skipped[CATEGORY_MODEL]
    )


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
    frame = make_frame(ROWS).assign(reviews=[[] for _ in range(ROWS)], review_comments=[[] for _ in range(ROWS)])
    return WithoutReviews(uri, train_models(frame, tracking_uri=uri))


def test_too_little_review_text_skips_sentiment_and_still_trains_category(without_reviews: WithoutReviews) -> None:
    result = without_reviews.result
    assert re.match(r"cannot train pr-review-sentiment: found 0 distinct review texts", result.skipped[SENTIMENT_MODEL])
    assert set(result.models) == {CATEGORY_MODEL} and result[CATEGORY_MODEL].promoted


def test_without_a_sentiment_model_predictions_say_sentiment_unknown(without_reviews: WithoutReviews) -> None:
    frame = make_frame(5, seed=7)
    predictions = load_champions(without_reviews.uri).predict(frame)
    assert set(predictions["review_sentiment"]) == {"unknown"}
    assert (predictions["sentiment_confidence"] == 0.0).all() and (predictions["sentiment_score"] == 0.0).all()
    assert list(predictions["review_text_count"]) == [
        len(models.review_texts(r, c)) for r, c in zip(frame["reviews"], frame["review_comments"], strict=True)
    ]
    # The review states are still counted as facts, and the version names only the models that spoke.
    assert list(predictions["review_states"]) == [
        dict(sorted(models.sentiment_labels.review_states(r).items())) for r in frame["reviews"]
    ]
    assert set(predictions["model_version"]) == {"pr-category:1,impact-scorecard-v1"}


def test_a_single_class_skips_that_model_only(tmp_path: Path) -> None:
    frame = make_frame(ROWS).assign(conventional_type="docs", labels=[[] for _ in range(ROWS)])
    result = train_models(frame, tracking_uri=_uri(tmp_path))
    assert re.search(rf"1 class\(es\) \[docs={ROWS}\]", result.skipped[CATEGORY_MODEL])
    assert CATEGORY_MODEL not in result.models and SENTIMENT_MODEL in result.models


# ---------------------------------------------------------------------------- models of an older layout


def _register_legacy_champions(uri: str, home: Path) -> None:
    """Champions as an older layout saved them: their feature step lives in a module that no longer exists."""
    import sys
    import types

    import mlflow
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from achievement_pipeline.ml.registry import RULES_TAG, RULES_VERSIONS

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
            version = str(info.registered_model_version)
            client.set_model_version_tag(name, version, RULES_TAG, RULES_VERSIONS[name])
            client.set_registered_model_alias(name, "champion", version)
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
    result = train_models(make_frame(ROWS), tracking_uri=_uri(tmp_path), seed=0)
    for name in MODEL_NAMES:
        outcome = result.models[name]
        assert outcome.promoted and outcome.champion_version == "2"
        assert "older version" in outcome.comparison_note
    assert load_champions(_uri(tmp_path)).category_version == "pr-category:2"
