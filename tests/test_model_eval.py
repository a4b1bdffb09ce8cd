"""The category evaluation script (bench/eval_category.py): what it feeds the model, how it splits, its baseline.

The corpus-based tests need ../shared/data/vite-prs.jsonl beside the repository (present on CI);
without it they skip. They run on a recent slice so they stay fast: the committed full result is
bench/results/category_eval.md.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from achievement_pipeline.core.records import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason=f"no vite corpus at {CORPUS}")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_category", ROOT / "bench" / "eval_category.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


evaluation = _load_script()


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], dict]:
    return evaluation.load_corpus(CORPUS)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("fix(ssr)!: handle `import.meta` in workers", "handle `import.meta` in workers"),
        ("chore(deps): update all non-major dependencies", "update all non-major dependencies"),
        ("workflow: cache pnpm store", "cache pnpm store"),
        ("Revert to the old resolver", "Revert to the old resolver"),
    ],
)
def test_the_conventional_prefix_is_stripped(title: str, expected: str) -> None:
    assert evaluation.strip_prefix(title) == expected


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("escape html in error overlay", "", "security"),
        ("fix typo in config guide", "", "docs"),  # docs words come before fix words
        ("add tests for css modules", "", "test"),
        ("handle empty entry", "", "fix"),
        ("vite 6", "Add support for the environment API", "feature"),  # the body when the title says nothing
        ("vite 6", "", "chore"),  # then the default
    ],
)
def test_the_keyword_baseline_takes_the_first_matching_rule(title: str, body: str, expected: str) -> None:
    assert evaluation.keyword_category(title, body, default="chore") == expected


@needs_corpus
def test_no_input_title_keeps_its_type_prefix(corpus) -> None:
    rows, _ = corpus
    prefix = re.compile(r"^(feat|fix|perf|refactor|docs?|test|build|ci|chore|style|deps)(\(|!|:)", re.I)
    assert rows and not [r["clean_title"] for r in rows if prefix.match(r["clean_title"])]


@needs_corpus
def test_labels_are_the_eight_conventional_classes_and_untyped_prs_are_left_out(corpus) -> None:
    rows, skipped = corpus
    assert len(rows) + sum(skipped.values()) == 6383
    assert {"revert", "none"} <= set(skipped)
    # Security and reliability come only from GitHub labels, which the corpus does not carry.
    assert {r["label"] for r in rows} == set(CATEGORIES) - {"security", "reliability"}


@needs_corpus
def test_the_split_tests_on_prs_merged_after_every_training_pr(corpus) -> None:
    rows, _ = corpus
    train, test = evaluation.time_split(rows)
    assert len(test) == round(len(rows) * 0.2)
    assert max(r["merged_at"] for r in train) <= min(r["merged_at"] for r in test)


@needs_corpus
def test_the_model_beats_both_baselines_beyond_the_noise_on_recent_prs(corpus) -> None:
    rows, _ = corpus
    recent = sorted(rows, key=lambda r: (r["merged_at"], r["pr_id"]))[-1500:]
    outcome = evaluation.evaluate(*evaluation.time_split(recent), min_support=5, calibrate=False)
    for baseline in ("keyword", "tfidf_lr"):
        assert outcome["model_lead"][baseline]["low"] > 0.05, outcome["model_lead"]
