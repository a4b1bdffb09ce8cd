"""The pr_models asset in Dagster: trains on the warehouse history and reports the champion comparison.

The warehouse is a stand-in serving fixed rows: the model tests cover training and promotion
(tests/test_models.py, tests/test_model_report.py), this covers the wiring of the asset and its check.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize

from achievement_pipeline.defs.training.assets import CHAMPION_CHECK, pr_models
from achievement_pipeline.ml import MODEL_NAMES
from achievement_pipeline.resources.mlflow import MlflowResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.model_frames import TRAINABLE_ROWS, make_frame

_PR_FIELDS = ("pr_id", "merge_date", "body", "labels", "reviews", "review_comments")


def _tables() -> dict[str, list[dict[str, object]]]:
    """pull_requests and enriched_prs rows as the warehouse returns them, from the synthetic frame."""
    prs, enriched = [], []
    for row in make_frame(TRAINABLE_ROWS).to_dict("records"):
        prs.append(
            {
                **{k: row[k] for k in _PR_FIELDS},
                "files": [{"filename": p} for p in row["file_paths"]],
                "linked_issues": list(range(row["linked_issue_count"])),
            }
        )
        enriched.append({k: v for k, v in row.items() if k not in ("body", "labels", "reviews", "review_comments")})
    return {"pull_requests": prs, "enriched_prs": enriched}


class _Rows:
    def __init__(self) -> None:
        self.tables = _tables()

    def read_all(self, table: str) -> list[dict[str, object]]:
        return self.tables[table]


class FixedWarehouse(WarehouseResource):
    def get(self) -> _Rows:  # type: ignore[override]
        return _Rows()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[object]]:
    """Two materializations on the same warehouse rows, into one registry."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("MLFLOW_TRACKING_URI", raising=False)
        env.setenv("ACHIEVEMENT_HOME", str(tmp_path_factory.mktemp("home")))
        resources = {"warehouse": FixedWarehouse(), "mlflow": MlflowResource()}
        results = []
        with DagsterInstance.ephemeral() as instance:
            for _ in range(2):
                result = materialize([pr_models], resources=resources, instance=instance)
                assert result.success
                results.append(result)
        yield results


@pytest.fixture(scope="module")
def check(runs: list[object]) -> object:
    """The champion_comparison evaluation of the first materialization."""
    (evaluation,) = runs[0].get_asset_check_evaluations()
    return evaluation


def test_training_reports_the_champion_comparison_as_a_passing_check(check) -> None:
    assert check.check_name == CHAMPION_CHECK and check.passed and check.severity == AssetCheckSeverity.WARN
    for name in MODEL_NAMES:
        assert check.metadata[f"{name}_winner_version"].value == "1"
        assert check.metadata[f"{name}_candidate_macro_f1"].value > 0
    # The first category model had to beat the shipped base model; sentiment had no incumbent.
    assert check.metadata["pr-category_basis"].value == "base model"
    assert check.metadata["pr-review-sentiment_basis"].value == "no champion"
    assert "| pr-review-sentiment | v1 (candidate) |" in check.metadata["comparison"].value


def test_materializing_again_on_the_same_rows_reports_unchanged_champions_kept(runs: list[object]) -> None:
    (evaluation,) = runs[1].get_asset_check_evaluations()
    (materialization,) = runs[1].asset_materializations_for_node("pr_models")
    assert evaluation.passed
    for name in MODEL_NAMES:
        assert materialization.metadata[f"{name}_status"].value == "unchanged, champion kept"
        assert materialization.metadata[f"{name}_version"].value == "1"
        assert evaluation.metadata[f"{name}_basis"].value == "unchanged"
    assert "**pr-category**: unchanged, champion v1 kept" in evaluation.metadata["comparison"].value
