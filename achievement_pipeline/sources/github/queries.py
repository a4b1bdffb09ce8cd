"""The GraphQL the collector sends, and how its answers become warehouse rows.

One search page brings up to 100 merged PRs with everything the pipeline uses: files,
reviews with their comments, conversation comments, labels, the issues a PR closes
(GitHub's ``closingIssuesReferences``, not a guess from the body), the commit count with
the first commit's authored date, the merge commit, the milestone it belongs to, and the
facts of the repository it was merged into (owner type, fork, private, stars, forks).
Those facts are single objects or a one-item list, so they add nodes but no rate-limit points.
Nested lists are read up to a typical size (``PageShape``), which keeps a page's price
in rate-limit points and nodes low; the rare PR with more gets its remaining items
from follow-up pages (``Continuation``), many PRs in one query, and its files over REST
when they exceed a page. GitHub's limits (first/last at most 100, 500,000 nodes) hold
for every query here, and the tests check them against GitHub's published schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from achievement_pipeline.core.records import Comment, FileChange, PullRequestRecord, Review
from achievement_pipeline.sources.github.store import iso, parse_iso

_CHANGE_STATUS = {
    "ADDED": "added",
    "DELETED": "removed",
    "MODIFIED": "modified",
    "RENAMED": "renamed",
    "COPIED": "copied",
    "CHANGED": "changed",
}


@dataclass(frozen=True)
class PageShape:
    """How many items of each list one page asks for (GitHub allows 1..100 each)."""

    prs: int = 100
    files: int = 100
    labels: int = 20
    reviews: int = 10
    review_comments: int = 10
    comments: int = 30
    issues: int = 10

    def smaller(self) -> PageShape:
        """Half the PRs per page: what to do when GitHub times out (502) on a heavy page."""
        return replace(self, prs=max(1, self.prs // 2))


_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
# The repository as GitHub describes it. ``owner``'s type tells an organisation from a person.
_REPOSITORY = "nameWithOwner isFork isPrivate stargazerCount forkCount owner { __typename login }"
_REVIEW_COMMENT = "author { login } body path"
_ISSUE_COMMENT = "author { login } body"


def _review_fields(shape: PageShape) -> str:
    return (
        "fragment ReviewFields on PullRequestReview { id state body submittedAt author { login } "
        f"comments(first: {shape.review_comments}) {{ {_PAGE_INFO} nodes {{ {_REVIEW_COMMENT} }} }} }}"
    )


def _pull_fields(shape: PageShape) -> str:
    return f"""
