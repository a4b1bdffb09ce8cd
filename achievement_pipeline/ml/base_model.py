"""The shipped base category model: what a person with little or no history of their own gets.

Trained on public data (vite's merged PRs, MIT licence) with the same pipeline, features and
calibration as a person's own model, and shipped in the package (``ml/base/``) so the pipeline
categorises from the first run, offline. ``bench/build_base_model.py`` rebuilds it; its card
(``card.json``) records the corpus, the date, the classes and the measured figures. A person's own
model replaces it only by beating it on their own newest PRs beyond the bootstrap noise
(``training``), so the base model is also the incumbent every first candidate must beat.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from achievement_pipeline.ml.inputs import SKOPS_TRUSTED_TYPES

BASE_DIR = Path(__file__).with_name("base")
BASE_MODEL_FILE = BASE_DIR / "pr-category-base.skops"
BASE_CARD_FILE = BASE_DIR / "card.json"
BASE_MODEL_NAME = "pr-category-base"


@cache
def base_card() -> dict[str, Any]:
    """The base model's card: corpus, licence, date, classes, and its benchmark figures."""
    return json.loads(BASE_CARD_FILE.read_text(encoding="utf-8"))


def base_model_version() -> str:
    """``pr-category-base:<id>``: how predictions made by the base model name it."""
    return f"{BASE_MODEL_NAME}:{base_card()['id']}"


@cache
def load_base_model() -> Any:
    """The shipped model (a ``ConfidenceCalibratedClassifier``), loaded with the fixed trusted-type list."""
    import skops.io

    if not BASE_MODEL_FILE.is_file():
        raise FileNotFoundError(
            f"the shipped base category model {BASE_MODEL_FILE} is missing: reinstall the package, or rebuild it "
            "with `python bench/build_base_model.py`"
        )
    from skops.io.exceptions import UntrustedTypesFoundException

    try:  # one read of the file: skops refuses it if it holds a type outside the list
        return skops.io.load(BASE_MODEL_FILE, trusted=SKOPS_TRUSTED_TYPES)
    except UntrustedTypesFoundException as exc:
        raise ValueError(f"{BASE_MODEL_FILE} holds types this pipeline does not trust: {exc}") from None
