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


class _Earlier:
    """The PRs merged so far, indexed the ways a revert names its target, grown one PR at a time.

    Each lookup answers what a scan of every earlier PR would, so a history is read once instead of
    once per PR (a year of 10,000 PRs was 50 million comparisons).
    """

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.merge_shas: dict[Any, list[tuple[str, str]]] = {}  # repo -> [(merge sha, pr_id)] in merge order
        self.latest_by_title: dict[tuple[Any, str], str] = {}  # (repo, title key) -> the latest pr_id

    def add(self, pr: Mapping[str, Any]) -> None:
        pr_id = str(pr["pr_id"])
        self.ids.add(pr_id)
        if merge_sha := str(pr.get("merge_commit_sha") or "").lower():
            self.merge_shas.setdefault(pr.get("repo"), []).append((merge_sha, pr_id))
        self.latest_by_title[(pr.get("repo"), _title_key(str(pr.get("title") or "")))] = pr_id

    def by_commit(self, repo: Any, sha: str) -> str | None:
        """The earliest PR of ``repo`` whose merge commit starts with ``sha``."""
        return next((pr_id for merge_sha, pr_id in self.merge_shas.get(repo, ()) if merge_sha.startswith(sha)), None)


def _target(pr: Mapping[str, Any], earlier: _Earlier) -> tuple[str, str] | None:
    """The pr_id this PR reverts (among the ``earlier`` PRs of the history) and the words that say so."""
    text = f"{pr.get('title') or ''}\n{pr.get('body') or ''}"
    if found := _GITHUB_BUTTON.search(text):
        target = f"{found.group(1)}#{found.group(2)}"
        if target in earlier.ids:
            return target, found.group(0)
    if found := _SAME_REPO.search(text):
        target = f"{pr['repo']}#{found.group(1)}"
        if target in earlier.ids:
            return target, found.group(0)
    if (found := _GIT_REVERT.search(text)) and (target := earlier.by_commit(pr.get("repo"), found.group(1).lower())):
        return target, found.group(0)
    if found := _REVERT_TITLE.match(str(pr.get("title") or "")):
        wanted = _title_key(found.group("quoted") or found.group("plain"))
        if (target := earlier.latest_by_title.get((pr.get("repo"), wanted))) is not None:
            return target, f'title "{pr.get("title")}"'
    return None


def find_reverts(history: Iterable[Mapping[str, Any]]) -> dict[str, Revert]:
    """The effective reverts of a PR history, keyed by the pr_id of the PR they undid.

    ``history`` rows need pr_id, repo, title, body, merged_at and merge_commit_sha.
    """
    prs = sorted(history, key=lambda p: (str(p.get("merged_at") or ""), str(p["pr_id"])))
    links: list[Revert] = []
    earlier = _Earlier()
    for pr in prs:
        found = _target(pr, earlier)
        if found:
            links.append(Revert(target=found[0], by=str(pr["pr_id"]), how=found[1]))
        earlier.add(pr)
    undone: dict[str, Revert] = {}
    # Latest first: whether a revert counts depends only on PRs merged after it.
    for link in reversed(links):
        if link.by not in undone and link.target not in undone:
            undone[link.target] = link
    return undone


def reverting(undone: Mapping[str, Revert]) -> dict[str, Revert]:
    """The same links keyed by the reverting PR."""
    return {link.by: link for link in undone.values()}
