"""Build the shipped base category model from vite's public PRs (MIT): ``achievement_pipeline/ml/base/``.

The base model is what a person with little or no labelled history of their own gets (see
``achievement_pipeline.ml.base_model``). It is the production category pipeline with its
per-class confidence curves (``ml.calibration.calibrated_fit``), fitted on every labelled PR of
``../shared/data/vite-prs.jsonl`` (the same rows and labels as ``bench/eval_category.py``), saved
in skops' safe format, with a card naming the corpus, its licence, the classes and the figures of
the last ``bench/eval_category.py`` run (``bench/results/category_eval.json``).

    .venv/bin/python bench/eval_category.py     # measure first: the card quotes its figures
    .venv/bin/python bench/build_base_model.py  # then rebuild the shipped model
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from eval_category import CORPUS, RESULTS, SEED, _frame, load_corpus  # noqa: E402

from achievement_pipeline.ml.base_model import BASE_CARD_FILE, BASE_MODEL_FILE  # noqa: E402
from achievement_pipeline.ml.category_fit import TITLE_ONLY_PERCENT, fit_category_model  # noqa: E402
from achievement_pipeline.ml.inputs import SKOPS_TRUSTED_TYPES  # noqa: E402
from achievement_pipeline.ml.pipelines import compact_vocabularies  # noqa: E402


def _figures() -> dict[str, object]:
    path = RESULTS / "category_eval.json"
    if not path.is_file():
        return {}
    result = json.loads(path.read_text(encoding="utf-8"))
    return {
        "measured_at": result["measured_at"],
        "in_repository_macro_f1": result["in_repository"]["model"]["macro_f1"],
        "cross_repository_macro_f1": result["cross_repository"]["model"]["macro_f1"],
        "source": "bench/results/category_eval.json",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    import skops.io

    rows, _ = load_corpus(args.corpus)
    rows.sort(key=lambda r: (r["merged_at"], r["pr_id"]))
    labels = [r["label"] for r in rows]
    model, reliability = fit_category_model(_frame(rows), labels, SEED)
    compact_vocabularies(model)
    BASE_MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    skops.io.dump(model, BASE_MODEL_FILE, compression=8)  # ZIP_DEFLATED
    untrusted = set(skops.io.get_untrusted_types(file=BASE_MODEL_FILE))
    assert untrusted <= set(SKOPS_TRUSTED_TYPES), untrusted
    built = datetime.now(UTC)
    card = {
        "id": f"vite-{rows[-1]['merge_date']}",
        "built_at": built.strftime("%Y-%m-%d %H:%M UTC"),
        "corpus": "vitejs/vite merged pull requests (../shared/data/vite-prs.jsonl)",
        "licence": "MIT (vite's licence; the corpus is its public PR history)",
        "n_rows": len(rows),
        "merged": f"{rows[0]['merge_date']} .. {rows[-1]['merge_date']}",
        "labels": "conventional-commit type of each title (achievement_pipeline.ml.labels)",
        "class_counts": dict(sorted(Counter(labels).items())),
        "title_only_percent": TITLE_ONLY_PERCENT,
        "reliability": reliability,
        "figures": _figures(),
        "command": "python bench/build_base_model.py",
    }
    BASE_CARD_FILE.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {BASE_MODEL_FILE} ({BASE_MODEL_FILE.stat().st_size / 1e6:.1f} MB) and {BASE_CARD_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
