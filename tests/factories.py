"""Rows for tests, built like the stages build them."""

from __future__ import annotations

from typing import Any

from achievement_pipeline.core.predictions import PREFIX_BASIS, SCORECARD_VERSION
from achievement_pipeline.core.records import PredictionRecord, PullRequestRecord


def make_pr(number: int = 1, **overrides: Any) -> PullRequestRecord:
    pr: PullRequestRecord = {
        "pr_id": f"acme/web-app#{number}",
        "repo": "acme/web-app",
        "number": number,
        "title": "perf(api): cache session lookups",
        "body": "Caches session lookups in memory. p95 latency from 420 ms to 180 ms.\n\nFixes #12",
        "author": "octo-demo",
        "url": f"https://github.com/acme/web-app/pull/{number}",
        "created_at": "2025-01-02T09:00:00Z",
        "merged_at": "2025-01-03T10:00:00Z",
        "merge_date": "2025-01-03",
        "base_ref": "main",
        "head_ref": "perf/session-cache",
        "additions": 120,
        "deletions": 30,
        "changed_files": 3,
        "commits": 2,
        "labels": ["performance"],
        "files": [
            {"filename": "src/api/session.py", "status": "modified", "additions": 100, "deletions": 30},
            {"filename": "src/api/cache.py", "status": "added", "additions": 15, "deletions": 0},
            {"filename": "tests/test_session.py", "status": "modified", "additions": 5, "deletions": 0},
        ],
        "reviews": [
            {"author": "rev1", "state": "APPROVED", "body": "Nice", "submitted_at": "2025-01-03T09:00:00Z"},
            {"author": "rev2", "state": "COMMENTED", "body": "", "submitted_at": "2025-01-03T08:00:00Z"},
        ],
        "review_comments": [{"author": "rev2", "body": "Consider a TTL", "path": "src/api/cache.py"}],
        "issue_comments": [],
        "linked_issues": [12],
    }
    pr.update(overrides)  # type: ignore[typeddict-item]
    return pr


def pr_from_fake(pull: Any) -> PullRequestRecord:
    """A PR of the fake GitHub's history (``FakePullRequest``) as ingest records it."""
    merged = pull.merged_at or pull.created_at
    return make_pr(
        pull.number,
        pr_id=f"{pull.repo}#{pull.number}",
        repo=pull.repo,
        title=pull.title,
        body=pull.body or "",
        author=pull.author,
        merged_at=merged.strftime("%Y-%m-%dT%H:%M:%SZ"),
        merge_date=merged.date().isoformat(),
        additions=sum(f.additions for f in pull.files),
        deletions=sum(f.deletions for f in pull.files),
        changed_files=len(pull.files),
        commits=pull.commits,
        labels=list(pull.labels),
        files=[
            {"filename": f.filename, "status": f.status, "additions": f.additions, "deletions": f.deletions}
            for f in pull.files
        ],
        reviews=[{"author": r.user, "state": r.state, "body": r.body, "submitted_at": ""} for r in pull.reviews],
        review_comments=[{"author": c.user, "body": c.body, "path": c.path} for c in pull.review_comments],
        issue_comments=[{"author": c.user, "body": c.body, "path": c.path} for c in pull.issue_comments],
        linked_issues=list(pull.linked_issues),
    )


def pr_from_corpus(row: dict[str, Any]) -> PullRequestRecord:
    """A merged PR of a git-history corpus (../shared/data/vite-prs.jsonl: title, body, files; no reviews)."""
    from achievement_pipeline.enrich.features import linked_issues

    return make_pr(
        int(row["number"]),
        pr_id=f"{row['repo']}#{row['number']}",
        repo=row["repo"],
        title=row["title"],
        body=row.get("body") or "",
        author=row.get("author_name") or "",
        additions=int(row["additions"]),
        deletions=int(row["deletions"]),
        changed_files=int(row["changed_files"]),
        labels=[],
        files=[
            {"filename": f["filename"], "status": "modified", "additions": f["additions"], "deletions": f["deletions"]}
            for f in row["files"]
        ],
        reviews=[],
        review_comments=[],
        linked_issues=linked_issues(row.get("body") or ""),
    )


