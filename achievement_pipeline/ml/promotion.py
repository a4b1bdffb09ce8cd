"""Champion or challenger: score the current champion on the new holdout, promote only a better model.

Comparing a new version's holdout macro-F1 with the score the champion logged when *it* was
trained compares two different holdouts: a lucky split could promote a worse model, an unlucky
one keep a stale one. So the champion is loaded and scored on the candidate's own holdout, and
the candidate takes the alias only when it is strictly better there (a tie keeps the champion,
so retraining on the same data never churns the alias or the predictions).

The comparison leans towards the champion: it may have been trained on rows that are in the new
holdout. That is the safe direction for promotion (a challenger must win despite it).

Only when the champion cannot be scored on the new rows (an artifact missing from the store, a
model the current inputs no longer fit) does the comparison fall back to the champion's logged
score, and says so in ``basis`` and ``note`` so the asset check can flag it. A champion saved by
an older layout of this pipeline (its feature step's module is gone) cannot serve at all, so any
candidate replaces it, and the basis says that too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from achievement_pipeline.ml.registry import OutdatedModel, find_champion, load_version, logged_metric

PRIMARY_METRIC = "holdout_macro_f1"

SAME_HOLDOUT = "same holdout"
LOGGED_METRIC = "logged metric"
NO_CHAMPION = "no champion"
OUTDATED_CHAMPION = "outdated champion"
# No comparison was needed: the champion was trained on the same rows and code (``training``).
UNCHANGED = "unchanged"
_MAX_NOTE_CHARS = 300


@dataclass(frozen=True)
class Comparison:
    """The current champion's score, measured for comparison with one candidate."""

    champion_version: str | None
    champion_macro_f1: float | None
    basis: str  # SAME_HOLDOUT | LOGGED_METRIC | NO_CHAMPION | OUTDATED_CHAMPION
    note: str = ""

    def beaten_by(self, candidate_macro_f1: float) -> bool:
        """Strictly better wins; no champion (or one with no score at all) is always beaten."""
        return self.champion_macro_f1 is None or candidate_macro_f1 > self.champion_macro_f1


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(list(truth), list(predicted), average="macro", zero_division=0))


def compare_with_champion(mlflow: Any, client: Any, name: str, x_holdout: Any, y_holdout: Sequence[str]) -> Comparison:
    """Load the champion of ``name`` (if any) and score it on the candidate's holdout."""
    champion = find_champion(client, name)
    if champion is None:
        return Comparison(None, None, NO_CHAMPION)
    version = str(champion.version)
    if len(y_holdout) == 0:
        note = "the new holdout is empty"
    else:
        try:
            predicted = [str(p) for p in load_version(mlflow, name, version).predict(x_holdout)]
            return Comparison(version, macro_f1(y_holdout, predicted), SAME_HOLDOUT)
        except OutdatedModel as exc:
            return Comparison(version, None, OUTDATED_CHAMPION, str(exc)[:_MAX_NOTE_CHARS])
        except Exception as exc:  # noqa: BLE001 - any failure to score falls back, and is reported
            note = f"champion could not be scored on the new holdout: {type(exc).__name__}: {exc}"
    return Comparison(version, logged_metric(client, champion, PRIMARY_METRIC), LOGGED_METRIC, note[:_MAX_NOTE_CHARS])
