"""The PR category model on real merged PRs: in one repository and across repositories, against two baselines.

Corpora (both public):

* ``../shared/data/vite-prs.jsonl``: 6,383 merged PRs of vitejs/vite (MIT) whose titles follow
  conventional commits. The label of a PR is its conventional type mapped by the production rules
  (``ml.labels.category_label``): feat → feature, fix → fix, perf → performance, refactor/style →
  refactor, docs → docs, test → test, build/ci → build/ci, chore/deps → chore. Eight classes;
  revert and unknown types have no category and are left out (counted).
* ``bench/corpora/changelog-prs.jsonl``: 2,616 categorised changelog entries of three other
  projects (video.js, karma, @google-cloud/pubsub; Apache-2.0/MIT) from their published npm
  packages (``bench/corpora/fetch_changelogs.py``). The label is the changelog section's type.
  Entries have a title only (no body, no changed files), so the cross-repository test is the hard
  case: the model must carry over on words alone.

Every model and baseline sees the title with its ``type(scope)!:`` prefix stripped (the label must
not be read off the input), the body and the changed paths where the corpus has them.

* **in-repository**: time-ordered 80/20 on vite: the first 80% of PRs by merge time train, the
  newest 20% test.
* **cross-repository**: trained on all of vite, tested on every changelog entry of the other
  projects, scored over the classes with at least ``CROSS_MIN_SUPPORT`` entries.

Contenders, all scored on the same rows in the same run:

* **model**: ``ml.category_fit.fit_category_model`` exactly as the pipeline and the shipped base model
  train it (the category pipeline, title-only copies of a quarter of the rows, confidence curves).
* **keyword baseline**: the first rule in :data:`KEYWORD_RULES` matching the title, then the body,
  else the training part's most frequent category.
* **plain TF-IDF + LR**: word TF-IDF over title + body and scikit-learn's default logistic regression.

Macro-F1 and accuracy each come with a 90% bootstrap interval (1,000 resamples of the test rows),
and the model's lead over each baseline with the interval of the paired difference. Reliability:
per predicted class, the calibrated confidence (``ml.calibration``) against the share right.

    .venv/bin/python bench/eval_category.py            # writes bench/results/category_eval.{md,json}
    .venv/bin/python bench/eval_category.py --folds    # model choices: time-ordered folds of the train part only

``--folds`` is how the model's features were chosen: three expanding-window folds inside the first
80% of vite, never the test split and never the other repositories.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: the package is the repo root
    sys.path.insert(0, str(ROOT))

from achievement_pipeline.ml.bootstrap import paired_difference, score_interval  # noqa: E402
from achievement_pipeline.ml.labels import category_label  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
CROSS_CORPUS = ROOT / "bench" / "corpora" / "changelog-prs.jsonl"
RESULTS = ROOT / "bench" / "results"
TEST_FRACTION = 0.2
SEED = 0
TARGET_MACRO_F1 = 0.65
CROSS_MIN_SUPPORT = 20
CONTENDERS = ("model", "keyword", "tfidf_lr")

# "feat(scope)!: title": any type word, not only the ones the pipeline knows, so nothing of the
# label's prefix survives into the input.
_PREFIX = re.compile(r"^\s*[A-Za-z][\w-]*(?:\([^)]*\))?!?\s*:\s*")

# (category, pattern) — first match wins, title before body. Ordered from the most specific
# words to the most generic verbs, so "fix docs typo" is docs and "add test" is test.
KEYWORD_RULES: tuple[tuple[str, str], ...] = (
    ("security", r"\b(security|vulnerab\w*|cve|xss|csrf|injection|sanitiz\w*|escap\w*)\b"),
    ("reliability", r"\b(crash\w*|timeouts?|retr(?:y|ies)|race|leaks?|hangs?|flaky|deadlock)\b"),
    ("performance", r"\b(perf|performance|faster|speed\w*|slow\w*|optimi[sz]\w*|cach\w*|memory|lazy)\b"),
    ("docs", r"\b(docs?|documentation|readme|typos?|guides?|translations?|examples?)\b"),
    ("test", r"\b(tests?|testing|specs?|e2e|coverage)\b"),
    ("build/ci", r"\b(ci|workflows?|github actions?|actions?)\b"),
    ("refactor", r"\b(refactor\w*|renam\w*|move\w*|clean ?up|simplif\w*|extract\w*|reorgani[sz]\w*|restructur\w*)\b"),
    ("chore", r"\b(update\w*|bump\w*|upgrad\w*|deps|dependenc\w*|release|version|lockfile|renovate)\b"),
    ("feature", r"\b(add\w*|support\w*|allow\w*|introduc\w*|new|implement\w*|expos\w*|enabl\w*|options?)\b"),
    (
        "fix",
        r"\b(fix\w*|bugs?|correct\w*|handl\w*|prevent\w*|avoid\w*|should|errors?|issues?|wrong|broken|"
        r"incorrect\w*|fail\w*)\b",
    ),
)
_COMPILED_RULES = tuple((category, re.compile(pattern, re.I)) for category, pattern in KEYWORD_RULES)


def strip_prefix(title: str) -> str:
    """The title without its conventional-commit header: "fix(ssr): handle x" → "handle x"."""
    return _PREFIX.sub("", title, count=1).strip()


def keyword_category(title: str, body: str, default: str) -> str:
    """The keyword baseline: first matching rule on the title, then on the body, else ``default``."""
    for text in (title, body):
        for category, pattern in _COMPILED_RULES:
            if pattern.search(text or ""):
                return category
    return default


def _row(pr_id: str, merged_at: datetime, title: str, body: str, paths: list[str], label: str) -> dict[str, Any]:
    return {
        "pr_id": pr_id,
        "merged_at": merged_at,
        "merge_date": merged_at.date().isoformat(),
        "clean_title": title,
        "body": body,
        "file_paths": paths,
        "label": label,
    }


def load_corpus(path: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    """vite's PRs as model-input rows (``ml.inputs.model_inputs`` shape) with a ``label``; skipped types counted."""
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            pr = json.loads(line)
            label = category_label(pr["conventional_type"], [])
            if label is None:
                skipped[str(pr["conventional_type"] or "none")] += 1
                continue
            merged_at = datetime.fromisoformat(pr["merged_at"]).astimezone(UTC)
            paths = [f["filename"] for f in pr["files"]]
            rows.append(
                _row(
                    f"{pr['repo']}#{pr['number']}",
                    merged_at,
                    strip_prefix(pr["title"]),
                    pr.get("body") or "",
                    paths,
                    label,
                )
            )
    return rows, skipped


