"""Derived features of a pull request: the facts the summariser, the models and the value rules share.

Everything here is a pure function of one ``PullRequestRecord`` so the enrich stage is
deterministic: the same PR always yields the same features, whatever else is in the run.
"""

from __future__ import annotations

import re
from collections import Counter

from achievement_pipeline.core.conventional import CANONICAL_TYPE, KNOWN_TYPES
from achievement_pipeline.core.records import PullRequestRecord

# "feat(scope)!: title" — the conventional-commit header; the type is what the weak labels key on.
_CONVENTIONAL = re.compile(r"^\s*(?P<type>[a-zA-Z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?\s*:\s*(?P<rest>.+)$")

# A measurable claim is a sentence with a quantity ("420 ms", "18%", "3x") and a change
# ("from … to", "fewer", "cuts … by"): quoted whole, so readers and value rules can check it.
_QUANTITY = re.compile(
    r"\d[\d.,]*\s*(?:%|x\b|ms\b|s\b|secs?\b|seconds|min(?:utes)?\b|hours?\b|[kmg]i?b\b|req/s|rps\b|qps\b)", re.I
)
_CHANGE = re.compile(
    r"\bfrom\b.+\bto\b|\b(?:fewer|less|more|faster|slower|smaller|larger|lower|higher|reduc\w*|cut\w*|"
    r"drops?|dropped|improv\w*|increas\w*|decreas\w*|saves?|saved|by)\b|\bof (?:users|customers|requests)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MAX_CLAIM_CHARS = 200
_LINKED_ISSUE = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.I)

_SIZE_BOUNDS = ((10, "xs"), (50, "s"), (250, "m"), (1000, "l"))


def parse_conventional_title(title: str) -> tuple[str, str, str]:
    """Split "type(scope): rest" into (type, scope, rest); ("", "", title) when it is no such header.

    The known types are ``core.conventional.KNOWN_TYPES`` (the label rules read the same list);
    spellings such as ``feature``/``bugfix``/``doc`` come back as their canonical type.
    """
    match = _CONVENTIONAL.match(title)
    kind = match.group("type").lower() if match else ""
    if not match or kind not in KNOWN_TYPES:
        return "", "", title.strip()
    return CANONICAL_TYPE.get(kind, kind), (match.group("scope") or "").strip(), match.group("rest").strip()


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
    """The sentences of a PR that state a measured change, verbatim, without repeats."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = " ".join(sentence.strip().lstrip("#>*- ").split()).rstrip(".")
        if sentence and _QUANTITY.search(sentence) and _CHANGE.search(sentence) and sentence not in found:
            found.append(sentence[:_MAX_CLAIM_CHARS])
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
