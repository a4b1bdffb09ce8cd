"""Champion or challenger: promote a candidate only when it beats the incumbent beyond the holdout's noise.

The incumbent is the current champion (trained on today's label rules) or, for the category
model when there is none, the shipped base model (``ml.base_model``). It is scored on the
candidate's own time-ordered holdout, and the two are compared by a paired bootstrap of their
macro-F1 difference over the classes the holdout can score (``ml.bootstrap``): the candidate takes
the alias only when the lower end of that interval is above zero. A tie, or a win within the
noise, keeps the incumbent, so retraining never churns the alias or the predictions on luck.

The comparison leans towards an incumbent champion: it may have been trained on rows that are in
the new holdout. That is the safe direction for promotion (a challenger must win despite it).

Only when the champion cannot be scored on the new rows (an artifact missing from the store, a
model the current inputs no longer fit) does the comparison fall back to the champion's logged
score, and says so in ``basis`` and ``note`` so the asset check can flag it. A champion saved by
an older layout of this pipeline (its feature step's module is gone), or trained on other label
rules, cannot serve at all, so it is not the incumbent, and the basis says that too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from achievement_pipeline.ml.bootstrap import Interval, paired_difference
from achievement_pipeline.ml.registry import (
    OutdatedModel,
    find_champion,
    find_current_champion,
    load_version,
    logged_metric,
)

PRIMARY_METRIC = "holdout_macro_f1"

SAME_HOLDOUT = "same holdout"
LOGGED_METRIC = "logged metric"
NO_CHAMPION = "no champion"
BASE_MODEL = "base model"
OUTDATED_CHAMPION = "outdated champion"
# No comparison was needed: the champion was trained on the same rows and code (``training``).
UNCHANGED = "unchanged"
_MAX_NOTE_CHARS = 300


@dataclass(frozen=True)
class Comparison:
    """The incumbent's score on the candidate's holdout, and the paired difference from the candidate."""

    champion_version: str | None  # the incumbent: a champion version, "base", or None
    champion_macro_f1: float | None
    basis: str  # SAME_HOLDOUT | BASE_MODEL | LOGGED_METRIC | NO_CHAMPION | OUTDATED_CHAMPION
    note: str = ""
    difference: Interval | None = None  # candidate minus incumbent, with its bootstrap interval

    def beaten_by(self, candidate_macro_f1: float) -> bool:
        """No incumbent is always beaten; one scored on the same rows only beyond the bootstrap noise."""
        if self.champion_macro_f1 is None:
            return True
        if self.difference is not None:
            return self.difference.low > 0
        return candidate_macro_f1 > self.champion_macro_f1


def macro_f1(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str] | None = None) -> float:
    """Macro-F1 over ``classes`` (the holdout's scored classes), or over all classes seen when None."""
    from sklearn.metrics import f1_score

    labels = list(classes) if classes else None
    return float(f1_score(list(truth), list(predicted), labels=labels, average="macro", zero_division=0))


def _versus(
    incumbent: str,
    basis: str,
    y_holdout: Sequence[str],
    candidate: Sequence[str],
    predicted: Sequence[str],
    classes: Sequence[str],
    note: str = "",
) -> Comparison:
    difference = paired_difference(y_holdout, candidate, predicted, classes)
    return Comparison(incumbent, macro_f1(y_holdout, predicted, classes), basis, note, difference)


def compare_with_champion(
    mlflow: Any,
    client: Any,
    name: str,
    x_holdout: Any,
    y_holdout: Sequence[str],
    candidate: Sequence[str],
    classes: Sequence[str],
    base_model: Any | None = None,
) -> Comparison:
    """Score the incumbent of ``name`` on the candidate's holdout and compare it with ``candidate``'s predictions."""
    champion = find_current_champion(client, name)
    retired = find_champion(client, name) if champion is None else None
    note = ""
    if retired is not None:
        note = f"champion v{retired.version} was trained on other label rules: retired, not compared"
    if champion is not None and len(y_holdout):
        version = str(champion.version)
        try:
            predicted = [str(p) for p in load_version(mlflow, name, version).predict(x_holdout)]
            return _versus(version, SAME_HOLDOUT, y_holdout, candidate, predicted, classes)
        except OutdatedModel as exc:
            note = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure to score falls back, and is reported
            note = f"champion could not be scored on the new holdout: {type(exc).__name__}: {exc}"
            logged = logged_metric(client, champion, PRIMARY_METRIC)
            return Comparison(version, logged, LOGGED_METRIC, note[:_MAX_NOTE_CHARS])
    if base_model is not None and len(y_holdout):
        predicted = [str(p) for p in base_model.predict(x_holdout)]
        return _versus("base", BASE_MODEL, y_holdout, candidate, predicted, classes, note[:_MAX_NOTE_CHARS])
    basis = OUTDATED_CHAMPION if retired is not None or note else NO_CHAMPION
    return Comparison(None, None, basis, note[:_MAX_NOTE_CHARS])
