"""Group related pull requests into achievements: the unit a person talks about in a review.

One feature is often several PRs: the API change, the UI, the follow-up fix. Readers want
"shipped checkout retries" once, with its evidence, not five near-identical cards. PRs are
related when they close the same issue, belong to the same milestone, come from the same
feature branch family, or are the same kind of work in the same area of a repository over the
window; relatedness is
transitive (union-find), and every group says why its PRs belong together. A quarter then
reads as a handful of achievements, not one per PR.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from achievement_pipeline.export.breakdowns import issue_links

_BRANCH_TYPE = re.compile(
    r"^(?:feat|feature|fix|bugfix|hotfix|perf|refactor|docs|test|chore|ci|build|security)[/_-]", re.I
)
_BRANCH_SUFFIX = re.compile(r"(?:[-_](?:part|pt|step|v)?\d+|[-_](?:followup|follow-up|wip|fixup))+$", re.I)
_NON_FEATURE_BRANCHES = frozenset({"main", "master", "develop", "dev", "trunk", "patch", "update"})


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # The smaller id wins, so the same input always yields the same group ids.
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def branch_family(head_ref: str) -> str:
    """The feature a branch belongs to: "feat/checkout-retry-2" and "fix/checkout-retry-ui" → "checkout-retry"."""
    name = head_ref.rsplit(":", 1)[-1].strip().lower()
    name = name.split("/", 1)[1] if "/" in name and _BRANCH_TYPE.match(name) else name.rsplit("/", 1)[-1]
    name = _BRANCH_TYPE.sub("", name)
    name = _BRANCH_SUFFIX.sub("", name)
    tokens = [t for t in re.split(r"[-_.]+", name) if t and not t.isdigit()]
    if len(tokens) < 2 or name in _NON_FEATURE_BRANCHES:
        return ""  # one-word or generic branches say nothing about a shared feature
    return "-".join(tokens[:2])


def relatedness_keys(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(reason, key) pairs; two PRs sharing any key are related."""
    repo = str(row["repo"])
    keys = [("closes the same issue", f"{repo}#issue{number}") for number in row.get("linked_issues") or []]
    milestone = str(row.get("milestone") or "").strip()
    if milestone:
        keys.append(("same milestone", f"{repo}:milestone:{milestone.casefold()}"))
    family = branch_family(str(row.get("head_ref") or ""))
    if family:
        keys.append(("same feature branch", f"{repo}:branch:{family}"))
    areas = list(row.get("areas") or [])
    if areas and row.get("category"):
        keys.append(("same area and kind of work", f"{repo}:{areas[0]}:{row['category']}"))
    return keys


def group_related(rows: list[Mapping[str, Any]]) -> list[tuple[list[Mapping[str, Any]], list[str]]]:
    """Partition rows into groups of related PRs, each with the reasons that joined it.

    Groups come out in order of their first PR's merge date, PRs inside a group by merge date.
    """
    by_id = {str(r["pr_id"]): r for r in rows}
    forest = _UnionFind(by_id)
    first_with_key: dict[str, str] = {}
    reasons_by_key: dict[str, str] = {}
    for pr_id in sorted(by_id):
        for reason, key in relatedness_keys(by_id[pr_id]):
            reasons_by_key[key] = reason
            if key in first_with_key:
                forest.union(first_with_key[key], pr_id)
            else:
                first_with_key[key] = pr_id

    members: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for pr_id, row in by_id.items():
        members[forest.find(pr_id)].append(row)
    groups = []
    for group in members.values():
        group.sort(key=lambda r: (str(r["merged_at"]), str(r["pr_id"])))
        key_counts = Counter(key for row in group for _, key in relatedness_keys(row))
        reasons = sorted({reasons_by_key[key] for key, count in key_counts.items() if count > 1})
        groups.append((group, reasons))
    groups.sort(key=lambda item: (str(item[0][0]["merged_at"]), str(item[0][0]["pr_id"])))
    return groups


def _value(rows: list[Mapping[str, Any]], prefix: str) -> dict[str, float]:
    return {k: round(sum(float(r[f"{prefix}_{k}"]) for r in rows), 2) for k in ("low", "expected", "high")}


