"""Business plausibility: which valued PRs may be published, and why not.

Great Expectations checks that the tables are well formed; these rules check that the
numbers are believable. A rejected PR is kept with its reasons and listed in the
portfolio's appendix, so nothing disappears silently and a person can overrule the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import quantiles
from typing import Any

from achievement_pipeline.core.ledger import Ledger

_DEFAULT_IQR_FACTOR = 3.0
_DEFAULT_MIN_HISTORY = 20


@dataclass(frozen=True)
class HistoryBaseline:
    """The person's own distribution of expected values: what "unusually large" means for them."""

    count: int
    upper_quartile: float
    interquartile_range: float

    @classmethod
    def from_values(cls, values: Iterable[float]) -> HistoryBaseline:
        data = sorted(float(v) for v in values if float(v) > 0)
        if len(data) < 4:
            return cls(count=len(data), upper_quartile=0.0, interquartile_range=0.0)
        q1, _, q3 = quantiles(data, n=4, method="inclusive")
        return cls(count=len(data), upper_quartile=q3, interquartile_range=q3 - q1)

    def ceiling(self, factor: float) -> float:
        return self.upper_quartile + factor * self.interquartile_range


def _ledger_number(ledger: Ledger, name: str, default: float) -> float:
    entry = ledger.entries.get(name)
    return float(entry["value"]) if isinstance(entry, Mapping) and "value" in entry else default


def plausibility_reasons(
    valuation: Mapping[str, Any], ledger: Ledger, baseline: HistoryBaseline | None = None
) -> list[str]:
    """Why a valuation must not be published; empty when it may be."""
    reasons: list[str] = []
    if not valuation["evidence"]:
        reasons.append("no evidence of work (no lines changed, no measurable claims): not valued")
    if float(valuation["hours_expected"]) > float(ledger.value("max_hours_per_pr")):
        reasons.append(
            f"expected effort {valuation['hours_expected']} h exceeds max_hours_per_pr "
            f"({ledger.value('max_hours_per_pr')} h) in the assumptions ledger"
        )
    if not float(valuation["value_low"]) <= float(valuation["value_expected"]) <= float(valuation["value_high"]):
        reasons.append("value range is not ordered low <= expected <= high")
    min_history = _ledger_number(ledger, "min_history_for_outliers", _DEFAULT_MIN_HISTORY)
    if baseline is not None and baseline.count >= min_history:
        factor = _ledger_number(ledger, "outlier_iqr_factor", _DEFAULT_IQR_FACTOR)
        ceiling = baseline.ceiling(factor)
        if float(valuation["value_expected"]) > ceiling:
            reasons.append(
                f"expected value {float(valuation['value_expected']):,.0f} {valuation['currency']} is an outlier "
                f"against your own history of {baseline.count} PRs (above {ceiling:,.0f} = upper quartile + "
                f"{factor:g} × IQR): check the evidence before publishing"
            )
    return reasons
