"""The model inputs: which raw columns the models read and how rows become feature columns.

:func:`model_inputs` joins the warehouse's PR and enriched rows into model-input rows (the
training asset and the predict stage both call it). Then two steps, shared by training and
serving so they can never drift apart:
:func:`feature_frame` normalises raw enriched-PR rows into :data:`FEATURE_COLUMNS` (fixed order,
empty defaults), and :func:`prepare_features` (the first step inside every pipeline) turns
those columns into the text and path tokens the vectorisers read. Because :func:`prepare_features` is stored inside
the saved models, its import path is part of the model format: see :data:`SKOPS_TRUSTED_TYPES`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from achievement_pipeline.ml.coerce import as_list, is_missing

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

MODEL_INPUT_COLUMNS = (
    "pr_id",
    "merge_date",
    "clean_title",
    "body",
    "labels",
    "conventional_type",
    "areas",
    "lines_changed",
    "size_class",
    "review_count",
    "review_comment_count",
    "claims",
    "linked_issue_count",
    "file_paths",
    "reviews",
    "review_comments",
)


def model_inputs(prs: list[dict[str, object]], enriched: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows the models read, in training and in predict: enriched features plus the PR's own text and paths.

    ``reviews`` ({author, state, body}) and ``review_comments`` ({author, body}) feed the review
    sentiment model; ``file_paths`` feeds the category model (docs/, tests/, .github/ say a lot).
    """
    by_id = {pr["pr_id"]: pr for pr in prs}
    rows = []
    for row in enriched:
        pr = by_id.get(row["pr_id"])
        if pr is None:
            continue
        merged = {
            **row,
            "body": pr["body"],
            "labels": pr["labels"],
            "linked_issue_count": len(pr["linked_issues"]),
            "file_paths": [f["filename"] for f in pr.get("files") or []],
            "reviews": [
                {"author": r.get("author", ""), "state": r.get("state", ""), "body": r.get("body") or ""}
                for r in pr.get("reviews") or []
            ],
            "review_comments": [
                {"author": c.get("author", ""), "body": c.get("body") or ""} for c in pr.get("review_comments") or []
            ],
        }  # type: ignore[arg-type]
        rows.append({column: merged[column] for column in MODEL_INPUT_COLUMNS})
    return rows


# The raw columns the category model reads. ``conventional_type`` and ``labels`` are deliberately
# absent: they are where the category labels come from (``ml.labels``), so feeding them to the
# model would teach it to copy the rule. ``areas`` and folder names are absent too: they are
# this repository's vocabulary ("packages/vite"), meaningless in the next one.
FEATURE_COLUMNS: tuple[str, ...] = ("clean_title", "body", "file_paths")

# skops (MLflow's default, safe format) refuses unknown callables and classes on load; these are
# the only ones in our models. A fixed allow-list, not one computed from the model, so a tampered
# artifact cannot whitelist itself.
SKOPS_TRUSTED_TYPES: list[str] = [
    f"{__name__}.prepare_features",
    "achievement_pipeline.ml.calibration.ConfidenceCalibratedClassifier",
]

