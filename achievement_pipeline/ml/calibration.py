"""Confidence that means something: the measured chance that the category shown is right.

A balanced logistic regression ranks classes well (that is what macro-F1 rewards) but its top
probability is not the chance of being right: on vite's newest PRs it said 0.71 for "chore" where
57% were chores, 0.49 for "performance" where 19% were. Re-weighting the probabilities (sigmoid or
isotonic over all classes, scikit-learn's ``CalibratedClassifierCV``) fixed the average but cost
11 macro-F1 points, because it changes which class wins. So the class ranking is kept and only the
*confidence* is calibrated, per predicted class: on time-ordered out-of-fold predictions over the
training rows (expanding windows, so each fold is scored by a model that saw only older PRs), an
isotonic curve per predicted class maps "top probability" to "share of those predictions that
were right". A class with too few out-of-fold predictions uses the curve of all classes; with
too few of those, the confidence stays the raw probability and ``calibrated`` says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin

CALIBRATION_FOLDS = 3
MIN_CLASS_POINTS = 30  # out-of-fold predictions of one class needed for its own curve
MIN_OVERALL_POINTS = 30  # ... and of all classes for the shared one
ALL_CLASSES = "*"


class ConfidenceCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A fitted classifier plus isotonic curves (per predicted class) for its top probability.

    ``predict``/``predict_proba`` are the classifier's own; :meth:`top_with_confidence` adds the
    calibrated confidence. The curves are plain lists of floats so the safe skops format stores them.
    """

    def __init__(self, classifier: Any = None, curves: dict[str, list[list[float]]] | None = None) -> None:
        self.classifier = classifier
        self.curves = curves

    @property
    def classes_(self) -> Any:
        return self.classifier.classes_

    def fit(self, X: Any, y: Any) -> ConfidenceCalibratedClassifier:  # noqa: N803 - scikit-learn's names
        raise NotImplementedError("built by calibrated_fit, which fits the classifier and its curves")

    def predict(self, X: Any) -> Any:  # noqa: N803
        return self.classifier.predict(X)

    def predict_proba(self, X: Any) -> Any:  # noqa: N803
        return self.classifier.predict_proba(X)

    @property
    def calibrated(self) -> bool:
        return bool(self.curves)

    def calibrate(self, labels: Sequence[str], raw: Any) -> Any:
        """Calibrated confidence of top classes ``labels`` whose raw top probabilities are ``raw``."""
        import numpy as np

        raw = np.asarray(raw, dtype=float)
        if not self.curves:
            return raw
        out = raw.copy()
        for i, (label, value) in enumerate(zip(labels, raw, strict=True)):
            curve = self.curves.get(str(label)) or self.curves.get(ALL_CLASSES)
            if curve:
                out[i] = float(np.interp(value, curve[0], curve[1]))
        return out

    def top_with_confidence(self, X: Any) -> tuple[list[str], Any, Any]:  # noqa: N803
        """(top class, raw top probability, calibrated confidence) per row."""
        proba = self.predict_proba(X)
        classes = [str(c) for c in self.classes_]
        labels = [classes[i] for i in proba.argmax(axis=1)]
        raw = proba.max(axis=1).astype(float)
        return labels, raw, self.calibrate(labels, raw)


def _curve(raw: Any, correct: Any) -> list[list[float]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, correct)
    return [[float(x) for x in iso.X_thresholds_], [float(y) for y in iso.y_thresholds_]]


# Extra training rows made from the rows a model is fitted on (``category_fit``): (features, labels) in, augmented out.
Augment = Callable[[Any, Sequence[str]], tuple[Any, list[str]]]


def _fitted(build: Callable[[], Any], features: Any, labels: Sequence[str], augment: Augment | None) -> Any:
    if augment is not None:
        features, labels = augment(features, labels)
    return build().fit(features, list(labels))


def _fold_jobs(
    build: Callable[[], Any], features: Any, labels: Sequence[str], augment: Augment | None
) -> list[Callable[[], tuple[list[str], list[float], list[float]]]]:
    """Time-ordered out-of-fold scoring over rows already in time order, as one job per fold, oldest first:
    each returns its block's (predicted, raw confidence, correct).

    Expanding windows: the rows are cut into ``CALIBRATION_FOLDS + 1`` blocks and block k is scored
    by a model fitted on blocks 0..k-1 (augmented, when ``augment`` is given; the scored block never
    is). A window with a single class is skipped.
    """
    n = len(labels)
    bounds = [round(n * k / (CALIBRATION_FOLDS + 1)) for k in range(CALIBRATION_FOLDS + 2)]

    def fold(train: slice, score: slice) -> Callable[[], tuple[list[str], list[float], list[float]]]:
        def fit_and_score() -> tuple[list[str], list[float], list[float]]:
            model = _fitted(build, features.iloc[train], list(labels[train]), augment)
            proba = model.predict_proba(features.iloc[score])
            classes = [str(c) for c in model.classes_]
            top = [classes[i] for i in proba.argmax(axis=1)]
            correct = [float(t == y) for t, y in zip(top, labels[score], strict=True)]
            return top, [float(v) for v in proba.max(axis=1)], correct

        return fit_and_score

    windows = [(slice(0, bounds[k]), slice(bounds[k], bounds[k + 1])) for k in range(1, CALIBRATION_FOLDS + 1)]
    return [fold(train, score) for train, score in windows if len(set(labels[train])) >= 2 and score.stop > score.start]


def _in_parallel(jobs: Sequence[Callable[[], Any]]) -> list[Any]:
    """Each job's result, in order, run on as many threads as the machine has cores (at most one per job).

    The fits are independent and deterministic, so the results are those of running them one by one;
    scikit-learn's solvers spend much of a fit in native code that lets other threads run.
    """
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fit") as pool:
        return list(pool.map(lambda job: job(), jobs))


def calibrated_fit(
    build: Callable[[], Any], features: Any, labels: Sequence[str], augment: Augment | None = None
) -> tuple[ConfidenceCalibratedClassifier, dict[str, Any]]:
    """Fit ``build()`` on all rows (in time order) and its confidence curves; also a reliability report.

    The report lists, per predicted class, how many out-of-fold predictions it made, their mean raw
    confidence and the share that were right, which is what the curves correct.
    """
    import numpy as np

    y = np.asarray([str(v) for v in labels], dtype=object)
    # The model on all rows and the folds' models are fitted together, the largest first, so the threads
    # finish together; the folds' blocks are then read back oldest first.
    fitted, *newest_first = _in_parallel(
        [lambda: _fitted(build, features, list(y), augment), *reversed(_fold_jobs(build, features, y, augment))]
    )
    folds = newest_first[::-1]
    predicted = [label for top, _, _ in folds for label in top]
    raw = np.asarray([value for _, values, _ in folds for value in values])
    correct = np.asarray([value for _, _, values in folds for value in values])
    curves: dict[str, list[list[float]]] = {}
    reliability: dict[str, dict[str, float]] = {}
    top = np.asarray(predicted, dtype=object)
    if len(top) >= MIN_OVERALL_POINTS:
        curves[ALL_CLASSES] = _curve(raw, correct)
    for label in sorted(set(predicted)):
        mask = top == label
        reliability[label] = {
            "n": int(mask.sum()),
            "mean_confidence": float(raw[mask].mean()),
            "accuracy": float(correct[mask].mean()),
        }
        if mask.sum() >= MIN_CLASS_POINTS:
            curves[label] = _curve(raw[mask], correct[mask])
    model = ConfidenceCalibratedClassifier(fitted, curves)
    return model, {"out_of_fold": len(top), "per_predicted_class": reliability, "calibrated": bool(curves)}
