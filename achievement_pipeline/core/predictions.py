"""How a shown category and an impact tier are spoken of, in one wording for every stage and format.

The predict stage decides (``ml.category_choice``, ``ml.impact_scorecard``); the value stage and
the exports only say what was decided. Keeping the names and sentences here lets them do that
without reaching into the ML package.
"""

from __future__ import annotations

from collections.abc import Iterable

# Where a shown category comes from (records.CATEGORY_BASES lists them in this order).
PREFIX_BASIS = "prefix"  # the title's conventional-commit type says the category
LABEL_BASIS = "label"  # a GitHub label says it
MODEL_BASIS = "model"  # the model, confident enough to show its answer as the category
UNCERTAIN_BASIS = "uncertain"  # the model, not confident enough: the category reads "uncertain"

# The impact rule's name and version, recorded with every prediction it made.
SCORECARD_VERSION = "impact-scorecard-v1"


def describe_category(category: str, basis: str, predicted: str, confidence: float, version: str) -> str:
    """One sentence a sceptic can check: where the shown category came from."""
    if basis == PREFIX_BASIS:
        return f"{category}, as the PR title's conventional prefix states"
    if basis == LABEL_BASIS:
        return f"{category}, as the PR's GitHub label states"
    chance = f"{confidence:.0%} measured chance of being right"
    if basis == MODEL_BASIS:
        return f"{category}, predicted by {version} ({chance})"
    return f"uncertain: {version}'s best guess, {predicted}, has a {chance}, too low to show as fact"


def describe_impact(impact: str, points: int, evidence: Iterable[dict[str, object]]) -> str:
    """The scorecard behind an impact tier: "medium impact, 3 scorecard points: closes 1 issue +1; …"."""
    items = "; ".join(f"{item['evidence']} +{item['points']}" for item in evidence)
    return f"{impact} impact, {points} scorecard point{'s' if points != 1 else ''}" + (f": {items}" if items else "")
