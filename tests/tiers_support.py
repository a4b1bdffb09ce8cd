"""Rows over three months, a database of a test's own, and the reads a storage tier must leave unchanged."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

from achievement_pipeline.core.warehouse import Warehouse
from tests.factories import make_pr, prediction_part

# Three months of merges; JANUARY is the one the tests archive (today is in March, one month kept hot before it).
DAYS = ("2025-01-03", "2025-01-17", "2025-01-31", "2025-02-14", "2025-03-01")
TODAY = date(2025, 3, 20)
JANUARY = (date(2025, 1, 1), date(2025, 2, 1))
EVERYTHING = (date(2025, 1, 1), date(2025, 4, 1))


def pr_of(n: int, day: str, **changes: Any) -> dict[str, Any]:
    """A PR whose text and JSON are the kind a round trip can get wrong: accents, emoji, nesting, NUL-free."""
    fields = {
        "merge_date": day,
        "merged_at": f"{day}T10:00:00Z",
        "title": f"perf(api): naïve cache — {n} ✓ 🚀",
        "labels": ["performance", "日本語"],
        "linked_issues": [n, n + 100],
    }
    return make_pr(n, **{**fields, **changes})


def fill(warehouse: Warehouse) -> None:
    """pull_requests and predictions of every day in DAYS, one PR a day, written a day at a time."""
    for n, day in enumerate(DAYS, start=1):
        start = date.fromisoformat(day)
        prediction = prediction_part(pr_id=f"acme/web-app#{n}", merge_date=day, category_confidence=0.1 + 0.2 * n)
        warehouse.replace_windows(
            start, start + timedelta(days=1), {"pull_requests": [pr_of(n, day)], "predictions": [prediction]}
        )


def reads(warehouse: Warehouse) -> dict[str, Any]:
    """Everything the stages and the exports read, over windows inside, across and around January."""
    ids = ["acme/web-app#3", "acme/web-app#1", "acme/web-app#5"]
    return {
        "window": warehouse.read_window("pull_requests", *EVERYTHING),
        "day": warehouse.read_window("pull_requests", date(2025, 1, 17), date(2025, 1, 18)),
        "some": warehouse.read_window("predictions", *EVERYTHING, pr_ids=ids),
        "joined": warehouse.read_joined(["pull_requests", "predictions"], date(2025, 1, 10), date(2025, 2, 20)),
        "history": warehouse.read_columns("pull_requests", ("pr_id", "title", "labels")),
        "columns": warehouse.read_columns("predictions", ("category_confidence",), *JANUARY),
        "matching": warehouse.read_columns("pull_requests", ("pr_id", "author"), where={"pr_id": ids}),
        "all": warehouse.read_all("predictions"),
        "count": warehouse.count("pull_requests"),
    }


def postgres_database() -> AbstractContextManager[str]:
    """A new database on the local PostgreSQL for one test, as a SQLAlchemy URL; dropped afterwards."""
    from tests.conftest import new_postgres_database

    return new_postgres_database("achievement_tiers")
