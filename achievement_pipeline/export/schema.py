"""The portfolio document contract: its JSON Schema and the validator callers run at the boundary.

Kept apart from rendering because validation is a boundary check (the export runs it,
and publishes the schema next to the rendered files) while the renderers deliberately
do not validate: odd fields degrade to placeholders instead of failing the report.
The schema file (``portfolio_schema.json``, package data) sits beside this module, and
the document builder takes its version from here. ``jsonschema`` is imported on use, so
the code location loads without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

SCHEMA_VERSION = "1.7"
SCHEMA_PATH = Path(__file__).with_name("portfolio_schema.json")


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """Return the portfolio JSON Schema (a fresh copy, so callers may not corrupt the cache)."""
    return json.loads(_schema_text())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_portfolio(doc: Mapping[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``doc`` is a valid portfolio document.

    Besides the schema, this checks what JSON Schema cannot express but readers rely
    on: every range is ordered (low <= expected <= high), the hours fit the calendar's
    capacity, the window is not inverted and
    every achievement group cites only PRs listed in ``achievements`` (its evidence),
    because a report showing "$400 (range $500-$100)" would discredit the whole document.
    A PR suggested to feature is one of the achievements and never one its author pinned.
    """
    import jsonschema

    _validator().validate(doc)

    def check_range(rng: Mapping[str, float], path: tuple[str | int, ...]) -> None:
        if not rng["low"] <= rng["expected"] <= rng["high"]:
            raise jsonschema.ValidationError(
                f"range is not ordered: low={rng['low']} expected={rng['expected']} high={rng['high']}",
                path=path,
            )

    if doc["window"]["start"] > doc["window"]["end"]:
        raise jsonschema.ValidationError("window.start is after window.end", path=("window",))
    for figure in ("hours", "cost", "value"):
        check_range(doc["totals"][figure], ("totals", figure))
    capacity = doc["totals"]["capacity"]
    if doc["totals"]["hours"]["high"] > capacity["available_hours"] + 0.01:
        raise jsonschema.ValidationError(
            f"{doc['totals']['hours']['high']} h exceed the {capacity['available_hours']} h the calendar allows",
            path=("totals", "hours"),
        )
    for index, item in enumerate(doc["achievements"]):
        for figure in ("hours", "cost", "value"):
            check_range(item[figure], ("achievements", index, figure))
    pr_ids = {item["pr_id"] for item in doc["achievements"]}
    for index, group in enumerate(doc["achievement_groups"]):
        for figure in ("hours", "cost", "value"):
            check_range(group[figure], ("achievement_groups", index, figure))
        if unknown := [pr_id for pr_id in group["pr_ids"] if pr_id not in pr_ids]:
            raise jsonschema.ValidationError(
                f"achievement group cites PRs that are not in achievements: {', '.join(unknown[:5])}",
                path=("achievement_groups", index, "pr_ids"),
            )
    _check_suggestions(doc)


def _check_suggestions(doc: Mapping[str, Any]) -> None:
    """Suggested PRs are achievements the author did not pin: their own choices always win."""
    import jsonschema

    pinned = {item["pr_id"] for item in doc["achievements"] if item.get("pinned")}
    listed = {item["pr_id"] for item in doc["achievements"]}
    for pr_id in (doc.get("featuring") or {}).get("suggested", []):
        if pr_id not in listed or pr_id in pinned:
            why = "is not in achievements" if pr_id not in listed else "is pinned already"
            raise jsonschema.ValidationError(f"suggested PR {pr_id} {why}", path=("featuring", "suggested"))