fragment PullFields on PullRequest {{
  id number title body url createdAt updatedAt mergedAt
  additions deletions changedFiles baseRefName headRefName
  author {{ login }}
  repository {{ {_REPOSITORY} }}
  mergeCommit {{ oid }}
  milestone {{ title number }}
  commits(first: 1) {{ totalCount nodes {{ commit {{ authoredDate }} }} }}
  labels(first: {shape.labels}) {{ {_PAGE_INFO} nodes {{ name }} }}
  files(first: {shape.files}) {{ {_PAGE_INFO} nodes {{ path additions deletions changeType }} }}
  reviews(first: {shape.reviews}) {{ {_PAGE_INFO} nodes {{ ...ReviewFields }} }}
  comments(first: {shape.comments}) {{ {_PAGE_INFO} nodes {{ {_ISSUE_COMMENT} }} }}
  closingIssuesReferences(first: {shape.issues}) {{ {_PAGE_INFO} nodes {{ number repository {{ nameWithOwner }} }} }}
}}
{_review_fields(shape)}"""


def search_query(shape: PageShape) -> str:
    """One page of merged PRs for a search string (``$q``), oldest first."""
    return f"""query MergedPullRequests($q: String!, $first: Int!, $after: String) {{
  search(query: $q, type: ISSUE, first: $first, after: $after) {{
    issueCount
    {_PAGE_INFO}
    nodes {{ ...PullFields }}
  }}
  rateLimit {{ cost remaining limit resetAt }}
}}
{_pull_fields(shape)}"""


# ---------------------------------------------------------------------- follow-up pages


@dataclass(frozen=True)
class Continuation:
    """A nested list that did not fit: continue ``field`` of node ``node_id`` after ``after``."""

    pr_id: str
    node_id: str
    field: str  # labels | reviews | comments | closingIssuesReferences | review_comments
    after: str


_CONTINUE_ON = {
    "labels": ("PullRequest", "labels", "nodes { name }"),
    "reviews": ("PullRequest", "reviews", "nodes { ...ReviewFields }"),
    "comments": ("PullRequest", "comments", f"nodes {{ {_ISSUE_COMMENT} }}"),
    "closingIssuesReferences": (
        "PullRequest",
        "closingIssuesReferences",
        "nodes { number repository { nameWithOwner } }",
    ),
    "review_comments": ("PullRequestReview", "comments", f"nodes {{ {_REVIEW_COMMENT} }}"),
}


def continuation_query(items: list[Continuation], shape: PageShape) -> tuple[str, dict[str, Any]]:
    """One query continuing many lists at once, each under an alias ``c0``, ``c1``, ..."""
    parts, variables, definitions = [], {}, []
    for index, item in enumerate(items):
        type_name, field, selection = _CONTINUE_ON[item.field]
        definitions += [f"$id{index}: ID!", f"$after{index}: String"]
        variables[f"id{index}"] = item.node_id
        variables[f"after{index}"] = item.after
        parts.append(
            f"c{index}: node(id: $id{index}) {{ ... on {type_name} {{ "
            f"{field}(first: 100, after: $after{index}) {{ {_PAGE_INFO} {selection} }} }} }}"
        )
    uses_reviews = any(item.field == "reviews" for item in items)
    query = "query MoreItems(" + ", ".join(definitions) + ") {\n  " + "\n  ".join(parts)
    query += "\n  rateLimit { cost remaining limit resetAt }\n}"
    if uses_reviews:
        query += "\n" + _review_fields(shape)
    return query, variables


# ---------------------------------------------------------------------- answers to rows


def _login(actor: dict[str, Any] | None) -> str:
    return (actor or {}).get("login") or "ghost"


def _files(nodes: Iterable[dict[str, Any]]) -> list[FileChange]:
    return [
        {
            "filename": n["path"],
            "status": _CHANGE_STATUS.get(n.get("changeType") or "", "modified"),
            "additions": n["additions"],
            "deletions": n["deletions"],
        }
        for n in nodes
    ]


def rest_files(items: Iterable[dict[str, Any]]) -> list[FileChange]:
    """Files from ``GET /repos/{o}/{r}/pulls/{n}/files`` (REST already uses the record's statuses)."""
    return [
        {"filename": f["filename"], "status": f["status"], "additions": f["additions"], "deletions": f["deletions"]}
        for f in items
    ]


def _review(node: dict[str, Any]) -> Review:
    return {
        "author": _login(node.get("author")),
        "state": node["state"],
        "body": node.get("body") or "",
        "submitted_at": node.get("submittedAt") or "",
    }


def _review_comment(node: dict[str, Any]) -> Comment:
    return {"author": _login(node.get("author")), "body": node.get("body") or "", "path": node.get("path") or ""}


def _issue_comment(node: dict[str, Any]) -> Comment:
    return {"author": _login(node.get("author")), "body": node.get("body") or "", "path": ""}


def _first_commit_at(commits: dict[str, Any] | None) -> str:
    """The authored date of the PR's oldest commit (a PR's commits come oldest first), in UTC; "" if unknown.

    Git keeps the author's UTC offset with the date and GitHub may answer with it; the
    record's timestamps are all UTC, so that they compare as text.
    """
    nodes = (commits or {}).get("nodes") or [None]
    authored = ((nodes[0] or {}).get("commit") or {}).get("authoredDate")
    try:
        return iso(parse_iso(authored)) if authored else ""
    except ValueError:
        return ""


class Assembly:
    """Rows being built from one page and its follow-ups, and what is still missing from them."""

    def __init__(self) -> None:
        self.records: dict[str, PullRequestRecord] = {}
        self.pending: list[Continuation] = []
        self.oversized_files: list[str] = []  # pr_ids whose files continue beyond one page
        self.updated_at: dict[str, str] = {}  # pr_id -> GitHub's updatedAt, to keep the newest copy
        self._repos: dict[str, str] = {}

    def add_pull(self, node: dict[str, Any]) -> None:
        repository = node["repository"]
        repo = repository["nameWithOwner"]
        pr_id = f"{repo}#{node['number']}"
        merged_at = node.get("mergedAt") or ""
        record: PullRequestRecord = {
            "pr_id": pr_id,
            "repo": repo,
            "number": node["number"],
            "title": node.get("title") or "",
            "body": node.get("body") or "",
            "author": _login(node.get("author")),
            "url": node["url"],
            "created_at": node.get("createdAt") or "",
            "merged_at": merged_at,
            "merge_date": merged_at[:10],
            "base_ref": node.get("baseRefName") or "",
            "head_ref": node.get("headRefName") or "",
            "additions": node.get("additions") or 0,
            "deletions": node.get("deletions") or 0,
            "changed_files": node.get("changedFiles") or 0,
            "commits": (node.get("commits") or {}).get("totalCount") or 0,
            "labels": [],
            "files": _files(node["files"]["nodes"]),
            "reviews": [],
            "review_comments": [],
            "issue_comments": [],
            "linked_issues": [],
            "first_commit_at": _first_commit_at(node.get("commits")),
            "merge_commit_sha": (node.get("mergeCommit") or {}).get("oid") or "",
            # The repository's facts; GitHub's nulls read as the record's defaults.
            "repo_owner_type": (repository.get("owner") or {}).get("__typename") or "",
            "repo_is_fork": bool(repository.get("isFork")),
            "repo_is_private": bool(repository.get("isPrivate")),
            "repo_stars": repository.get("stargazerCount") or 0,
            "repo_forks": repository.get("forkCount") or 0,
            "milestone": (node.get("milestone") or {}).get("title") or "",
        }
        self.records[pr_id] = record
        self._repos[pr_id] = repo
        self.updated_at[pr_id] = node.get("updatedAt") or merged_at
        if node["files"]["pageInfo"]["hasNextPage"]:
            self.oversized_files.append(pr_id)
        self._extend(pr_id, node["id"], "labels", node["labels"])
        self._extend(pr_id, node["id"], "reviews", node["reviews"])
        self._extend(pr_id, node["id"], "comments", node["comments"])
        self._extend(pr_id, node["id"], "closingIssuesReferences", node["closingIssuesReferences"])

    def add_continued(self, item: Continuation, connection: dict[str, Any]) -> None:
        self._extend(item.pr_id, item.node_id, item.field, connection)

    def _extend(self, pr_id: str, node_id: str, field: str, connection: dict[str, Any] | None) -> None:
        if connection is None:
            return
        record = self.records[pr_id]
        nodes = connection.get("nodes") or []
        if field == "labels":
            record["labels"] = sorted({*record["labels"], *(n["name"] for n in nodes)})
        elif field == "reviews":
            for review in nodes:
                record["reviews"].append(_review(review))
                self._extend(pr_id, review["id"], "review_comments", review.get("comments"))
        elif field == "review_comments":
            record["review_comments"].extend(_review_comment(n) for n in nodes)
        elif field == "comments":
            record["issue_comments"].extend(_issue_comment(n) for n in nodes)
        elif field == "closingIssuesReferences":
            repo = self._repos[pr_id]
            same_repo = [n["number"] for n in nodes if (n.get("repository") or {}).get("nameWithOwner") == repo]
            record["linked_issues"] = list(dict.fromkeys([*record["linked_issues"], *same_repo]))
        info = connection.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            self.pending.append(Continuation(pr_id, node_id, field, info["endCursor"]))

    def take_pending(self, limit: int) -> list[Continuation]:
        taken, self.pending = self.pending[:limit], self.pending[limit:]
        return taken
