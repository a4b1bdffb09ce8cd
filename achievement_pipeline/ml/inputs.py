"""The model inputs: which raw columns the models read and how rows become feature columns.

:func:`model_inputs` joins the warehouse's PR and enriched rows into model-input rows (the
training asset and the predict stage both call it). Then two steps, shared by training and
serving so they can never drift apart:
:func:`feature_frame` normalises raw enriched-PR rows into :data:`FEATURE_COLUMNS` (fixed order,
empty defaults), and :func:`prepare_features` (the first step inside every pipeline) turns
those columns into text, tags and log counts. Because :func:`prepare_features` is stored inside
the saved models, its import path is part of the model format: see :data:`SKOPS_TRUSTED_TYPES`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from achievement_pipeline.ml.coerce import as_int, as_list, is_missing

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


# The raw columns the pipelines read. ``conventional_type`` is deliberately absent: it is the
# source of the category labels, so feeding it to the model would teach it to copy the rule.
FEATURE_COLUMNS: tuple[str, ...] = (
    "clean_title",
    "body",
    "labels",
    "areas",
    "lines_changed",
    "review_count",
    "review_comment_count",
    "claims",
    "linked_issue_count",
    "file_paths",
)

# skops (MLflow's default, safe format) refuses unknown callables on load; the only one in our
# pipelines is the feature-preparation function below. A fixed allow-list, not one computed from
# the model, so a tampered artifact cannot whitelist itself.
SKOPS_TRUSTED_TYPES: list[str] = [f"{__name__}.prepare_features"]

_MAX_PATHS = 200  # a 2,000-file rename says no more about its kind than its first 200 paths
# Manifests and lockfiles whose presence says "dependencies" or "build" whatever else changed.
_MANIFESTS = frozenset(
    {
        "package.json",
        "package-lock.json",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        "yarn.lock",
        "pyproject.toml",
        "requirements.txt",
        "poetry.lock",
        "uv.lock",
        "go.mod",
        "go.sum",
        "cargo.toml",
        "cargo.lock",
        "dockerfile",
        "makefile",
    }
)
_TEST_PATH = re.compile(r"(^|/)(__tests__|tests?|spec|e2e)/|\.(test|spec)\.[a-z0-9]+$", re.I)

NUMERIC_FEATURES: tuple[str, ...] = (
    "log_lines_changed",
    "log_review_count",
    "log_review_comment_count",
    "log_claims",
    "log_linked_issues",
)


def _tag_tokens(prefix: str, values: Any) -> str:
    """One token per tag ("label:type:_bug area:packages/vite"), whitespace inside a tag joined.

    No tags at all becomes "label:none": the absence is a signal too, and it keeps the tag
    vocabulary non-empty when a repository never labels its PRs (TF-IDF refuses to fit on none).
    """
    tokens = [f"{prefix}:{'_'.join(str(v).lower().split())}" for v in as_list(values) if str(v).strip()]
    return " ".join(tokens) or f"{prefix}:none"


def path_tokens(paths: Any) -> str:
    """One token per fact about each changed path: extension, the first two folders, test file, manifest.

    "docs/guide/api.md" → "ext:md dir:docs dir:docs/guide". The kind of a change often shows in
    *where* it is (docs/, __tests__/, .github/workflows/, a lockfile) more than in its title.
    No paths at all is "path:none", as for tags.
    """
    tokens: list[str] = []
    for path in as_list(paths)[:_MAX_PATHS]:
        parts = [p for p in str(path).split("/") if p]
        if not parts:
            continue
        name = parts[-1].lower()
        tokens.append(f"ext:{name.rsplit('.', 1)[1] if '.' in name.strip('.') else 'none'}")
        tokens += [f"dir:{'/'.join(parts[:depth])}" for depth in range(1, min(3, len(parts)))]
        if _TEST_PATH.search(str(path)):
            tokens.append("kind:test")
        if name in _MANIFESTS:
            tokens.append(f"file:{name}")
    return " ".join(tokens) or "path:none"


def prepare_features(df: pd.DataFrame) -> pd.DataFrame:
    """Turn raw enriched-PR rows into the model's columns (text, tags, log counts).

    Lives inside the pipeline (as a FunctionTransformer) so the logged model takes the same
    raw rows the pipeline stores, with no separate preprocessing step to keep in sync. Missing
    columns become empty values rather than errors: older partitions may lack newer fields.
    It never reads ``conventional_type``.

    Saved models call this function by name, so columns are only ever *added* here: a champion
    trained before a column existed selects the columns it knows and ignores the rest.
    """
    import numpy as np
    import pandas as pd

    def column(name: str, default: Any) -> pd.Series:
        if name in df.columns:
            return df[name]
        return pd.Series([default] * len(df), index=df.index, dtype=object)

    def log_count(values: pd.Series) -> np.ndarray:
        return np.log1p(np.array([max(as_int(v), 0) for v in values], dtype=float))

    titles = column("clean_title", "").map(lambda v: "" if is_missing(v) else str(v))
    bodies = column("body", "").map(lambda v: "" if is_missing(v) else str(v))
    out = pd.DataFrame(index=df.index)
    out["text"] = (titles + " \n " + bodies).astype(str)
    out["title"] = titles.astype(str)
    out["paths"] = [path_tokens(paths) for paths in column("file_paths", None)]
    out["tags"] = [
        f"{_tag_tokens('label', labels)} {_tag_tokens('area', areas)}".strip()
        for labels, areas in zip(column("labels", None), column("areas", None), strict=True)
    ]
    out["log_lines_changed"] = log_count(column("lines_changed", 0))
    out["log_review_count"] = log_count(column("review_count", 0))
    out["log_review_comment_count"] = log_count(column("review_comment_count", 0))
    out["log_claims"] = np.log1p(np.array([len(as_list(v)) for v in column("claims", None)], dtype=float))
    out["log_linked_issues"] = log_count(column("linked_issue_count", 0))
    return out


_LIST_COLUMNS: tuple[str, ...] = ("labels", "areas", "claims", "file_paths")


def feature_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The raw feature columns in a fixed order, with empty defaults for absent ones."""
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    for name in FEATURE_COLUMNS:
        if name in df.columns:
            out[name] = df[name]
        elif name in _LIST_COLUMNS:
            out[name] = [[] for _ in range(len(df))]
        elif name in ("clean_title", "body"):
            out[name] = ""
        else:
            out[name] = 0
    for name in _LIST_COLUMNS:
        out[name] = out[name].map(lambda v: [str(x) for x in as_list(v)])
    for name in ("clean_title", "body"):
        out[name] = out[name].map(lambda v: "" if is_missing(v) else str(v))
    for name in ("lines_changed", "review_count", "review_comment_count", "linked_issue_count"):
        out[name] = out[name].map(as_int).astype("int64")
    return out
