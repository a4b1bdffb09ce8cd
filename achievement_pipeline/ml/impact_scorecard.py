"""Impact as an explained scorecard: points for evidence a reviewer can check on the PR page.

No model predicts impact. A classifier trained on labels computed from its own inputs (sizes,
claims, issues, reviews) is only a less accurate copy of the rule that made the labels, so the
rule itself is what the pipeline applies, and the portfolio shows every point it gave and why.

Points:

* size: ``lines_changed`` ≥ 1000 → +2; ≥ 250 → +1;
* measurable claims quoted from the PR text: 1 → +1; 2 or more → +2;
* issues it closes: 1–2 → +1; 3 or more → +2;
* review depth: ≥ 3 reviews or ≥ 10 review comments → +1;
* category (the one the portfolio shows): security or performance → +2, because those changes
  matter beyond their size.

Tier: ≥ 4 points → ``high``; 2–3 → ``medium``; 0–1 → ``low``. Size alone never makes a PR high
impact: it also needs evidence (claims, issues, review or category).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from achievement_pipeline.core.predictions import SCORECARD_VERSION
from achievement_pipeline.ml.coerce import as_int, as_list

__all__ = ["SCORECARD_VERSION", "ImpactScore", "score_impact"]

HIGH_POINTS = 4
MEDIUM_POINTS = 2
_WEIGHTY_CATEGORIES = ("security", "performance")


@dataclass(frozen=True)
class ImpactScore:
    """A PR's impact tier, its points, and the evidence behind each point."""

    tier: str  # low | medium | high
    points: int
    items: tuple[dict[str, Any], ...]  # ({"evidence": "1,240 lines changed", "points": 2}, ...)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def score_impact(row: Mapping[str, Any], category: str) -> ImpactScore:
    """Score one model-input row (``ml.inputs.model_inputs``) whose shown category is ``category``."""
    items: list[dict[str, Any]] = []

    def give(points: int, evidence: str) -> None:
        if points:
            items.append({"evidence": evidence, "points": points})

    lines = as_int(row.get("lines_changed"))
    give(2 if lines >= 1000 else 1 if lines >= 250 else 0, f"{_plural(lines, 'line')} changed")
    claims = len(as_list(row.get("claims")))
    give(min(claims, 2), f"{_plural(claims, 'measurable claim')} in the PR text")
    issues = as_int(row.get("linked_issue_count"))
    give(2 if issues >= 3 else 1 if issues >= 1 else 0, f"closes {_plural(issues, 'issue')}")
    reviews, comments = as_int(row.get("review_count")), as_int(row.get("review_comment_count"))
    if reviews >= 3 or comments >= 10:
        give(1, f"{_plural(reviews, 'review')} and {_plural(comments, 'review comment')}")
    if category in _WEIGHTY_CATEGORIES:
        give(2, f"{category} work")
    points = sum(int(item["points"]) for item in items)
    tier = "high" if points >= HIGH_POINTS else "medium" if points >= MEDIUM_POINTS else "low"
    return ImpactScore(tier, points, tuple(items))
