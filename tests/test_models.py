"""Behaviour of the category/impact models: weak labels, training, registry promotion, serving.

The frames are synthetic but shaped like real enriched PRs: conventional-commit types drive the
weak labels, while the titles, bodies, labels and areas carry the vocabulary the models learn.
Each test that writes to MLflow gets its own SQLite store under ``tmp_path``; nothing touches
the network or the process's default MLflow store.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pandas as pd
import pytest

from achievement_pipeline import models
from achievement_pipeline.models import (
    CATEGORY_MODEL,
    IMPACT_MODEL,
    PREDICTION_COLUMNS,
    InsufficientTrainingData,
    NoChampionModel,
    category_label,
    impact_label,
    load_champions,
    train_models,
)
from achievement_pipeline.records import CATEGORIES, IMPACT_TIERS

# (conventional_type, labels, areas, title verbs, title objects, body phrases) per category.
_SPECS: dict[str, tuple[str, list[str], list[str], list[str], list[str], list[str]]] = {
    "feature": (
        "feat",
        ["enhancement"],
        ["packages/cli", "src/api"],
        ["add", "support", "introduce", "allow"],
        ["dark mode toggle", "csv export", "plugin hooks", "config file discovery", "new dashboard widget"],
        ["Users can now", "This adds a new option so that", "New capability requested by users:"],
    ),
    "fix": (
        "fix",
        ["bug"],
        ["src/parser", "packages/core"],
        ["correct", "handle", "fix"],
        ["off-by-one in pagination", "wrong date format in footer", "null title in header", "broken link"],
        ["The previous behaviour was wrong because", "Handles the edge case where", "Bug: the value"],
    ),
    "performance": (
        "perf",
        ["performance"],
        ["src/cache", "packages/core"],
        ["speed up", "cache", "optimize", "avoid recomputing"],
        ["module graph resolution", "hot path in renderer", "startup time", "query planner"],
        ["p95 from 420 ms to 180 ms", "cuts memory by 30%", "3x faster cold start"],
    ),
    "security": (
        "fix",
        ["security"],
        ["src/auth", "src/server"],
        ["sanitize", "escape", "prevent"],
        ["xss in comment renderer", "path traversal in static server", "injection in search query"],
        ["Reported privately, fixes a vulnerability where", "CVE pending; untrusted input reached"],
    ),
    "reliability": (
        "fix",
        ["reliability"],
        ["src/worker", "src/queue"],
        ["retry", "add timeout to", "recover from crash in"],
        ["webhook delivery", "queue consumer", "database reconnect", "job scheduler"],
        ["The worker crashed when the upstream timed out", "Adds exponential backoff so"],
    ),
    "refactor": (
        "refactor",
        [],
        ["src/core", "src/utils"],
        ["extract", "rename", "split", "simplify"],
        ["config loader into module", "internal helpers", "legacy adapter", "state machine"],
        ["No behaviour change; moves code so that", "Pure restructuring to make"],
    ),
    "docs": (
        "docs",
        ["documentation"],
        ["docs"],
        ["document", "clarify", "describe"],
        ["installation steps in readme", "migration guide", "api reference examples", "contributing guide"],
        ["Docs only.", "Updates the guide to explain"],
    ),
    "test": (
        "test",
        [],
        ["tests"],
        ["add tests for", "cover", "add regression test for"],
        ["pagination edge cases", "config parser", "snapshot of cli output", "unit coverage"],
        ["Adds unit tests covering", "Test-only change to exercise"],
    ),
    "build/ci": (
        "ci",
        ["ci"],
        [".github"],
        ["run", "cache", "split"],
        ["github actions workflow matrix", "ci pipeline on node 22", "release workflow artifacts"],
        ["The workflow now", "CI job changes so that"],
    ),
    "chore": (
        "chore",
        ["dependencies"],
        ["(root)"],
        ["bump", "update", "upgrade"],
        ["lockfile", "dev dependencies", "eslint to v9", "typescript to 5.6"],
        ["Routine maintenance.", "Automated dependency update."],
    ),
}


# Words every kind of PR uses, so the text is not a clean code book for the label.
_GENERIC = ["in the cli", "for windows users", "after review feedback", "in v2", "see discussion", "", ""]


def _row(i: int, category: str, rng: random.Random) -> dict[str, object]:
    ctype, labels, areas, verbs, objects, phrases = _SPECS[category]
    # One title in five borrows its object from another category, as real titles often do.
    other = _SPECS[rng.choice(list(_SPECS))][4] if rng.random() < 0.2 else objects
    title = f"{rng.choice(verbs)} {rng.choice(other)} {rng.choice(_GENERIC)}".strip()
    body = f"{rng.choice(phrases)} {rng.choice(other)}. {rng.choice(_GENERIC)}"
    lines = int(rng.choice([4, 20, 80, 300, 1200]) * rng.uniform(0.6, 1.4))
    claims = [phrase for phrase in phrases if any(ch.isdigit() for ch in phrase)][: rng.randint(0, 2)]
    return {
        "pr_id": f"acme/widget#{i}",
        "merge_date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "clean_title": title,
        "body": body,
        "labels": list(labels) if rng.random() < 0.5 else [],
        "conventional_type": ctype,
        "areas": [rng.choice(areas)] if rng.random() < 0.7 else ["src/core"],
        "lines_changed": lines,
        "size_class": "xl" if lines >= 1000 else "l" if lines >= 250 else "m",
        "review_count": rng.randint(0, 4),
        "review_comment_count": rng.randint(0, 14),
        "claims": claims,
        "linked_issue_count": rng.choice([0, 0, 1, 1, 2, 3]),
    }


def make_frame(n: int = 150, seed: int = 7) -> pd.DataFrame:
    """~n realistic enriched PRs, every category represented, titles varied within each."""
    rng = random.Random(seed)
    categories = list(_SPECS)
    rows = []
    for i in range(n):
        row = _row(i, categories[i % len(categories)], rng)
        # Security/reliability labels are not always applied: then only the fix title says so.
        if categories[i % len(categories)] in ("security", "reliability") and not row["labels"]:
            row["labels"] = [categories[i % len(categories)]]
        rows.append(row)
    return pd.DataFrame(rows)


def _uri(path: Path) -> str:
    return f"sqlite:///{path}/mlflow.db"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, models.TrainingResult, float]:
    """One registry trained once on the realistic frame, shared by the read-only tests."""
    home = tmp_path_factory.mktemp("mlflow-home")
    started = time.perf_counter()
    result = train_models(make_frame(), tracking_uri=_uri(home), seed=0)
    return _uri(home), result, time.perf_counter() - started


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


def test_training_registers_both_models_as_champion_with_metrics(trained) -> None:
    from mlflow import MlflowClient

    uri, result, _ = trained
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in (CATEGORY_MODEL, IMPACT_MODEL):
        outcome = result[name]
        assert outcome.version == "1" and outcome.promoted and outcome.previous_champion_version is None
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
        assert 0.0 <= outcome.metrics["holdout_accuracy"] <= 1.0
        assert client.get_run(outcome.run_id).data.metrics["holdout_macro_f1"] == pytest.approx(
            outcome.metrics["holdout_macro_f1"]
        )
    # The synthetic vocabulary is learnable: far better than chance over ten classes.
    assert result[CATEGORY_MODEL].metrics["holdout_macro_f1"] > 0.6
    assert result[IMPACT_MODEL].metrics["holdout_macro_f1"] > 0.4


def test_training_restores_the_global_mlflow_uris(tmp_path: Path, trained) -> None:
    import mlflow

    before = os.environ.get("MLFLOW_TRACKING_URI")
    train_models(make_frame(60), tracking_uri=_uri(tmp_path), min_rows=20)
    assert os.environ.get("MLFLOW_TRACKING_URI") == before
    assert not mlflow.get_tracking_uri().startswith(f"sqlite:///{tmp_path}")
    assert (tmp_path / "mlartifacts").is_dir()  # artifacts beside the db, not in the cwd


def test_predictions_carry_the_model_versions(trained) -> None:
    uri, _, _ = trained
    frame = make_frame(20, seed=99)
    predictions = load_champions(uri).predict(frame)
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]
    assert len(predictions) == 20 and list(predictions.index) == list(frame.index)
    assert set(predictions["model_version"]) == {"pr-category:1,pr-impact:1"}
    assert set(predictions["category_model_version"]) == {"1"}
    assert set(predictions["model_name"]) == {"pr-category"}
    assert set(predictions["category"]) <= set(CATEGORIES)
    assert set(predictions["impact"]) <= set(IMPACT_TIERS)
    assert predictions["category_confidence"].between(0, 1).all()


def test_empty_frame_predicts_an_empty_frame_with_the_columns(trained) -> None:
    uri, _, _ = trained
    predictions = load_champions(uri).predict(make_frame(5).iloc[0:0])
    assert predictions.empty
    assert list(predictions.columns) == ["pr_id", "merge_date", *PREDICTION_COLUMNS]


def test_conventional_type_is_not_a_feature(trained) -> None:
    uri, _, _ = trained
    champions = load_champions(uri)
    frame = make_frame(40, seed=5)
    types = frame["conventional_type"].sample(frac=1, random_state=1).to_numpy()
    shuffled = frame.assign(conventional_type=types)
    without = frame.drop(columns=["conventional_type"])
    expected = champions.predict(frame)
    pd.testing.assert_frame_equal(champions.predict(shuffled), expected)
    pd.testing.assert_frame_equal(champions.predict(without), expected)


def test_retraining_to_a_tie_keeps_the_current_champion(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    uri = _uri(tmp_path)
    frame = make_frame(100)
    first = train_models(frame, tracking_uri=uri)
    second = train_models(frame, tracking_uri=uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in (CATEGORY_MODEL, IMPACT_MODEL):
        assert second[name].version == "2"
        assert second[name].metrics["holdout_macro_f1"] == first[name].metrics["holdout_macro_f1"]
        assert not second[name].promoted
        assert second[name].previous_champion_version == "1"
        assert second[name].champion_version == "1"
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"


def test_a_better_model_takes_the_champion_alias(tmp_path: Path) -> None:
    uri = _uri(tmp_path)
    # Worse first: titles and bodies are shuffled across rows, so the text no longer matches the label.
    noisy = make_frame(100, seed=3)
    noisy = noisy.assign(
        clean_title=noisy["clean_title"].sample(frac=1, random_state=0).values,
        body=noisy["body"].sample(frac=1, random_state=1).values,
        labels=[[] for _ in range(len(noisy))],
        areas=[[] for _ in range(len(noisy))],
    )
    worse = train_models(noisy, tracking_uri=uri, min_rows=20)
    better = train_models(make_frame(100, seed=3), tracking_uri=uri)
    outcome = better[CATEGORY_MODEL]
    assert outcome.metrics["holdout_macro_f1"] > worse[CATEGORY_MODEL].metrics["holdout_macro_f1"]
    assert outcome.promoted and outcome.previous_champion_version == "1" and outcome.champion_version == "2"


def test_too_few_rows_raise_insufficient_training_data_naming_the_counts(tmp_path: Path) -> None:
    with pytest.raises(InsufficientTrainingData, match=r"found 12 labelled rows .*at least 20") as info:
        train_models(make_frame(12), tracking_uri=_uri(tmp_path), min_rows=20)
    assert "materialize more ingest/enrich partitions first" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not (tmp_path / "mlflow.db").exists()  # checked before touching MLflow


def test_a_single_class_raises_insufficient_training_data(tmp_path: Path) -> None:
    frame = make_frame(50).assign(conventional_type="docs", labels=[[] for _ in range(50)])
    with pytest.raises(InsufficientTrainingData, match=r"1 class\(es\) \[docs=50\]"):
        train_models(frame, tracking_uri=_uri(tmp_path))


def test_load_champions_with_an_empty_registry_raises_no_champion(tmp_path: Path) -> None:
    uri = _uri(tmp_path)
    with pytest.raises(NoChampionModel, match=r"no champion for pr-category in MLflow at sqlite:///.*pr_models"):
        load_champions(uri)
