"""Which category the portfolio shows: what the author stated, a confident prediction, or "uncertain".

One rule, applied in the predict stage so the value stage and every export see the same answer:

1. The PR's conventional prefix or a GitHub label states a category (``ml.labels``): that is the
   category, whatever the model says. A prediction never overrides a person's explicit choice.
2. Otherwise the model's top class, when its calibrated confidence (``ml.calibration``: the
   measured chance of being right) is at least the ledger's ``category_min_confidence``.
3. Otherwise ``uncertain``: the portfolio says so, and names the model's guess and its chance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from achievement_pipeline.core.records import UNCERTAIN
from achievement_pipeline.ml.labels import explicit_category

MODEL_BASIS = "model"
UNCERTAIN_BASIS = "uncertain"


@dataclass(frozen=True)
class CategoryChoice:
    category: str  # one of records.SHOWN_CATEGORIES
    basis: str  # one of records.CATEGORY_BASES


def choose_category(
    conventional_type: str | None, labels: Iterable[str] | None, predicted: str, confidence: float, threshold: float
) -> CategoryChoice:
    stated = explicit_category(conventional_type, labels)
    if stated is not None:
        return CategoryChoice(stated.category, stated.basis)
    if predicted and confidence >= threshold:
        return CategoryChoice(predicted, MODEL_BASIS)
    return CategoryChoice(UNCERTAIN, UNCERTAIN_BASIS)


def describe_category(category: str, basis: str, predicted: str, confidence: float, version: str) -> str:
    """One sentence a sceptic can check: where the shown category came from (one wording for every format)."""
    if basis == "prefix":
        return f"{category}, as the PR title's conventional prefix states"
    if basis == "label":
        return f"{category}, as the PR's GitHub label states"
    chance = f"{confidence:.0%} measured chance of being right"
    if basis == MODEL_BASIS:
        return f"{category}, predicted by {version} ({chance})"
    return f"uncertain: {version}'s best guess, {predicted}, has a {chance}, too low to show as fact"


def describe_impact(impact: str, points: int, evidence: Iterable[dict[str, object]]) -> str:
    """The scorecard behind an impact tier: "medium impact, 3 points: closes 1 issue +1; …"."""
    items = "; ".join(f"{item['evidence']} +{item['points']}" for item in evidence)
    return f"{impact} impact, {points} scorecard point{'s' if points != 1 else ''}" + (f": {items}" if items else "")
