"""Which merged PRs a later PR reverted, from the collected history: an undone change delivers nothing.

A revert is recognised the ways GitHub and git write it: GitHub's revert button ("Reverts
owner/repo#123" in the body, 'Revert "title"' as the title), a hand-written "reverts #123", git's
own "This reverts commit <sha>" (matched against the PRs' merge commits), or a conventional
"revert: title". Only merged PRs merged before the revert count as its target. A revert that is
itself reverted undoes nothing, so a revert of a revert restores the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_GITHUB_BUTTON = re.compile(r"\bReverts\s+([\w.-]+/[\w.-]+)#(\d+)\b")
_SAME_REPO = re.compile(r"\b(?:this\s+)?reverts?\s+#(\d+)\b", re.I)
_GIT_REVERT = re.compile(r"\bThis reverts commit\s+([0-9a-f]{7,40})\b", re.I)
_REVERT_TITLE = re.compile(r'^\s*(?:revert\s*"(?P<quoted>.+)"|revert(?:\([^)]*\))?\s*:\s*(?P<plain>.+))\s*$', re.I)


@dataclass(frozen=True)
class Revert:
    """``by`` reverted ``target``; ``how`` quotes what said so."""

    target: str
    by: str
    how: str


def _title_key(title: str) -> str:
    return " ".join(title.lower().split()).rstrip(".")


def _target(pr: Mapping[str, Any], earlier: list[Mapping[str, Any]]) -> tuple[str, str] | None:
    """The pr_id this PR reverts (among ``earlier`` PRs of the history) and the words that say so."""
    text = f"{pr.get('title') or ''}\n{pr.get('body') or ''}"
    by_id = {str(p["pr_id"]): p for p in earlier}
    if found := _GITHUB_BUTTON.search(text):
        target = f"{found.group(1)}#{found.group(2)}"
        if target in by_id:
            return target, found.group(0)
    if found := _SAME_REPO.search(text):
        target = f"{pr['repo']}#{found.group(1)}"
        if target in by_id:
            return target, found.group(0)
    if found := _GIT_REVERT.search(text):
        sha = found.group(1).lower()
        for candidate in earlier:
            merge_sha = str(candidate.get("merge_commit_sha") or "").lower()
            if merge_sha and merge_sha.startswith(sha) and candidate.get("repo") == pr.get("repo"):
                return str(candidate["pr_id"]), found.group(0)
    if found := _REVERT_TITLE.match(str(pr.get("title") or "")):
        wanted = _title_key(found.group("quoted") or found.group("plain"))
        for candidate in reversed(earlier):  # the latest PR of that title
            if candidate.get("repo") == pr.get("repo") and _title_key(str(candidate.get("title") or "")) == wanted:
                return str(candidate["pr_id"]), f'title "{pr.get("title")}"'
    return None


def find_reverts(history: Iterable[Mapping[str, Any]]) -> dict[str, Revert]:
    """The effective reverts of a PR history, keyed by the pr_id of the PR they undid.

    ``history`` rows need pr_id, repo, title, body, merged_at and merge_commit_sha.
    """
    prs = sorted(history, key=lambda p: (str(p.get("merged_at") or ""), str(p["pr_id"])))
    links: list[Revert] = []
    for index, pr in enumerate(prs):
        found = _target(pr, prs[:index])
        if found:
            links.append(Revert(target=found[0], by=str(pr["pr_id"]), how=found[1]))
    undone: dict[str, Revert] = {}
    # Latest first: whether a revert counts depends only on PRs merged after it.
    for link in reversed(links):
        if link.by not in undone and link.target not in undone:
            undone[link.target] = link
    return undone


def reverting(undone: Mapping[str, Revert]) -> dict[str, Revert]:
    """The same links keyed by the reverting PR."""
    return {link.by: link for link in undone.values()}
