"""The champion comparison report: which version won per model, by how much, and when to warn."""

from __future__ import annotations

from achievement_pipeline.ml import ModelOutcome, TrainingResult
from achievement_pipeline.ml.report import champion_report


def _outcome(name: str, version: str, f1: float, champion: str | None, champion_f1: float | None, **kw) -> ModelOutcome:
    promoted = kw.get("promoted", champion_f1 is None or f1 > champion_f1)
    return ModelOutcome(
        name=name,
        version=version,
        run_id="r",
        metrics={"holdout_macro_f1": f1, **kw.get("metrics", {})},
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
            _outcome("pr-review-sentiment", "3", 0.60, "1", 0.64),
        )
    )
    assert report.passed
    assert report.numbers["pr-category_winner_version"] == "3"
    assert report.numbers["pr-category_margin"] == 0.80 - 0.75
    assert report.numbers["pr-review-sentiment_winner_version"] == "1"
    assert "candidate v3 beat champion v2 by +0.050 macro-F1" in report.markdown
    assert "champion v1 kept: candidate v3 trailed by -0.040 macro-F1" in report.markdown
    assert "| pr-category | v3 (candidate) | v3 | 0.800 | v2 | 0.750 | +0.050 | same holdout |" in report.markdown


def test_the_first_champion_is_reported_with_its_holdout_score() -> None:
    report = champion_report(_result(_outcome("pr-review-sentiment", "1", 0.70, None, None)))
    assert report.numbers["pr-review-sentiment_champion_macro_f1"] is None
    assert "v1 is the first champion (holdout macro-F1 0.700)" in report.markdown


def test_a_lead_within_the_noise_keeps_the_champion_and_says_so() -> None:
    noise = {"macro_f1_margin_low": -0.01, "macro_f1_margin_high": 0.05}
    report = champion_report(_result(_outcome("pr-category", "4", 0.82, "3", 0.80, promoted=False, metrics=noise)))
    assert report.numbers["pr-category_winner_version"] == "3"
    assert (
        "champion v3 kept: candidate v4 led by +0.020 macro-F1 (90% interval [-0.010, +0.050]), "
        "within the holdout's noise" in report.markdown
    )


def test_a_first_candidate_is_compared_with_the_shipped_base_model() -> None:
    noise = {"macro_f1_margin_low": 0.05, "macro_f1_margin_high": 0.15}
    report = champion_report(
        _result(_outcome("pr-category", "1", 0.80, "base", 0.70, basis="base model", metrics=noise))
    )
    assert report.passed
    assert "candidate v1 beat the shipped base model by +0.100 macro-F1" in report.markdown
    assert "| pr-category | v1 (candidate) | v1 | 0.800 | base model | 0.700 | +0.100 | base model |" in report.markdown


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
