"""Assemble the portfolio document (the JSON export, and the input of every renderer).

Input is the warehouse rows of one reporting window, joined per PR; output is a plain
dict that validates against ``portfolio_schema.json``. Only accepted rows become
achievements: one evidence entry per PR (``achievements``) and, above them, related PRs
grouped into the achievements a person talks about (``achievement_groups``). Rejected
rows are listed with their reasons so nothing vanishes silently.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from achievement_pipeline.core.predictions import MODEL_BASIS, SCORECARD_VERSION
from achievement_pipeline.core.redaction import redact_all
from achievement_pipeline.export.achievements import build_achievements
from achievement_pipeline.export.breakdowns import issue_links, quarters, skills
from achievement_pipeline.export.schema import SCHEMA_VERSION

_HTTP_URL = re.compile(r"^https?://\S+$")  # the schema's url pattern
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")  # the schema's repo pattern


def _range(rows: list[dict[str, Any]], prefix: str) -> dict[str, float]:
    return {k: round(sum(float(r[f"{prefix}_{k}"]) for r in rows), 2) for k in ("low", "expected", "high")}


def _narrative(row: dict[str, Any]) -> dict[str, Any]:
    """The STAR story, skills, flagged numbers and who wrote them, when the row has them (older warehouses do not)."""
    found = {key: row[key] for key in ("star", "skills", "flagged_numbers") if row.get(key) is not None}
    if row.get("summariser"):
        found["written_by"] = str(row["summariser"])
    return found


def _achievement(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "pr_id": row["pr_id"],
        "repo": row["repo"],
        "number": int(row["number"]),
        "title": row["title"],
        "author": str(row.get("author") or ""),
        "url": row["url"],
        "linked_issues": issue_links(row["url"], row.get("linked_issues") or []),
        "merged_at": row["merged_at"],
        "category": row["category"],
        "category_basis": str(row.get("category_basis") or MODEL_BASIS),
        "predicted_category": str(row.get("predicted_category") or row["category"]),
        "category_confidence": round(float(row["category_confidence"]), 3),
        "impact": row["impact"],
        "impact_points": int(row.get("impact_points") or 0),
        "impact_evidence": [
            {"evidence": str(e["evidence"]), "points": int(e["points"])} for e in row.get("impact_evidence") or []
        ],
        "review_states": {str(k): int(v) for k, v in (row.get("review_states") or {}).items()},
        "summary": row["summary"],
        "statement": row["achievement"],
        **_narrative(row),
        "areas": list(row["areas"]),
        "size_class": row["size_class"],
        "additions": int(row["additions"]),
        "deletions": int(row["deletions"]),
        "hours": _bounds(row, "hours"),
        "cost": _bounds(row, "cost"),
        "value": _bounds(row, "value"),
        "currency": row["currency"],
        "value_basis": row["value_basis"],
        "arithmetic": row["arithmetic"],
        "reach": {"factor": float(row["reach"]), "note": str(row["reach_note"])},
        "outcomes": [{"kind": o["kind"], "claim": o["claim"], "value": o["value"]} for o in row.get("outcomes") or []],
        "refused_claims": list(row.get("refused_claims") or []),
        **{key: row[key] for key in ("reverted_by", "reverts") if row.get(key)},
        "evidence": list(row["evidence"]),
        "assumptions": list(row["assumptions"]),
        "model": {
            "name": row["model_name"],
            "version": str(row["model_version"]),
            "category": str(row.get("category_model_version") or ""),
            "impact": SCORECARD_VERSION,
            "sentiment": str(row.get("sentiment_model_version") or ""),
        },
        "pinned": bool(row.get("pinned")),
        "rewritten": list(row.get("rewritten") or []),
    }


def _rejected(row: dict[str, Any]) -> dict[str, Any]:
    """A left-out PR as Appendix A lists it: as collected, since bad data is often why it was left out.

    A PR enrich set aside reaches here with only its collected fields; a URL that is no http(s)
    address is dropped rather than linked (the renderers would refuse it anyway).
    """
    url = str(row.get("url") or "")
    return {
        "pr_id": str(row["pr_id"]),
        "title": str(row.get("title") or ""),
        "url": url if _HTTP_URL.match(url) else "",
        "reasons": list(row["reasons"]),
    }


def _bounds(row: dict[str, Any], prefix: str) -> dict[str, float]:
    return {k: float(row[f"{prefix}_{k}"]) for k in ("low", "expected", "high")}


def _grouping_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as build_achievements reads it; fields older warehouses lack get neutral fallbacks."""
    return {
        "clean_title": row.get("clean_title") or row["title"],
        "lines_changed": int(row.get("lines_changed") or int(row["additions"]) + int(row["deletions"])),
        "review_count": int(row.get("review_count") or 0),
        **{k: v for k, v in row.items() if k not in ("clean_title", "lines_changed", "review_count")},
    }


