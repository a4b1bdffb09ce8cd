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

from achievement_pipeline.core.predictions import MODEL_BASIS, UNCERTAIN_BASIS
from achievement_pipeline.core.records import UNCERTAIN
from achievement_pipeline.ml.labels import explicit_category


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