_MAX_PATHS = 200  # a 2,000-file rename says no more about its kind than its first 200 paths
# What a changed path is, in words that mean the same in any repository. First match per kind;
# a path may be of several kinds (a test fixture's package.json), and "source" when of none.
_PATH_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("docs", re.compile(r"(^|/)(docs?|documentation|website|site)/|\.(md|mdx|rst|adoc|txt)$", re.I)),
    (
        "test",
        re.compile(
            r"(^|/)(__tests__|__snapshots__|tests?|spec|specs|e2e|fixtures?|testdata|playgrounds?)/|[._-](test|spec)\.[a-z0-9]+$",
            re.I,
        ),
    ),
    ("example", re.compile(r"(^|/)(examples?|demos?|samples?)/", re.I)),
    (
        "ci",
        re.compile(
            r"(^|/)\.(github|circleci|gitlab|buildkite)/|(^|/)(\.gitlab-ci\.yml|\.travis\.yml|azure-pipelines\.yml|jenkinsfile|codecov\.yml)$",
            re.I,
        ),
    ),
    (
        "manifest",
        re.compile(
            r"(^|/)(package\.json|pnpm-workspace\.yaml|pyproject\.toml|setup\.(py|cfg)|requirements[^/]*\.txt|go\.mod|"
            r"cargo\.toml|gemfile|pom\.xml|build\.gradle(\.kts)?|composer\.json|[^/]+\.csproj)$",
            re.I,
        ),
    ),
    (
        "lockfile",
        re.compile(
            r"(^|/)(pnpm-lock\.yaml|package-lock\.json|yarn\.lock|poetry\.lock|uv\.lock|pdm\.lock|go\.sum|"
            r"cargo\.lock|gemfile\.lock|composer\.lock)$",
            re.I,
        ),
    ),
    (
        "build",
        re.compile(
            r"(^|/)(dockerfile|makefile|[^/]*\.dockerfile|rollup\.config\.[a-z]+|webpack\.config\.[a-z]+|scripts?/)",
            re.I,
        ),
    ),
    (
        "config",
        re.compile(
            r"(^|/)(\.[^/]+rc(\.[a-z]+)?|[^/]*\.config\.[a-z]+|tsconfig[^/]*\.json|\.editorconfig|\.gitignore|\.gitattributes)$",
            re.I,
        ),
    ),
    ("changelog", re.compile(r"(^|/)(changelog|changes|history|news|release[-_]notes)(\.[a-z]+)?$", re.I)),
    (
        "generated",
        re.compile(r"(^|/)(dist|build|vendor|generated|gen)/|\.(min\.js|map|snap|lock)$|_pb2\.py$|\.pb\.go$", re.I),
    ),
)


def _files_bucket(n: int) -> str:
    return "files:1" if n <= 1 else "files:2-3" if n <= 3 else "files:4-10" if n <= 10 else "files:many"


def path_tokens(paths: Any) -> str:
    """One token per fact about each changed path that holds in any repository: extension and kind.

    "docs/guide/api.md" → "ext:md kind:docs"; ".github/workflows/ci.yml" → "ext:yml kind:ci"; a
    source file is "kind:source". Plus how many files changed, in four buckets. Folder names are
    left out on purpose: trained on one repository's folders, a model predicted ``test`` for 95% of
    another repository's fixes. No paths at all is "path:none".
    """
    listed = [str(path) for path in as_list(paths) if str(path).strip("/")]
    tokens: list[str] = []
    for path in listed[:_MAX_PATHS]:
        name = path.rstrip("/").rsplit("/", 1)[-1].lower()
        tokens.append(f"ext:{name.rsplit('.', 1)[1] if '.' in name.strip('.') else 'none'}")
        kinds = [kind for kind, pattern in _PATH_KINDS if pattern.search(path)]
        tokens += [f"kind:{kind}" for kind in kinds or ["source"]]
    if not listed:
        return "path:none"
    return " ".join([*tokens, _files_bucket(len(listed))])


def prepare_features(df: pd.DataFrame) -> pd.DataFrame:
    """Turn raw enriched-PR rows into the model's columns: ``text`` (title and body), ``title``, ``paths``.

    Lives inside the pipeline (as a FunctionTransformer) so the logged model takes the same
    raw rows the pipeline stores, with no separate preprocessing step to keep in sync. Missing
    columns become empty values rather than errors: older partitions may lack newer fields.
    It never reads ``conventional_type`` or ``labels`` (see :data:`FEATURE_COLUMNS`).
    """
    import pandas as pd

    def column(name: str, default: Any) -> pd.Series:
        if name in df.columns:
            return df[name]
        return pd.Series([default] * len(df), index=df.index, dtype=object)

    titles = column("clean_title", "").map(lambda v: "" if is_missing(v) else str(v))
    bodies = column("body", "").map(lambda v: "" if is_missing(v) else str(v))
    out = pd.DataFrame(index=df.index)
    out["text"] = (titles + " \n " + bodies).astype(str)
    out["title"] = titles.astype(str)
    out["paths"] = [path_tokens(paths) for paths in column("file_paths", None)]
    return out


_LIST_COLUMNS: tuple[str, ...] = ("file_paths",)


def feature_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The raw feature columns in a fixed order, with empty defaults for absent ones."""
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    for name in FEATURE_COLUMNS:
        if name in df.columns:
            out[name] = df[name]
        elif name in _LIST_COLUMNS:
            out[name] = [[] for _ in range(len(df))]
        else:
            out[name] = ""
    for name in _LIST_COLUMNS:
        out[name] = out[name].map(lambda v: [str(x) for x in as_list(v)])
    for name in ("clean_title", "body"):
        out[name] = out[name].map(lambda v: "" if is_missing(v) else str(v))
    return out
