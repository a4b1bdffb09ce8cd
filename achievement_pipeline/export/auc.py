"""ROC-AUC of a ranking on held-out marks, and the paired bootstrap of two rankings' difference.

The featuring ranking (``export.featuring``) replaces the impact scorecard only where it ranks the
person's newest marks better *beyond the noise* of a few dozen marks. AUC is the measure because a
ranking is all the portfolio uses: the chance that a PR the person featured ranks above one they
did not (ties count half). The two rankings are scored on the same held-out marks, and the same
resamples of those marks (seeded, with replacement) score both, so the interval of the difference
is far narrower than the two intervals would suggest.

This is ``ml.bootstrap``'s method for AUC: both take the resamples, the confidence and the interval
from ``core.intervals``.
A resample is a weight per row (how often it was drawn), so every resample's AUC is one matrix
product over the positive × negative comparison table: 1,000 resamples take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from achievement_pipeline.core.intervals import RESAMPLES, Interval, bounds, resample_indices


def _comparisons(truth: Any, scores: Any) -> Any:  # noqa: ANN401 - numpy arrays
    """Positive × negative table: 1 where the positive ranks above the negative, ½ on a tie, else 0."""
    positive, negative = scores[truth], scores[~truth]
    above = positive[:, None] > negative[None, :]
    tied = positive[:, None] == negative[None, :]
    return above + 0.5 * tied


def _weights(n: int, seed: int, resamples: int) -> Any:  # noqa: ANN401 - numpy array
    """How often each of ``n`` rows is drawn in each resample (``resamples`` × ``n``)."""
    import numpy as np

    drawn = resample_indices(n, seed, resamples)
    flat = (drawn + np.arange(resamples)[:, None] * n).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n).astype(float)


def _weighted_auc(table: Any, w_positive: Any, w_negative: Any) -> Any:  # noqa: ANN401 - numpy arrays
    """AUC per row of weights; NaN where a resample drew no positive or no negative."""
    import numpy as np

    pairs = w_positive.sum(axis=1) * w_negative.sum(axis=1)
    above = ((w_positive @ table) * w_negative).sum(axis=1)
    return np.where(pairs > 0, above / np.maximum(pairs, 1.0), np.nan)


def auc(truth: Sequence[bool], scores: Sequence[float]) -> float:
    """The chance a positive outranks a negative (ties half); NaN without both classes."""
    import numpy as np

    y, s = np.asarray(truth, dtype=bool), np.asarray(scores, dtype=float)
    if y.all() or not y.any():
        return float("nan")
    return float(_comparisons(y, s).mean())


def paired_auc(
    truth: Sequence[bool],
    candidate: Sequence[float],
    incumbent: Sequence[float],
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> tuple[Interval, Interval, Interval]:
    """The candidate's AUC, the incumbent's, and candidate minus incumbent, each with its interval.

    Both are scored on the same resamples of the same rows; ``truth`` must hold both classes.
    """
    import numpy as np

    y = np.asarray(truth, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("an AUC needs both positive and negative marks")
    a, b = np.asarray(candidate, dtype=float), np.asarray(incumbent, dtype=float)
    weights = _weights(len(y), seed, resamples)
    w_positive, w_negative = weights[:, y], weights[:, ~y]
    table_a, table_b = _comparisons(y, a), _comparisons(y, b)
    auc_a = _weighted_auc(table_a, w_positive, w_negative)
    auc_b = _weighted_auc(table_b, w_positive, w_negative)
    estimate_a, estimate_b = float(table_a.mean()), float(table_b.mean())
    return (
        Interval(estimate_a, *bounds(auc_a)),
        Interval(estimate_b, *bounds(auc_b)),
        Interval(estimate_a - estimate_b, *bounds(auc_a - auc_b)),
    )
