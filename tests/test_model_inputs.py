"""The category model's inputs: words and changed-path facts that mean the same in any repository."""

from __future__ import annotations

import pandas as pd

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.ml.inputs import model_inputs, path_tokens, prepare_features
from tests.factories import make_pr


def test_paths_become_extension_and_kind_tokens_with_a_file_count() -> None:
    tokens = path_tokens(["docs/guide/api.md", "packages/vite/src/__tests__/a.spec.ts", "pnpm-lock.yaml"]).split()
    assert tokens == ["ext:md", "kind:docs", "ext:ts", "kind:test", "ext:yaml", "kind:lockfile", "files:2-3"]
    assert path_tokens([]) == path_tokens(None) == "path:none"


def test_folder_names_are_not_features_so_they_carry_to_any_repository() -> None:
    here = path_tokens(["packages/vite/src/node/server/index.ts", ".github/workflows/ci.yml"])
    elsewhere = path_tokens(["lib/pubsub/subscriber.ts", ".github/workflows/release.yml"])
    assert here == elsewhere == "ext:ts kind:source ext:yml kind:ci files:2-3"


def test_the_features_never_read_the_prefix_or_the_labels() -> None:
    row = {"clean_title": "handle empty config", "body": "", "file_paths": ["src/a.ts"]}
    plain = prepare_features(pd.DataFrame([row]))
    stated = prepare_features(pd.DataFrame([{**row, "conventional_type": "perf", "labels": ["security"]}]))
    pd.testing.assert_frame_equal(plain, stated)
    assert "perf" not in stated.to_string() and "security" not in stated.to_string()


def test_model_inputs_carry_paths_and_review_texts_for_the_models() -> None:
    pr = make_pr()
    enriched = {**pr_features(pr), "summary": "s", "achievement": "a", "summariser": "offline"}
    row = model_inputs([pr], [enriched])[0]
    assert row["file_paths"] == [f["filename"] for f in pr["files"]]
    assert [r["state"] for r in row["reviews"]] == ["APPROVED", "COMMENTED"]
    assert row["review_comments"] == [{"author": "rev2", "body": "Consider a TTL"}]
