"""The portfolio says where each category and impact tier came from: stated, predicted, or uncertain."""

from __future__ import annotations

from typing import Any

from achievement_pipeline.export.reports.classification import classification_note
from achievement_pipeline.export.reports.views import portfolio_view

BASE = "pr-category-base:vite-2026-08-22"


def _pr(basis: str, version: str = BASE, **extra: Any) -> dict[str, Any]:
    return {"category_basis": basis, "model": {"category": version}, **extra}


def test_stated_categories_are_counted_by_who_stated_them() -> None:
    note = classification_note({"achievements": [_pr("prefix"), _pr("prefix"), _pr("label")]})
    assert note.startswith("Categories: 2 as your conventional prefix states; 1 as a pull request label states.")
    assert "predicted" not in note


def test_predictions_by_the_base_model_say_why_it_was_used() -> None:
    note = classification_note({"achievements": [_pr("prefix"), _pr("model"), _pr("uncertain")]})
    assert "1 predicted by the base model shipped with the pipeline (vite-2026-08-22), trained on public" in note
    assert "not yet enough labelled pull requests of your own" in note
    assert "1 shown as uncertain, where that model had too low a measured chance of being right" in note


def test_predictions_by_a_persons_own_model_name_its_version() -> None:
    note = classification_note({"achievements": [_pr("model", "pr-category:3")]})
    assert "1 predicted by your own model (pr-category v3), trained on your labelled pull requests" in note


def test_only_uncertain_guesses_still_name_the_model() -> None:
    note = classification_note({"achievements": [_pr("uncertain")]})
    assert "1 shown as uncertain, where the base model shipped with the pipeline" in note
    assert "0 predicted" not in note


def test_impact_is_described_as_a_checkable_scorecard() -> None:
    assert "Impact is a scorecard of points a reader can check" in classification_note(
        {"achievements": [_pr("prefix")]}
    )


def _card(portfolio_achievement: dict[str, Any]) -> dict[str, Any]:
    view = portfolio_view({"achievements": [portfolio_achievement], "window": {}, "totals": {}}, top_n=5, max_rows=5)
    return view["top"][0]


def test_a_card_lists_each_scorecard_point_with_its_evidence() -> None:
    evidence = [{"evidence": "closes 1 issue", "points": 1}, {"evidence": "performance work", "points": 2}]
    card = _card(_pr("prefix", category="performance", impact="medium", impact_evidence=evidence))
    assert card["impact_scorecard"] == "3 points: closes 1 issue +1; performance work +2"


def test_a_card_with_no_scorecard_points_says_what_it_lacked() -> None:
    card = _card(_pr("prefix", category="fix", impact="low", impact_evidence=[]))
    assert card["impact_scorecard"].startswith("0 points: under 250 lines, no measurable claim")


def test_a_stated_category_is_not_credited_to_the_model() -> None:
    assert _card(_pr("prefix", category="fix"))["model"] == ""
    assert _card(_pr("model", category="fix"))["model"] != ""
