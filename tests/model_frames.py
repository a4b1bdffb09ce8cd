"""Synthetic model-input rows shaped like ``ml.inputs.model_inputs``: PR text, paths and review text.

Conventional-commit types drive the category weak labels, while titles, bodies, labels, areas and
paths carry the vocabulary the models learn; reviews carry states (the sentiment weak labels) and
words the sentiment model learns. Shared by the model tests.
"""

from __future__ import annotations

import random

import pandas as pd

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


# (state, body) of review verdicts and line comments: openers x topics gives many distinct texts.
_TOPICS = [
    "the parser change",
    "this helper",
    "the cache layer",
    "the new option",
    "the retry loop",
    "the docs",
    "the migration",
    "the error message",
    "the config schema",
    "the test fixtures",
    "the release script",
    "the public api",
    "the logging",
    "the date handling",
    "the windows path code",
    "the plugin hooks",
]
_APPROVALS = ["LGTM, thanks for", "Looks great:", "Nice work on", "Great cleanup of", "Approving; well done on"]
_CHANGE_REQUESTS = ["I'm worried about", "This breaks", "Please split out", "This is wrong in", "Risky:"]
_LINE_POSITIVE = ["Good catch in", "Nice, thanks for", "Love"]
_LINE_NEUTRAL = ["Could we rename", "Why do we need", "Should we move", "nit: a comment on"]
_LINE_NEGATIVE = ["This swallows errors in", "Confusing naming in", "Broken on windows:"]


def _reviews(rng: random.Random) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    reviews = []
    for _ in range(rng.randint(0, 2)):
        state, openers = rng.choice([("APPROVED", _APPROVALS), ("CHANGES_REQUESTED", _CHANGE_REQUESTS)])
        reviews.append({"author": "rev", "state": state, "body": f"{rng.choice(openers)} {rng.choice(_TOPICS)}"})
    comments = []
    for _ in range(rng.randint(0, 2)):
        openers = rng.choice([_LINE_POSITIVE, _LINE_NEUTRAL, _LINE_NEGATIVE])
        comments.append({"author": "rev", "body": f"{rng.choice(openers)} {rng.choice(_TOPICS)}?"})
    if rng.random() < 0.2:
        comments.append({"author": "codecov[bot]", "body": "Coverage is great, thanks!"})
    return reviews, comments


def _row(i: int, category: str, rng: random.Random) -> dict[str, object]:
    ctype, labels, areas, verbs, objects, phrases = _SPECS[category]
    # One title in five borrows its object from another category, as real titles often do.
    other = _SPECS[rng.choice(list(_SPECS))][4] if rng.random() < 0.2 else objects
    title = f"{rng.choice(verbs)} {rng.choice(other)} {rng.choice(_GENERIC)}".strip()
    body = f"{rng.choice(phrases)} {rng.choice(other)}. {rng.choice(_GENERIC)}"
    lines = int(rng.choice([4, 20, 80, 300, 1200]) * rng.uniform(0.6, 1.4))
    claims = [phrase for phrase in phrases if any(ch.isdigit() for ch in phrase)][: rng.randint(0, 2)]
    area = rng.choice(areas) if rng.random() < 0.7 else "src/core"
    reviews, comments = _reviews(rng)
    return {
        "pr_id": f"acme/widget#{i}",
        "merge_date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "clean_title": title,
        "body": body,
        "labels": list(labels) if rng.random() < 0.5 else [],
        "conventional_type": ctype,
        "areas": [area],
        "lines_changed": lines,
        "size_class": "xl" if lines >= 1000 else "l" if lines >= 250 else "m",
        "review_count": rng.randint(0, 4),
        "review_comment_count": rng.randint(0, 14),
        "claims": claims,
        "linked_issue_count": rng.choice([0, 0, 1, 1, 2, 3]),
        "file_paths": [f"{area.strip('()')}/file{i % 5}.{'md' if category == 'docs' else 'ts'}"],
        "reviews": reviews,
        "review_comments": comments,
    }


# Rows enough for both models to train: the newest fifth scores at least two classes with five rows each.
TRAINABLE_ROWS = 250


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
