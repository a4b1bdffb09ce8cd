"""The PR models' inputs: changed paths as tokens, and columns only ever added for saved models."""

from __future__ import annotations

import pandas as pd

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.ml.inputs import model_inputs, path_tokens, prepare_features
from tests.factories import make_pr


def test_paths_become_extension_folder_test_and_manifest_tokens() -> None:
    tokens = path_tokens(["docs/guide/api.md", "packages/vite/src/__tests__/a.spec.ts", "pnpm-lock.yaml"]).split()
    assert tokens == [
        "ext:md",
        "dir:docs",
        "dir:docs/guide",
        "ext:ts",
        "dir:packages",
        "dir:packages/vite",
        "kind:test",
        "ext:yaml",
        "file:pnpm-lock.yaml",
    ]
    assert path_tokens([]) == path_tokens(None) == "path:none"


def test_prepared_features_keep_the_columns_earlier_champions_select() -> None:
    # Saved pipelines call prepare_features by name and select these columns: never rename or drop one.
    earlier = {"text", "tags", "log_lines_changed", "log_review_count", "log_review_comment_count", "log_claims"}
    assert earlier | {"log_linked_issues", "title", "paths"} <= set(prepare_features(pd.DataFrame([{}])).columns)


def test_model_inputs_carry_paths_and_review_texts_for_the_models() -> None:
    pr = make_pr()
    enriched = {**pr_features(pr), "summary": "s", "achievement": "a", "summariser": "offline"}
    row = model_inputs([pr], [enriched])[0]
    assert row["file_paths"] == [f["filename"] for f in pr["files"]]
    assert [r["state"] for r in row["reviews"]] == ["APPROVED", "COMMENTED"]
    assert row["review_comments"] == [{"author": "rev2", "body": "Consider a TTL"}]