def _star(lead: Mapping[str, Any], group: list[Mapping[str, Any]]) -> dict[str, str]:
    """The STAR story: the enrich stage's when it wrote one, else built from the PRs' own facts."""
    star = lead.get("star")
    if isinstance(star, Mapping) and all(star.get(k) for k in ("situation", "task", "action", "result")):
        return {k: str(star[k]) for k in ("situation", "task", "action", "result")}
    issues = sorted({n for r in group for n in (r.get("linked_issues") or [])})
    claims = [c for r in group for c in (r.get("claims") or [])]
    areas = sorted({a for r in group for a in (r.get("areas") or [])})
    situation = (
        f"The work in {lead['repo']} was tracked in issue{'s' if len(issues) > 1 else ''} "
        f"{', '.join(f'#{n}' for n in issues)}."
        if issues
        else f"The work was in {lead['repo']}."
    )
    lines, reviews = sum(int(r["lines_changed"]) for r in group), sum(int(r["review_count"]) for r in group)
    title = str(lead["clean_title"]).rstrip(".")
    result = "; ".join(str(c).rstrip(".") for c in claims[:2])
    return {
        "situation": situation,
        "task": f"{title[:1].upper()}{title[1:]}.",
        "action": (
            f"Merged {len(group)} pull request{'s' if len(group) > 1 else ''} changing {lines} "
            f"line{'s' if lines != 1 else ''}"
            + (f" in {', '.join(areas[:4])}" if areas else "")
            + (f", reviewed {reviews} time{'s' if reviews != 1 else ''}" if reviews else "")
            + "."
        ),
        "result": f"{result[:1].upper()}{result[1:]}." if result else str(lead["achievement"]),
    }


def _linked_issues(group: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The issues the group's PRs close, each once, linked in its own repository."""
    links: dict[str, dict[str, Any]] = {}
    for row in group:
        for link in issue_links(str(row.get("url") or ""), row.get("linked_issues") or []):
            links.setdefault(link["url"], link)
    return list(links.values())


def _reworded(group: list[Mapping[str, Any]], text: str, lead: Mapping[str, Any]) -> Mapping[str, Any]:
    """The PR whose words tell the group: the lead, unless its author reworded another member's."""
    if text in (lead.get("rewritten") or []):
        return lead
    return next((r for r in group if text in (r.get("rewritten") or [])), lead)


def build_achievements(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Achievements from accepted, fully joined PR rows (all stages), largest expected value first."""
    achievements = []
    for group, reasons in group_related(rows):
        lead = max(group, key=lambda r: (float(r["value_expected"]), str(r["pr_id"])))
        extra = len(group) - 1
        title = str(_reworded(group, "title", lead)["clean_title"]).strip() or str(lead["title"])
        title = title[:1].upper() + title[1:]
        category_value: dict[str, float] = defaultdict(float)
        for r in group:
            category_value[str(r["category"])] += float(r["value_expected"])
        achievements.append(
            {
                "id": f"ach-{lead['pr_id']}",
                "title": title + (f" (+{extra} related PR{'s' if extra > 1 else ''})" if extra else ""),
                "statement": str(_reworded(group, "statement", lead)["achievement"]),
                "star": _star(lead, group),
                "category": max(category_value.items(), key=lambda kv: (kv[1], kv[0]))[0],
                "impact": max((str(r["impact"]) for r in group), key=("low", "medium", "high").index),
                "repos": sorted({str(r["repo"]) for r in group}),
                "pr_ids": [str(r["pr_id"]) for r in group],
                "linked_issues": _linked_issues(group),
                "grouped_by": reasons,
                "first_merged_at": str(group[0]["merged_at"]),
                "last_merged_at": str(group[-1]["merged_at"]),
                "hours": _value(group, "hours"),
                "cost": _value(group, "cost"),
                "value": _value(group, "value"),
                "currency": str(lead["currency"]),
                "featured": any(bool(r.get("pinned")) for r in group),
            }
        )
    achievements.sort(key=lambda a: (not a["featured"], -a["value"]["expected"], a["id"]))
    return achievements
