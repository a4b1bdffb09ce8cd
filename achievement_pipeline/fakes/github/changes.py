"""Changes to a fake history while it is being served: new merges, edits to merged PRs.

Real GitHub moves under a collector: PRs merge, old PRs get a label or a late comment.
Incremental collection and the new-PR sensor are about exactly that, so their tests (and
a live demo through ``POST /_fake/pulls``) make such changes with these helpers and
``FakeGitHub.apply``. Every change bumps ``updated_at``, as GitHub does.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

from achievement_pipeline.fakes.github.model import FakeComment, FakeFile, FakeHistory, FakePullRequest


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def new_merged_pull(
    history: FakeHistory,
    *,
    repo: str,
    author: str,
    merged_at: datetime,
    title: str = "feat: ship the thing",
    body: str = "Adds the thing.",
    files: int = 2,
    number: int | None = None,
) -> FakePullRequest:
    """A PR that was opened an hour before ``merged_at`` and merged then, with the next free number.

    Its one commit was authored two hours before the PR was opened.
    """
    if history.repo(repo) is None:
        raise ValueError(f"the fake history has no repository {repo!r}")
    if merged_at.tzinfo is None:
        merged_at = merged_at.replace(tzinfo=UTC)
    taken = [p.number for p in history.pulls_in(repo)]
    number = number if number is not None else max(taken, default=0) + 1
    ids = max((p.id for p in history.pulls), default=2_100_000_000) + 1
    issue_ids = max((p.issue_id for p in history.pulls), default=2_700_000_000) + 1
    changed = tuple(
        FakeFile(f"src/feature_{number}/module_{i}.py", "modified" if i else "added", 10 + i, i, _sha(repo, number, i))
        for i in range(files)
    )
    return FakePullRequest(
        repo=repo,
        number=number,
        id=ids,
        issue_id=issue_ids,
        title=title,
        body=body,
        author=author,
        created_at=merged_at - timedelta(hours=1),
        updated_at=merged_at,
        closed_at=merged_at,
        merged_at=merged_at,
        merged_by=author,
        merge_commit_sha=_sha(repo, number, "merge"),
        head_ref=f"feature/{number}",
        head_sha=_sha(repo, number, "head"),
        base_ref="main",
        base_sha=_sha(repo, number, "base"),
        labels=(),
        files=changed,
        reviews=(),
        review_comments=(),
        issue_comments=(),
        commits=1,
        linked_issues=(),
        change_type="feat",
        scope="",
        intent="feature",
        first_commit_at=merged_at - timedelta(hours=3),
    )


def labelled(pr: FakePullRequest, label: str, at: datetime) -> FakePullRequest:
    """``pr`` with one more label, edited at ``at``."""
    return dataclasses.replace(pr, labels=(*pr.labels, label), updated_at=at)


def commented(pr: FakePullRequest, author: str, body: str, at: datetime) -> FakePullRequest:
    """``pr`` with one more conversation comment, written at ``at``."""
    comment_id = 2_600_000_000 + int(_sha(pr.pr_id, at.isoformat())[:6], 16)
    comment = FakeComment(comment_id, author, body, at)
    return dataclasses.replace(pr, issue_comments=(*pr.issue_comments, comment), updated_at=at)