def build_portfolio(
    rows: list[dict[str, Any]],
    *,
    subject: dict[str, Any] | str,
    window_start: date,
    window_end: date,
    github_base_url: str,
    ledger_entries: dict[str, Any],
    capacity: dict[str, Any],
    curation: dict[str, Any] | None = None,
    generated_at: datetime | None = None,
    generated_by: dict[str, str] | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The portfolio for [window_start, window_end) from fully joined rows (all stages).

    ``rows`` and ``capacity`` are what ``value.window.apply_window`` made of the window: reverts
    applied, hours within the calendar, the arithmetic written; ``curation`` records the person's
    choices that shaped the rows (``curation.apply_curation``); ``generated_by`` who started the run
    and ``provenance`` what the portfolio was made from (``provenance``), when the export knows them.

    Every string of the document is redacted (``core.redaction``): titles, statements, claims,
    evidence and group titles are PR text, and every export (JSON, HTML, PDF, Markdown, CV, the
    executive summary, the UI's headline) is rendered from this document, so none of them can
    carry a secret or a phone number the warehouse holds.
    """
    accepted = [r for r in rows if r["status"] == "accepted"]
    rejected = [r for r in rows if r["status"] != "accepted"]
    currency = str(ledger_entries.get("currency", "USD"))

    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in accepted:
        by_category[row["category"]].append(row)
        by_month[row["merge_date"][:7]].append(row)
        by_repo[row["repo"]].append(row)

    def value_sum(group: list[dict[str, Any]]) -> float:
        return round(sum(float(r["value_expected"]) for r in group), 2)

    achievements = sorted((_achievement(r) for r in accepted), key=lambda a: (-a["value"]["expected"], a["pr_id"]))
    groups = build_achievements([_grouping_row(r) for r in accepted])
    when = generated_at or datetime.now(UTC)
    document = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **({"generated_by": generated_by} if generated_by else {}),
        "subject": subject if isinstance(subject, dict) else {"login": subject, "kind": "user"},
        "window": {"start": window_start.isoformat(), "end": (window_end - timedelta(days=1)).isoformat()},
        "sources": {
            "github_base_url": github_base_url,
            # A repository name no GitHub could have (on a rejected PR) is left to Appendix A's id.
            "repositories_seen": sorted({r["repo"] for r in rows if _REPO.match(str(r.get("repo") or ""))}),
        },
        "totals": {
            "prs": len(accepted),
            "repositories": len(by_repo),
            "additions": sum(int(r["additions"]) for r in accepted),
            "deletions": sum(int(r["deletions"]) for r in accepted),
            "hours": dict(capacity["hours"]),
            "cost": dict(capacity["cost"]),
            "value": _range(accepted, "value"),
            "currency": currency,
            "rejected": len(rejected),
            "capacity": capacity,
        },
        "category_mix": [
            {"category": cat, "prs": len(group), "value_expected": value_sum(group)}
            for cat, group in sorted(by_category.items(), key=lambda kv: (-value_sum(kv[1]), kv[0]))
        ],
        "value_over_time": [
            {"period": month, "prs": len(group), "value_expected": value_sum(group)}
            for month, group in sorted(by_month.items())
        ],
        "repositories": [
            {
                "repo": repo,
                "prs": len(group),
                "value_expected": value_sum(group),
                "top_category": Counter(r["category"] for r in group).most_common(1)[0][0],
            }
            for repo, group in sorted(by_repo.items(), key=lambda kv: (-value_sum(kv[1]), kv[0]))
        ],
        "achievement_groups": groups,
        "achievements": achievements,
        "quarters": quarters(accepted, groups, window_start, window_end - timedelta(days=1)),
        "skills": skills(accepted),
        "rejected": [_rejected(r) for r in rejected],
        "curation": curation or {"excluded_prs": 0, "private_prs": [], "choices": []},
        "assumptions": {
            name: {"value": entry["value"], "unit": entry.get("unit", ""), "note": entry.get("note", "")}
            for name, entry in ledger_entries.items()
            if isinstance(entry, dict) and "value" in entry
        },
        **({"provenance": provenance} if provenance else {}),
    }
    return redact_all(document)
