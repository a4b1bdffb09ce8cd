"""A fake GitHub history shaped like a real project: vite's merged PRs spread over 20 repositories.

The benchmark needs many PRs that look like real ones, not like the demo's generator:
titles, bodies, authors, merge times, sizes and file lists come from
``../shared/data/vite-prs.jsonl`` (6,383 merged PRs of vitejs/vite, MIT). Beyond 6,383
PRs, rows are drawn again. The rows are dealt round-robin over ``repos`` repositories of
the organisation ``vite-bench``. The export has no reviews or comments, so those are
drawn with a seeded generator at the demo history's rates, in the demo reviewers' words. Every PR is merged, so every
collector is asked for the same set.

A PR's merge commit is the export's ``sha``. Its first commit's authored time is the
export's ``author_date`` clamped to the PR's creation time: vite squash-merges, so
``author_date`` is the squash commit's date, which is the merge time for all but one row;
creation (5 minutes before the merge, or the author date when earlier) is the latest
time the first commit can have, and the export holds nothing earlier. The repositories
are public organisation repositories with a long tail of stars, vite's own numbers
(about 70,000 stars, 6,000 forks) for the first.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from achievement_pipeline.fakes.github.model import (
    FakeComment,
    FakeFile,
    FakeHistory,
    FakePullRequest,
    FakeRepo,
    FakeReview,
    FakeUser,
)
from achievement_pipeline.fakes.github.vocabulary import LINE_COMMENTS, REVIEW_BODIES

ORG = "vite-bench"
VITE = Path(__file__).resolve().parents[2] / "shared" / "data" / "vite-prs.jsonl"
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.I)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _login(name: str) -> str:
    login = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")[:39].strip("-")
    return login or f"user-{zlib.crc32(name.encode()):08x}"


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _status(additions: int, deletions: int) -> str:
    if deletions == 0 and additions > 0:
        return "added"
    if additions == 0 and deletions > 0:
        return "removed"
    return "modified"


def _stars(rank: int) -> int:
    """Stars of an organisation's ``rank``-th most popular repository (0 = vite's ~70,000): a Zipf-like tail."""
    return round(70_000 / (rank + 1) ** 1.5)


def vite_history(path: Path = VITE, prs: int = 10_000, repos: int = 20, seed: int = 7) -> FakeHistory:
    rng = random.Random(seed)
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    chosen = rows[:prs] + [rng.choice(rows) for _ in range(max(0, prs - len(rows)))]
    chosen.sort(key=lambda row: _moment(row["merged_at"]))
    logins = sorted({_login(row["author_name"]) for row in chosen})
    people = logins[: min(len(logins), 200)]
    users = [FakeUser("bench-bot", 1, "Bench Bot")]
    users += [FakeUser(login, 10 + i, login) for i, login in enumerate(logins) if login != "bench-bot"]
    users.append(FakeUser(ORG, 9, "Vite Bench", "Organization"))
    repositories = [
        FakeRepo(
            f"{ORG}/repo-{i + 1:02}",
            500 + i,
            ORG,
            False,
            "vite, dealt out",
            "TypeScript",
            "main",
            datetime(2020, 1, 1, tzinfo=UTC),
            stars=_stars(i),
            forks=_stars(i) * 9 // 100,
        )
        for i in range(repos)
    ]
    numbers = [0] * repos
    pulls = []
    for index, row in enumerate(chosen):
        slot = index % repos
        numbers[slot] += 1
        pulls.append(_pull(rng, index, row, repositories[slot].full_name, numbers[slot], people))
    start = min(p.merged_at for p in pulls).date()  # type: ignore[type-var]
    end = max(p.merged_at for p in pulls).date()  # type: ignore[type-var]
    return FakeHistory(seed, start, end, ("bench-bot",), tuple(users), tuple(repositories), tuple(pulls))


def _review(rng: random.Random, review_id: int, reviewers: list[str], i: int, merged: datetime, sha: str) -> FakeReview:
    """A review in the words the demo's reviewers use (the export has none): enough variety to train on."""
    state = "APPROVED" if i == 0 else rng.choice(("COMMENTED", "CHANGES_REQUESTED", "APPROVED"))
    return FakeReview(
        review_id,
        rng.choice(reviewers),
        state,
        rng.choice(REVIEW_BODIES[state]),
        merged - timedelta(minutes=rng.randint(10, 600)),
        sha,
    )


def _pull(rng: random.Random, index: int, row: dict, repo: str, number: int, people: list[str]) -> FakePullRequest:
    merged = _moment(row["merged_at"])
    created = min(_moment(row["author_date"]), merged - timedelta(minutes=5))
    author = _login(row["author_name"])
    files = tuple(
        FakeFile(
            f["filename"],
            _status(f["additions"], f["deletions"]),
            f["additions"],
            f["deletions"],
            _sha(repo, number, f["filename"]),
        )
        for f in row["files"]
    )
    reviewers = [p for p in people if p != author] or ["bench-bot"]
    reviews = tuple(
        _review(rng, 4_000_000_000 + index * 10 + i, reviewers, i, merged, _sha(repo, number, "head"))
        for i in range(rng.choices(range(5), weights=(25, 40, 20, 10, 5))[0])
    )
    review_comments = []
    for i in range(rng.choices(range(7), weights=(40, 20, 15, 10, 7, 5, 3))[0] if reviews else 0):
        review = rng.choice(reviews)
        path = files[0].filename if files else "README.md"
        body = rng.choice(LINE_COMMENTS)
        review_comments.append(
            FakeComment(5_000_000_000 + index * 10 + i, review.user, body, review.submitted_at, path, 1 + i, review.id)
        )
    comments = tuple(
        FakeComment(
            6_000_000_000 + index * 10 + i,
            rng.choice(reviewers),
            "Thanks for the fix!",
            merged - timedelta(minutes=rng.randint(1, 300)),
        )
        for i in range(rng.choices(range(5), weights=(45, 30, 15, 7, 3))[0])
    )
    kind = row.get("conventional_type") or ""
    return FakePullRequest(
        repo=repo,
        number=number,
        id=3_000_000_000 + index,
        issue_id=3_500_000_000 + index,
        title=row["title"],
        body=row.get("body") or "",
        author=author,
        created_at=created,
        updated_at=merged + timedelta(seconds=rng.randint(1, 3_600)),
        closed_at=merged,
        merged_at=merged,
        merged_by=author,
        merge_commit_sha=row["sha"],
        head_ref=f"pr-{number}",
        head_sha=_sha(repo, number, "head"),
        base_ref="main",
        base_sha=_sha(repo, number, "base"),
        labels=(f"type: {kind}",) if kind else (),
        files=files,
        reviews=reviews,
        review_comments=tuple(review_comments),
        issue_comments=comments,
        commits=rng.choices(range(1, 9), weights=(40, 20, 12, 10, 7, 5, 3, 3))[0],
        linked_issues=tuple(dict.fromkeys(int(n) for n in _CLOSES.findall(row.get("body") or ""))),
        change_type=kind,
        scope=row.get("conventional_scope") or "",
        intent=kind,
        first_commit_at=min(_moment(row["author_date"]), created),
    )
