"""Whether there is enough labelled data to train and score a model honestly, and the split.

Kept apart from the MLflow side of training: these are the data rules that decide what the
reported metrics mean.

* **Time-ordered holdout.** The newest ``HOLDOUT_FRACTION`` of the rows (by merge day, then PR
  id) is held out: a model is scored on PRs merged after everything it learnt from, as it will be
  used. A random split lets a model peek at next month's vocabulary and flatters it.
* **Minimum support.** A class with fewer than ``MIN_SUPPORT`` holdout rows is not scored (its F1
  over one or two rows is noise), so macro-F1 averages over the *scored* classes. With fewer than
  two scored classes there is no honest score, and the model reports that instead of training.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

HOLDOUT_FRACTION = 0.2
MIN_SUPPORT = 5


class InsufficientTrainingData(ValueError):
    """Too few labelled rows (or classes, or holdout support) to train and evaluate a model honestly."""


@dataclass(frozen=True)
class Split:
    """Row positions of the training and holdout parts, and the classes the holdout can score."""

    train: list[int]
    holdout: list[int]
    scored_classes: list[str]
    strategy: str = "time-ordered"


def time_ordered_split(
    order: Sequence[tuple[str, str]], labels: Sequence[str], *, min_support: int = MIN_SUPPORT
) -> Split:
    """Train on the oldest rows, hold out the newest; ``order`` is (merge day, PR id) per row."""
    ranked = sorted(range(len(labels)), key=lambda i: order[i])
    cut = len(ranked) - max(1, round(len(ranked) * HOLDOUT_FRACTION))
    train, holdout = sorted(ranked[:cut]), sorted(ranked[cut:])
    support = Counter(labels[i] for i in holdout)
    scored = sorted(c for c, n in support.items() if n >= min_support)
    return Split(train, holdout, scored)


def check_trainable(
    name: str,
    labels: Sequence[str],
    split: Split,
    min_rows: int,
    total_rows: int,
    *,
    unit: str = "labelled rows",
    min_support: int = MIN_SUPPORT,
) -> None:
    """Raise :class:`InsufficientTrainingData`, naming counts found and needed, unless ``split`` can be scored."""
    classes = Counter(labels)
    found = ", ".join(f"{k}={v}" for k, v in sorted(classes.items())) or "none"
    train_classes = {labels[i] for i in split.train}
    problem = None
    if len(labels) < min_rows or len(classes) < 2:
        problem = f"need at least {min_rows} {unit} in at least 2 classes"
    elif len(train_classes) < 2:
        problem = "the training part (the older PRs) has a single class"
    elif len(split.scored_classes) < 2:
        holdout = Counter(labels[i] for i in split.holdout)
        seen = ", ".join(f"{k}={v}" for k, v in sorted(holdout.items())) or "none"
        problem = (
            f"the time-ordered holdout (the newest {len(split.holdout)}) has fewer than 2 classes with at "
            f"least {min_support} rows [{seen}]"
        )
    if problem is not None:
        raise InsufficientTrainingData(
            f"cannot train {name}: found {len(labels)} {unit} (of {total_rows} PRs) in {len(classes)} class(es) "
            f"[{found}]; {problem}: materialize more ingest/enrich partitions first"
        )
