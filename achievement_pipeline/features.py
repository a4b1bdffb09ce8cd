"""Derived features of a pull request: the facts the summariser, the models and the value rules share.

Everything here is a pure function of one ``PullRequestRecord`` so the enrich stage is
deterministic: the same PR always yields the same features, whatever else is in the run.
"""

from __future__ import annotations

import re
from collections import Counter

from achievement_pipeline.records import PullRequestRecord

# "feat(scope)!: title" — the conventional-commit header; the type is what the weak labels key on.
_CONVENTIONAL = re.compile(r"^\s*(?P<type>[a-zA-Z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?\s*:\s*(?P<rest>.+)$")
KNOWN_TYPES = frozenset(
    {
        "feat",
        "fix",
        "perf",
        "refactor",
        "docs",
        "test",
        "build",
        "ci",
        "chore",
        "style",
        "revert",
        "security",
        "deps",
    }
)

# Measurable claims: "p95 from 420 ms to 180 ms", "by 18%", "40% fewer errors", "3x faster".
_UNIT = r"(?:ms|s|sec|seconds|minutes|min|kb|mb|gb|%|x|req/s|rps|qps)"
_CLAIM_PATTERNS = (
    re.compile(rf"\b(?:p\d{{2}}\s+)?[\w ]{{0,30}}?from\s+\d[\d.,]*\s*{_UNIT}\s+to\s+\d[\d.,]*\s*{_UNIT}", re.I),
    re.compile(
        r"\b\d[\d.,]*\s*%\s+(?:fewer|less|more|faster|smaller|lower|higher|reduction|increase)\b[\w ]{0,20}",
        re.I,
    ),
    re.compile(rf"\b(?:by|cuts?|reduces?|improves?)\s[\w ]{{0,25}}?\d[\d.,]*\s*{_UNIT}", re.I),
    re.compile(r"\b\d+(?:\.\d+)?x\s+(?:faster|smaller|fewer|less)\b", re.I),
)
_LINKED_ISSUE = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.I)

_SIZE_BOUNDS = ((10, "xs"), (50, "s"), (250, "m"), (1000, "l"))


def parse_conventional_title(title: str) -> tuple[str, str, str]:
    """Split "type(scope): rest" into (type, scope, rest); ("", "", title) when it is no such header."""
    match = _CONVENTIONAL.match(title)
    if not match or match.group("type").lower() not in KNOWN_TYPES:
        return "", "", title.strip()
    return match.group("type").lower(), (match.group("scope") or "").strip(), match.group("rest").strip()


def size_class(lines_changed: int) -> str:
    """Bucket lines changed the way reviewers talk about PRs (xs … xl)."""
    for bound, label in _SIZE_BOUNDS:
        if lines_changed < bound:
            return label
    return "xl"


def area_of(path: str) -> str:
    """The part of a path that names a product area: two levels under src/packages/apps, else one."""
    parts = [p for p in path.split("/") if p]
    if len(parts) <= 1:
        return "(root)"
    if parts[0] in {"src", "packages", "apps", "services", "libs", "lib"} and len(parts) > 2:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


def areas_touched(filenames: list[str], limit: int = 5) -> list[str]:
    """The areas with the most files changed, most first, ties by name so the order is stable."""
    counts = Counter(area_of(name) for name in filenames)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [area for area, _ in ranked[:limit]]


def measurable_claims(text: str, limit: int = 5) -> list[str]:
    """Quote the measurable claims a PR makes, verbatim, so value rules and readers can check them."""
    found: list[str] = []
    for pattern in _CLAIM_PATTERNS:
        for match in pattern.finditer(text):
            claim = " ".join(match.group(0).split())
            if not any(claim in seen or seen in claim for seen in found):
                found.append(claim)
    return found[:limit]


def linked_issues(body: str) -> list[int]:
    """Issue numbers the PR says it closes ("Fixes #12"), in order, without repeats."""
    seen: dict[int, None] = {}
    for match in _LINKED_ISSUE.finditer(body or ""):
        seen.setdefault(int(match.group(1)), None)
    return list(seen)


def pr_features(pr: PullRequestRecord) -> dict[str, object]:
    """All derived features of one PR, keyed as in ``EnrichedRecord`` (text fields excluded)."""
    ctype, scope, clean = parse_conventional_title(pr["title"])
    lines = int(pr["additions"]) + int(pr["deletions"])
    return {
        "pr_id": pr["pr_id"],
        "merge_date": pr["merge_date"],
        "conventional_type": ctype,
        "scope": scope,
        "clean_title": clean,
        "lines_changed": lines,
        "size_class": size_class(lines),
        "areas": areas_touched([f["filename"] for f in pr["files"]]),
        "review_count": len(pr["reviews"]),
        "review_comment_count": len(pr["review_comments"]),
        "claims": measurable_claims(f"{pr['title']}\n{pr['body']}"),
    }


MODEL_INPUT_COLUMNS = (
    "pr_id",
    "merge_date",
    "clean_title",
    "body",
    "labels",
    "conventional_type",
    "areas",
    "lines_changed",
    "size_class",
    "review_count",
    "review_comment_count",
    "claims",
    "linked_issue_count",
)


def model_inputs(prs: list[dict[str, object]], enriched: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows the category and impact models read: enriched features plus the PR's own text."""
    by_id = {pr["pr_id"]: pr for pr in prs}
    rows = []
    for row in enriched:
        pr = by_id.get(row["pr_id"])
        if pr is None:
            continue
        merged = {
            **row,
            "body": pr["body"],
            "labels": pr["labels"],
            "linked_issue_count": len(pr["linked_issues"]),
        }  # type: ignore[arg-type]
        rows.append({column: merged[column] for column in MODEL_INPUT_COLUMNS})
    return rows
