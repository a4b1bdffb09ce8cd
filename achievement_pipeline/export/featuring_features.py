"""What the featuring ranking may learn from: facts a reader can check on the PR page, never the marks themselves.

A ranking that read a pin, an exclusion or a revert would learn the answer, not the person's taste;
so those are labels only (``export.featuring``). The features are the impact scorecard's points
and the points of each kind of its evidence (so the learned ranking can weigh the scorecard's own
parts differently), lines changed (log), issues closed, measurable claims, reviews and review
comments (log), the shown category (one-hot over ``records.SHOWN_CATEGORIES``) and the number of
words in the title. They read joined warehouse rows leniently: a missing or NaN cell counts 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.records import SHOWN_CATEGORIES

# The kinds of scorecard evidence, read off its wording ("1,240 lines changed", "closes 2 issues",
# "3 reviews and 12 review comments", "security work"): ml.impact_scorecard, which the export may not import.
EVIDENCE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("size", re.compile(r"\blines? changed\b")),
    ("claims", re.compile(r"\bmeasurable claims?\b")),
    ("issues", re.compile(r"^closes\b")),
    ("reviews", re.compile(r"\breviews?\b")),
    ("category", re.compile(r"\bwork$")),
)
FEATURE_NAMES: tuple[str, ...] = (
    "impact_points",
    *(f"evidence_{kind}" for kind, _ in EVIDENCE_KINDS),
    "log_lines_changed",
    "linked_issues",
    "claims",
    "log_reviews",
    "log_review_comments",
    "title_words",
    *(f"category_{category}" for category in SHOWN_CATEGORIES),
)


def number(value: Any) -> float:  # noqa: ANN401 - warehouse cells arrive as int, float, None or NaN
    """A cell as a float; missing, NaN or unreadable is 0."""
    try:
        found = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(found) else found


def _count(value: Any) -> int:  # noqa: ANN401 - a list, a numpy array, None
    if value is None or isinstance(value, str):
        return 0
    try:
        return len(value)
    except TypeError:
        return 0


def evidence_points(row: Mapping[str, Any]) -> dict[str, float]:
    """The scorecard's points per kind of evidence, e.g. {"size": 2, "claims": 0, "issues": 1, ...}."""
    points = {kind: 0.0 for kind, _ in EVIDENCE_KINDS}
    for item in row.get("impact_evidence") or []:
        text = str(item.get("evidence", "")) if isinstance(item, Mapping) else ""
        kind = next((k for k, pattern in EVIDENCE_KINDS if pattern.search(text)), None)
        if kind and isinstance(item, Mapping):
            points[kind] += number(item.get("points"))
    return points


def features(row: Mapping[str, Any]) -> list[float]:
    """One PR's features, in :data:`FEATURE_NAMES` order."""
    issues = row.get("linked_issue_count")
    title = str(row.get("clean_title") or row.get("title") or "")
    category = str(row.get("category") or "")
    return [
        number(row.get("impact_points")),
        *evidence_points(row).values(),
        math.log1p(max(0.0, number(row.get("lines_changed")))),
        number(issues) if issues is not None else float(_count(row.get("linked_issues"))),
        float(_count(row.get("claims"))),
        math.log1p(max(0.0, number(row.get("review_count")))),
        math.log1p(max(0.0, number(row.get("review_comment_count")))),
        float(len(title.split())),
        *(1.0 if category == shown else 0.0 for shown in SHOWN_CATEGORIES),
    ]