def prediction_part(**overrides: Any) -> PredictionRecord:
    """A complete ``predictions`` row, as the predict stage writes it for :func:`make_pr`'s PR.

    The PR states its category ("perf(api): ..."), so the category's basis is its prefix while the
    model's own guess and calibrated confidence are kept beside it; the impact scorecard gives 4 points
    (a measurable claim, a closed issue, performance work): high. Every model names its own version,
    and ``model_version`` lists them all unless given: overriding ``category_model_version`` or
    ``sentiment_model_version`` keeps it consistent. An override that is not a ``PredictionRecord``
    column (a removed one, such as ``impact_confidence``) is an error, so stale test data fails loudly.
    """
    unknown = set(overrides) - set(PredictionRecord.__annotations__)
    if unknown:
        raise KeyError(f"not PredictionRecord columns: {', '.join(sorted(unknown))}")
    category_version = overrides.get("category_model_version", "pr-category:1")
    sentiment_version = overrides.get("sentiment_model_version", "pr-review-sentiment:1")
    row: PredictionRecord = {
        "pr_id": "acme/web-app#1",
        "merge_date": "2025-01-03",
        "category": "performance",
        "category_basis": PREFIX_BASIS,
        "predicted_category": "performance",
        "category_confidence": 0.8,
        "impact": "high",
        "impact_points": 4,
        "impact_evidence": [
            {"evidence": "1 measurable claim in the PR text", "points": 1},
            {"evidence": "closes 1 issue", "points": 1},
            {"evidence": "performance work", "points": 2},
        ],
        "review_sentiment": "positive",
        "sentiment_confidence": 0.7,
        "sentiment_score": 0.4,
        "negative_review_share": 0.0,
        "review_text_count": 2,
        "review_states": {"APPROVED": 1, "COMMENTED": 1},
        "model_name": "pr-category",
        "model_version": ",".join(v for v in (category_version, SCORECARD_VERSION, sentiment_version) if v),
        "category_model_version": category_version,
        "sentiment_model_version": sentiment_version,
    }
    row.update(overrides)  # type: ignore[typeddict-item]
    return row


def valuation_input(**overrides: Any) -> dict[str, Any]:
    """A joined ingest + enrich + predict row as the value stage sees it (a one-day PR in an org's repository)."""
    row: dict[str, Any] = {
        "pr_id": "acme/web-app#1",
        "repo": "acme/web-app",
        "author": "octo-demo",
        "merge_date": "2025-01-03",
        "created_at": "2025-01-03T09:00:00Z",
        "first_commit_at": "2025-01-03T08:00:00Z",
        "merged_at": "2025-01-03T16:00:00Z",
        "size_class": "m",
        "lines_changed": 150,
        "changed_files": 3,
        "commits": 1,
        "reviews": [{"author": "rev1", "state": "APPROVED", "body": "Nice"}],
        "claims": ["p95 latency from 420 ms to 180 ms"],
        "review_comment_count": 1,
        "linked_issues": [12],
        **prediction_part(review_states={"APPROVED": 1}),
        "repo_owner_type": "Organization",
        "repo_is_fork": False,
        "repo_is_private": True,
        "repo_stars": 0,
        "repo_forks": 0,
        "milestone": "",
    }
    row.update(overrides)
    return row


def portfolio_document(rows: list[dict[str, Any]], start: Any, end: Any, **options: Any) -> dict[str, Any]:
    """The portfolio the export builds from joined rows: the window's rules applied, then the document."""
    from achievement_pipeline.core.ledger import load_ledger
    from achievement_pipeline.export.document import build_portfolio
    from achievement_pipeline.value.window import apply_window

    ledger = load_ledger()
    window = apply_window(rows, options.pop("history", []), start, end, ledger)
    return build_portfolio(
        window.rows,
        subject=options.pop("subject", "octo-demo"),
        window_start=start,
        window_end=end,
        github_base_url=options.pop("github_base_url", "demo"),
        ledger_entries=ledger.entries,
        capacity=window.capacity,
        **options,
    )
