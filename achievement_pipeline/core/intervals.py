"""Bootstrap intervals: the one convention every measured score in the pipeline is reported with.

A holdout of a few hundred rows measures a score with an error of several points; two rankers or
classifiers that differ by less have not been shown to differ. Every comparison (category
promotion in ``ml.bootstrap``, the featuring ranking in ``export.auc``) resamples its rows
:data:`RESAMPLES` times with a fixed seed and reports the :data:`CONFIDENCE` interval, whose lower
end is a one-sided 95% bound: "beyond the noise" means that bound is above zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RESAMPLES = 1000
CONFIDENCE = 0.90  # two-sided interval; its lower end is a one-sided 95% bound


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval (``low``, ``high``) at :data:`CONFIDENCE`."""

    estimate: float
    low: float
    high: float

    def as_dict(self, digits: int | None = None) -> dict[str, float]:
        values = {"estimate": self.estimate, "low": self.low, "high": self.high}
        return values if digits is None else {k: round(v, digits) for k, v in values.items()}

    def text(self, signed: bool = False) -> str:
        """``0.81 (0.66–0.93)``, or with ``signed`` ``+0.12 (−0.05 to +0.30)`` for a difference."""
        shown = self.as_dict(4)  # the figures a document records, so text and JSON never round apart
        estimate, low, high = shown["estimate"], shown["low"], shown["high"]
        if signed:
            return f"{_signed(estimate)} ({_signed(low)} to {_signed(high)})"
        return f"{estimate:.2f} ({low:.2f}–{high:.2f})"


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}{abs(value):.2f}"


def resample_indices(n: int, seed: int, resamples: int = RESAMPLES) -> Any:  # noqa: ANN401 - numpy array
    """Row positions drawn with replacement: one row of ``n`` positions per resample."""
    import numpy as np

    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def bounds(values: Any) -> tuple[float, float]:  # noqa: ANN401 - numpy array
    """The :data:`CONFIDENCE` interval of resampled ``values`` (NaNs, resamples that could not score, left out)."""
    import numpy as np

    kept = np.asarray(values, dtype=float)
    kept = kept[~np.isnan(kept)]
    if not kept.size:
        return float("nan"), float("nan")
    tail = (1 - CONFIDENCE) / 2
    return float(np.quantile(kept, tail)), float(np.quantile(kept, 1 - tail))