def load_cross_corpus(path: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The other projects' changelog entries as rows (title only), labelled by their section's type."""
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            entry = json.loads(line)
            label = category_label(entry["conventional_type"], [])
            if label is None:
                skipped[str(entry["conventional_type"] or "none")] += 1
                continue
            when = datetime.fromisoformat(entry["date"] or "1970-01-01").replace(tzinfo=UTC)
            rows.append(
                _row(f"{entry['repo']}#{entry['number'] or n}", when, strip_prefix(entry["title"]), "", [], label)
            )
    return rows, skipped


def time_split(rows: Sequence[dict[str, Any]], test_fraction: float = TEST_FRACTION) -> tuple[list, list]:
    """First (1 - test_fraction) of the rows by merge time train, the rest test; ties broken by PR id."""
    ordered = sorted(rows, key=lambda r: (r["merged_at"], r["pr_id"]))
    cut = round(len(ordered) * (1 - test_fraction))
    return ordered[:cut], ordered[cut:]


def build_plain_tfidf_lr() -> Any:
    """The plain baseline: word TF-IDF over title + body, scikit-learn's default logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def text(frame: Any) -> list[str]:
        return [f"{t} \n {b}" for t, b in zip(frame["clean_title"], frame["body"], strict=True)]

    return make_pipeline(FunctionTransformer(text), TfidfVectorizer(), LogisticRegression(max_iter=2000))


def _frame(rows: Sequence[dict[str, Any]]) -> Any:
    import pandas as pd

    from achievement_pipeline.ml.inputs import feature_frame

    return feature_frame(pd.DataFrame(list(rows)))


def _scored(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    per_class = f1_score(truth, predicted, labels=list(classes), average=None, zero_division=0)
    intervals = score_interval(truth, predicted, classes, seed=SEED)
    return {
        "macro_f1": intervals["macro_f1"].as_dict(),
        "accuracy": intervals["accuracy"].as_dict(),
        "per_class_f1": {c: float(f) for c, f in zip(classes, per_class, strict=True)},
    }


def _reliability(labels: Sequence[str], confidence: Sequence[float], truth: Sequence[str]) -> dict[str, Any]:
    """Per predicted class: how many, mean calibrated confidence, share right (the two should match)."""
    out: dict[str, Any] = {}
    for label in sorted(set(labels)):
        picked = [i for i, value in enumerate(labels) if value == label]
        out[label] = {
            "n": len(picked),
            "mean_confidence": statistics.mean(confidence[i] for i in picked),
            "accuracy": sum(truth[i] == label for i in picked) / len(picked),
        }
    return out


def _coverage(labels: Sequence[str], confidence: Sequence[float], truth: Sequence[str], threshold: float) -> dict:
    shown = [i for i, c in enumerate(confidence) if c >= threshold]
    return {
        "threshold": threshold,
        "shown_share": len(shown) / max(len(labels), 1),
        "shown_accuracy": sum(truth[i] == labels[i] for i in shown) / max(len(shown), 1),
        "uncertain_accuracy": sum(truth[i] == labels[i] for i in range(len(labels)) if i not in set(shown))
        / max(len(labels) - len(shown), 1),
    }


def evaluate(
    train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]], *, min_support: int = 1, calibrate: bool = True
) -> dict[str, Any]:
    """Fit the model and the plain baseline on ``train``; score them and the keyword baseline on ``test``."""
    from achievement_pipeline.core.ledger import load_ledger
    from achievement_pipeline.ml.category_fit import fit_category_model, with_title_only_copies
    from achievement_pipeline.ml.pipelines import build_category_pipeline

    support = Counter(r["label"] for r in test)
    classes = sorted(c for c, n in support.items() if n >= min_support)
    truth = [r["label"] for r in test]
    y_train = [r["label"] for r in train]
    default = Counter(y_train).most_common(1)[0][0]
    x_train, x_test = _frame(train), _frame(test)

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    predicted = {"keyword": [keyword_category(r["clean_title"], r["body"], default) for r in test]}
    seconds["keyword"] = time.perf_counter() - started
    started = time.perf_counter()
    predicted["tfidf_lr"] = [str(p) for p in build_plain_tfidf_lr().fit(x_train, y_train).predict(x_test)]
    seconds["tfidf_lr"] = time.perf_counter() - started
    started = time.perf_counter()
    if calibrate:
        model, _ = fit_category_model(x_train, y_train, SEED)
        labels, _, confidence = model.top_with_confidence(x_test)
    else:
        model = build_category_pipeline(SEED).fit(*with_title_only_copies(x_train, y_train))
        labels, confidence = [str(p) for p in model.predict(x_test)], [1.0] * len(test)
    predicted["model"] = list(labels)
    seconds["model"] = time.perf_counter() - started
    result: dict[str, Any] = {
        "classes": classes,
        "test_support": dict(sorted(support.items())),
        "baseline_default": default,
        **{name: _scored(truth, predicted[name], classes) for name in CONTENDERS},
        "model_lead": {
            name: paired_difference(truth, predicted["model"], predicted[name], classes, seed=SEED).as_dict()
            for name in ("keyword", "tfidf_lr")
        },
        "seconds": seconds,
    }
    if calibrate:
        confidence = [float(c) for c in confidence]
        threshold = load_ledger().number("category_min_confidence")
        result["reliability"] = _reliability(labels, confidence, truth)
        result["coverage"] = _coverage(labels, confidence, truth, threshold)
    return result


