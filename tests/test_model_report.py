"""The champion comparison report: which version won per model, by how much, and when to warn."""

from __future__ import annotations

from achievement_pipeline.ml import ModelOutcome, TrainingResult
from achievement_pipeline.ml.report import champion_report


def _outcome(name: str, version: str, f1: float, champion: str | None, champion_f1: float | None, **kw) -> ModelOutcome:
    promoted = champion_f1 is None or f1 > champion_f1
    return ModelOutcome(
        name=name,
        version=version,
        run_id="r",
        metrics={"holdout_macro_f1": f1},
        promoted=promoted,
        previous_champion_version=champion,
        previous_champion_macro_f1=champion_f1,
        n_train=30,
        n_holdout=10,
        class_counts={},
        comparison_basis=kw.get("basis", "no champion" if champion is None else "same holdout"),
        comparison_note=kw.get("note", ""),
    )


def _result(*outcomes: ModelOutcome, skipped: dict[str, str] | None = None) -> TrainingResult:
    return TrainingResult(
        {o.name: o for o in outcomes},
        n_rows=40,
        n_category_labelled=40,
        tracking_uri="x",
        experiment_id="1",
        skipped=skipped or {},
    )


def test_the_report_names_the_winner_and_the_margin_per_model() -> None:
    report = champion_report(
        _result(
            _outcome("pr-category", "3", 0.80, "2", 0.75),
            _outcome("pr-impact", "3", 0.60, "1", 0.64),
            _outcome("pr-review-sentiment", "1", 0.70, None, None),
        )
    )
    assert report.passed
    assert report.numbers["pr-category_winner_version"] == "3"
    assert report.numbers["pr-category_margin"] == 0.80 - 0.75
    assert report.numbers["pr-impact_winner_version"] == "1"
    assert report.numbers["pr-review-sentiment_champion_macro_f1"] is None
    assert "candidate v3 beat champion v2 by +0.050 macro-F1" in report.markdown
    assert "champion v1 kept: candidate v3 trailed by -0.040 macro-F1" in report.markdown
    assert "v1 is the first champion (holdout macro-F1 0.700)" in report.markdown
    assert "| pr-category | v3 (candidate) | v3 | 0.800 | v2 | 0.750 | +0.050 | same holdout |" in report.markdown


def test_a_tie_is_reported_as_a_kept_champion() -> None:
    report = champion_report(_result(_outcome("pr-category", "4", 0.8, "3", 0.8)))
    assert report.numbers["pr-category_winner_version"] == "3" and report.numbers["pr-category_margin"] == 0.0
    assert "champion v3 kept: candidate v4 tied" in report.markdown


def test_a_comparison_on_a_logged_score_fails_the_check_with_its_reason() -> None:
    note = "champion could not be scored on the new holdout: MlflowException: No such artifact"
    report = champion_report(_result(_outcome("pr-category", "4", 0.8, "3", 0.7, basis="logged metric", note=note)))
    assert not report.passed
    assert report.numbers["pr-category_basis"] == "logged metric"
    assert note in report.markdown


def test_an_unchanged_model_passes_and_says_the_champion_was_kept() -> None:
    note = "champion v2 was trained on the same rows and code (fingerprint 0123456789ab): nothing registered"
    report = champion_report(_result(_outcome("pr-category", "2", 0.8, "2", 0.8, basis="unchanged", note=note)))
    assert report.passed
    assert report.numbers["pr-category_status"] == "unchanged, champion kept"
    assert f"- **pr-category**: unchanged, champion v2 kept ({note})" in report.markdown


def test_a_skipped_model_fails_the_check_with_its_reason() -> None:
    reason = "cannot train pr-review-sentiment: found 3 distinct review texts (of 40 PRs) ..."
    report = champion_report(
        _result(_outcome("pr-category", "1", 0.8, None, None), skipped={"pr-review-sentiment": reason})
    )
    assert not report.passed
    assert report.numbers["pr-review-sentiment_skipped_reason"] == reason
    assert report.numbers["pr-category_status"] == "trained"
    assert f"- **pr-review-sentiment**: skipped, too little data: {reason}" in report.markdown
