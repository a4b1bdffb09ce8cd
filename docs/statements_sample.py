"""Refresh docs/statements-sample.md: what the offline summariser writes for real and demo PR titles.

    .venv/bin/python docs/statements_sample.py

Takes every Nth PR of the demo history (seed 42) and of the vite corpus (../shared/data/vite-prs.jsonl, 6,383
merged PRs of vitejs/vite; left out when absent), builds its facts the way the enrich stage does, and writes the
title, the one-line statement and the STAR story of each, with the grammar check's verdict.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from achievement_pipeline.enrich.features import pr_features  # noqa: E402
from achievement_pipeline.enrich.grammar import problems  # noqa: E402
from achievement_pipeline.enrich.narrative import pr_facts  # noqa: E402
from achievement_pipeline.enrich.summariser import offline_narrative  # noqa: E402
from achievement_pipeline.fakes.github.history import generate_history  # noqa: E402
from tests.factories import pr_from_corpus, pr_from_fake  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
OUTPUT = ROOT / "docs" / "statements-sample.md"
PER_SOURCE = 30


def every_nth(items: list, count: int) -> list:
    """``count`` items spread evenly over ``items``, the same ones every run."""
    step = max(1, len(items) // count)
    return items[::step][:count]


def _text(text: str) -> str:
    """Generated text for Markdown: its code spans kept, outside them the characters that would start markup escaped."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if part.startswith("`") else re.sub(r"([\\*<>\[\]|])", r"\\\1", part) for part in parts)


def _title(title: str) -> str:
    fence = "``" if "`" in title else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{title}{pad}{fence}"


def entry(pr: dict) -> str:
    facts = pr_facts(pr, pr_features(pr))
    written = offline_narrative(facts)
    star = written.star
    found = [p for text in written.texts()[:6] for p in problems(text, facts["repository"])]
    verdict = "" if not found else f"\n  - **grammar check:** {_text('; '.join(found))}"
    return (
        f"- {_title(pr['title'])} ({pr['pr_id']})\n"
        f"  - **statement:** {_text(written.achievement)}\n"
        f"  - **STAR:** *S* {_text(star.situation)} *T* {_text(star.task)} *A* {_text(star.action)} "
        f"*R* {_text(star.result)}{verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="vite-prs.jsonl")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    sections = [
        ("The demo history (`generate_history(seed=42)`)", [pr_from_fake(p) for p in generate_history(seed=42).pulls])
    ]
    if args.corpus.is_file():
        rows = [json.loads(line) for line in args.corpus.read_text().splitlines() if line.strip()]
        sections.append((f"vitejs/vite ({len(rows):,} merged PRs)", [pr_from_corpus(r) for r in rows]))
    lines = [
        "# Offline statements: a sample",
        "",
        "What the offline summariser (`achievement_pipeline/enrich/summariser.py`) writes for PR titles of every "
        "shape: each PR's title, its one-line achievement statement and its STAR story (*S*ituation, *T*ask, "
        "*A*ction, *R*esult). Every Nth PR of each source, so the sample is the same on every run; every text "
        "passes the grammar check (`achievement_pipeline/enrich/grammar.py`) unless a line below says otherwise.",
        "Refreshed with `.venv/bin/python docs/statements_sample.py`.",
    ]
    for heading, prs in sections:
        chosen = every_nth(prs, PER_SOURCE)
        lines += ["", f"## {heading}: {len(chosen)} of {len(prs)}", "", *[entry(pr) for pr in chosen]]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"{sum(len(every_nth(p, PER_SOURCE)) for _, p in sections)} PRs written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
