"""One paragraph on where the categories and impact tiers came from, so a reader knows what is stated and what guessed.

A manager reading "Performance" on a card should know whether the author said so, a label did,
or a model guessed, and from what it learned: the person's own history or the base model shipped
with the pipeline (trained on public pull requests) when that history is too thin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.predictions import LABEL_BASIS, MODEL_BASIS, PREFIX_BASIS, UNCERTAIN_BASIS
from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_dict, as_list
from achievement_pipeline.export.reports.formatting import format_count

BASE_MODEL_PREFIX = "pr-category-base:"


def _model_phrase(versions: Counter[str]) -> str:
    """Who predicted: the shipped base model, or the person's own champion(s)."""
    names = [clean_text(v, 100) for v, _ in versions.most_common(3) if v]
    if names and all(v.startswith(BASE_MODEL_PREFIX) for v in names):
        ids = ", ".join(v.removeprefix(BASE_MODEL_PREFIX) for v in names)
        return (
            f"the base model shipped with the pipeline ({ids}), trained on public open-source pull requests, "
            "because there are not yet enough labelled pull requests of your own to train one"
        )
    own = ", ".join(v.replace(":", " v", 1) for v in names if not v.startswith(BASE_MODEL_PREFIX))
    return f"your own model ({own}), trained on your labelled pull requests" if own else "the category model"


def classification_note(portfolio: Mapping[str, Any]) -> str:
    """ "Categories: 62 as your conventional prefix states, …; impact is a scorecard …"."""
    items = [as_dict(a) for a in as_list(portfolio.get("achievements"))]
    if not items:
        return ""
    bases = Counter(clean_text(a.get("category_basis"), 12).lower() or MODEL_BASIS for a in items)
    guessed = [a for a in items if clean_text(a.get("category_basis"), 12).lower() in (MODEL_BASIS, UNCERTAIN_BASIS)]
    parts = []
    if bases[PREFIX_BASIS]:
        parts.append(f"{format_count(bases[PREFIX_BASIS])} as your conventional prefix states")
    if bases[LABEL_BASIS]:
        parts.append(f"{format_count(bases[LABEL_BASIS])} as a pull request label states")
    if guessed:
        model = _model_phrase(Counter(clean_text(as_dict(a.get("model")).get("category"), 100) for a in guessed))
        if bases[MODEL_BASIS]:
            parts.append(f"{format_count(bases[MODEL_BASIS])} predicted by {model}")
            model = "that model"
        if bases[UNCERTAIN_BASIS]:
            parts.append(
                f"{format_count(bases[UNCERTAIN_BASIS])} shown as uncertain, where {model} had too low a measured "
                "chance of being right to state its guess as fact"
            )
    listed = "; ".join(parts)
    return (
        f"Categories: {listed}. Impact is a scorecard of points a reader can check (size, measurable claims, "
        "issues closed, review depth, security or performance work), listed on each pull request."
    )
