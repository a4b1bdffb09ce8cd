"""Whether there is enough weakly labelled data to train and score a model honestly, and the split.

Kept apart from the MLflow side of training: these are the data rules (minimum rows, at least
two classes, a stratified, seeded holdout) that decide what the reported metrics mean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

HOLDOUT_FRACTION = 0.25


class InsufficientTrainingData(ValueError):
    """Too few weakly labelled PRs (or a single class) to train and evaluate a model honestly."""


def holdout_split(labels: Sequence[str], seed: int) -> tuple[list[int], list[int], str]:
    """Stratified holdout indices, deterministic for a seed; returns (train, holdout, strategy).

    Stratified rather than time-ordered: weak labels are skewed, and a time slice of a few
    partitions often misses whole classes, which makes macro-F1 meaningless. Classes with a
    single example cannot be split, so they go to training (the model should still know them);
    if the rest is too small to hold one example of every class out, the split is a plain
    seeded shuffle instead.
    """
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    singles = [i for i, y in enumerate(labels) if counts[y] < 2]
    rest = [i for i, y in enumerate(labels) if counts[y] >= 2]
    rest_labels = [labels[i] for i in rest]
    n_classes = len(set(rest_labels))
    n_holdout = max(1, round(len(rest) * HOLDOUT_FRACTION))
    if not rest:
        return singles, [], "none"
    if n_classes >= 2 and n_holdout >= n_classes and len(rest) - n_holdout >= n_classes:
        train, holdout = train_test_split(rest, test_size=n_holdout, random_state=seed, stratify=rest_labels)
        strategy = "stratified"
    else:
        train, holdout = train_test_split(rest, test_size=n_holdout, random_state=seed, shuffle=True)
        strategy = "shuffled"
    return sorted([*train, *singles]), sorted(holdout), strategy


def check_trainable(
    name: str, labels: Sequence[str], min_rows: int, total_rows: int, *, unit: str = "labelled rows"
) -> None:
    classes = Counter(labels)
    if len(labels) >= min_rows and len(classes) >= 2:
        return
    found = ", ".join(f"{k}={v}" for k, v in sorted(classes.items())) or "none"
    raise InsufficientTrainingData(
        f"cannot train {name}: found {len(labels)} {unit} (of {total_rows} PRs) in "
        f"{len(classes)} class(es) [{found}], need at least {min_rows} {unit} in at least "
        "2 classes: materialize more ingest/enrich partitions first"
    )
