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

from achievement_pipeline.core import figures
from achievement_pipeline.core.ledger import Ledger

# Only a value judged from cost is compared with the person's history: one that rests on a measured
# outcome is as large as the outcome the PR states, and its claim has been checked for plausibility.
JUDGED = "judgement"


@dataclass(frozen=True)
class HistoryBaseline:
    """The person's own distribution of judged values: what "unusually large" means for them."""

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


def plausibility_reasons(
    valuation: Mapping[str, Any], ledger: Ledger, baseline: HistoryBaseline | None = None
) -> list[str]:
    """Why a valuation must not be published; empty when it may be."""
    reasons: list[str] = []
    if not valuation["evidence"]:
        reasons.append("no evidence of work (no lines changed, no measurable claims): not valued")
    if float(valuation["hours_expected"]) > float(ledger.value("max_hours_per_pr")):
        reasons.append(
            f"expected effort {figures.hours(float(valuation['hours_expected']))} exceeds max_hours_per_pr "
            f"({ledger.value('max_hours_per_pr')} h) in the assumptions ledger"
        )
    if not float(valuation["value_low"]) <= float(valuation["value_expected"]) <= float(valuation["value_high"]):
        reasons.append("value range is not ordered low <= expected <= high")
    min_history = ledger.number("min_history_for_outliers")
    if baseline is not None and baseline.count >= min_history and valuation.get("value_basis") == JUDGED:
        factor = ledger.number("outlier_iqr_factor")
        ceiling = baseline.ceiling(factor)
        if float(valuation["value_expected"]) > ceiling:
            value, currency = float(valuation["value_expected"]), str(valuation["currency"])
            reasons.append(
                f"expected value {figures.money(value, currency)}, judged from its cost, is an outlier against "
                f"your own history of {baseline.count} judged PRs (above {figures.money(ceiling, currency)} = upper "
                f"quartile + {factor:g} × IQR): check the evidence before publishing"
            )
    return reasons