def folds(train: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Three expanding-window folds *inside the training part*: train on the first 50/65/80%, validate on the next."""
    ordered = sorted(train, key=lambda r: (r["merged_at"], r["pr_id"]))
    results = []
    for lo, hi in ((0.50, 0.65), (0.65, 0.80), (0.80, 1.00)):
        a, b = round(len(ordered) * lo), round(len(ordered) * hi)
        outcome = evaluate(ordered[:a], ordered[a:b], calibrate=False)
        results.append({name: outcome[name]["macro_f1"]["estimate"] for name in CONTENDERS})
    return {"folds": results, **{f"{name}_mean": statistics.mean(r[name] for r in results) for name in CONTENDERS}}


def _span(rows: Sequence[dict[str, Any]]) -> str:
    return f"{rows[0]['merge_date']} .. {rows[-1]['merge_date']}"


def report(
    rows: list[dict[str, Any]], skipped: Counter[str], corpus: Path, cross: list[dict[str, Any]], cross_path: Path
) -> dict[str, Any]:
    """The whole measurement as one JSON-able record."""
    started = time.perf_counter()
    train, test = time_split(rows)
    in_repo = evaluate(train, test)
    cross_result = evaluate(
        sorted(rows, key=lambda r: (r["merged_at"], r["pr_id"])), cross, min_support=CROSS_MIN_SUPPORT
    )
    model_f1 = in_repo["model"]["macro_f1"]["estimate"]
    above = all(cross_result["model_lead"][name]["low"] > 0 for name in ("keyword", "tfidf_lr"))
    return {
        "corpus": corpus.name,
        "cross_corpus": cross_path.name,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/eval_category.py",
        "n_prs": len(rows) + sum(skipped.values()),
        "n_labelled": len(rows),
        "skipped_types": dict(skipped.most_common()),
        "split": {
            "kind": "time-ordered",
            "test_fraction": TEST_FRACTION,
            "n_train": len(train),
            "n_test": len(test),
            "train_dates": _span(train),
            "test_dates": _span(test),
        },
        "in_repository": in_repo,
        "cross_repository": {
            "n_train": len(rows),
            "n_test": len(cross),
            "repositories": dict(Counter(r["pr_id"].split("#")[0] for r in cross).most_common()),
            "min_support": CROSS_MIN_SUPPORT,
            **cross_result,
        },
        "target_macro_f1": TARGET_MACRO_F1,
        "target_met": model_f1 >= TARGET_MACRO_F1 and above,
        "seconds_total": time.perf_counter() - started,
    }


def _fmt(interval: dict[str, float]) -> str:
    return f"{interval['estimate']:.3f} [{interval['low']:.3f}, {interval['high']:.3f}]"


def _table(part: dict[str, Any]) -> list[str]:
    lines = [
        "| | keyword baseline | plain TF-IDF + LR | category model |",
        "|---|---|---|---|",
        f"| **macro-F1** ({len(part['classes'])} classes) | {_fmt(part['keyword']['macro_f1'])} | "
        f"{_fmt(part['tfidf_lr']['macro_f1'])} | **{_fmt(part['model']['macro_f1'])}** |",
        f"| accuracy | {_fmt(part['keyword']['accuracy'])} | {_fmt(part['tfidf_lr']['accuracy'])} | "
        f"{_fmt(part['model']['accuracy'])} |",
        f"| model's macro-F1 lead | {_fmt(part['model_lead']['keyword'])} | {_fmt(part['model_lead']['tfidf_lr'])} | |",
        "",
        "| class | n test | keyword F1 | TF-IDF + LR F1 | model F1 |",
        "|---|---|---|---|---|",
    ]
    for c in part["classes"]:
        lines.append(
            f"| {c} | {part['test_support'][c]} | {part['keyword']['per_class_f1'][c]:.3f} | "
            f"{part['tfidf_lr']['per_class_f1'][c]:.3f} | {part['model']['per_class_f1'][c]:.3f} |"
        )
    lines += ["", "| predicted class | n | mean calibrated confidence | share right |", "|---|---|---|---|"]
    for c, r in part["reliability"].items():
        lines.append(f"| {c} | {r['n']} | {r['mean_confidence']:.2f} | {r['accuracy']:.2f} |")
    cov = part["coverage"]
    lines += [
        "",
        f"At the ledger's `category_min_confidence` of {cov['threshold']:.2f}: {100 * cov['shown_share']:.0f}% of "
        f'predictions are shown, {100 * cov["shown_accuracy"]:.0f}% of those right; the rest read "uncertain" '
        f"(the model's guess would have been right for {100 * cov['uncertain_accuracy']:.0f}% of them).",
    ]
    return lines


def markdown(result: dict[str, Any]) -> str:
    split, cross = result["split"], result["cross_repository"]
    lines = [
        "# Category model vs. two baselines, in one repository and across repositories",
        "",
        f"Measured {result['measured_at']} with `{result['command']}`; every contender scored in the same run on the "
        "same rows. Intervals: 90% bootstrap (1,000 resamples of the test rows); a lead whose interval is above 0 "
        "is beyond the noise of the test set.",
        "",
        "## In one repository: vite, time-ordered 80/20",
        "",
        f"{result['corpus']}: {result['n_prs']} merged PRs, {result['n_labelled']} with a category (skipped, no "
        f"category for their type: {', '.join(f'{k} {v}' for k, v in result['skipped_types'].items())}). Train "
        f"{split['n_train']} PRs merged {split['train_dates']}, test {split['n_test']} merged {split['test_dates']}.",
        "",
        *_table(result["in_repository"]),
        "",
        "## Across repositories: trained on vite, tested on three other projects",
        "",
        f"{result['cross_corpus']}: {cross['n_test']} categorised changelog entries of "
        f"{', '.join(f'{k} ({v})' for k, v in cross['repositories'].items())}; titles only (no body, no files). "
        f"Scored over the classes with at least {cross['min_support']} entries.",
        "",
        *_table(cross),
        "",
        f"Target: in-repository macro-F1 at least {result['target_macro_f1']:.2f} and, across repositories, a lead "
        f"above both baselines beyond the noise: **{'met' if result['target_met'] else 'NOT met'}**. Whole run "
        f"{result['seconds_total']:.0f} s (2 cores).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"JSONL corpus (default {CORPUS})")
    parser.add_argument("--cross-corpus", type=Path, default=CROSS_CORPUS, help="other repositories' entries")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for category_eval.{md,json}")
    parser.add_argument("--folds", action="store_true", help="validation folds inside the training part only")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        parser.error(f"no corpus at {args.corpus}: pass --corpus PATH to vite-prs.jsonl")
    rows, skipped = load_corpus(args.corpus)
    if args.folds:
        train, _ = time_split(rows)
        print(json.dumps(folds(train), indent=2))
        return 0
    cross, _ = load_cross_corpus(args.cross_corpus)
    result = report(rows, skipped, args.corpus, cross, args.cross_corpus)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "category_eval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "category_eval.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
