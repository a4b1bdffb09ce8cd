"""The GraphQL the collector sends, and how its answers become warehouse rows.

One search page brings up to 100 merged PRs with everything the pipeline uses: files,
reviews, review comments, conversation comments, labels, the issues a PR closes (GitHub's
``closingIssuesReferences``, not a guess from the body), the commit count with the first
commit's authored date, the merge commit, the milestone it belongs to, and the facts of
the repository it was merged into (owner type, fork, private, stars, forks).

**What a page costs.** GitHub prices a query by the connections it opens: each connection
counts once for every item its parents' ``first`` may bring, the sum is divided by 100
and rounded, at least 1 point ("Rate limits and query limits for the GraphQL API").
Single objects (repository, merge commit, milestone) cost nothing, and neither does a
larger ``first`` on a list with nothing nested under it. A page of 100 PRs opens the
search once and six lists per PR (commits, labels, files, reviews, comments, closing
issues): 601 requests, 6 points. Review comments are the one list nested deeper (under
each review): asked under a page's reviews they would cost ``100 x reviews' first``
more. So a page reads its reviews alone, and each review's comments are looked up by
the review's id (``node(id:)``, one request each) in the query that fetches the next
page (``page_query``): ~1.3 reviews per PR add ~1.3 points per 100 PRs, and the page's
PRs are complete once that answer is in. The same goes for the rare list longer than a
page (``Continuation``), many in one query. A task's last page, when small, reads its
review comments nested instead (``PageShape.small_page``): it has no next page to ride
on, and a few PRs cost little either way. Files beyond a page come over REST.
GitHub's limits (first/last at most 100, 500,000 nodes) hold for every query here, and
the tests check them and the price against GitHub's published schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from achievement_pipeline.core.records import Comment, FileChange, PullRequestRecord, Review
from achievement_pipeline.sources.github.store import as_utc, iso, parse_iso

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
    """How many items of each list one page asks for (GitHub allows 1..100 each).

    ``first`` on a list with nothing nested under it changes a page's nodes (and so how
    heavy it is for GitHub), not its price; the sizes cover nearly every PR, the rest
    continue. ``files`` stays 100: REST continues a PR's files from its page 2 of 100, and
    in vitejs/vite's 6,383 merged PRs 99% change at most 39 files, 11 (0.2%) more than 100.
    Reviews are generous because each reply in a review thread is a review of its own;
    most reviews carry a few line comments, so a review's first lookup asks for 20.
    """

    prs: int = 100
    files: int = 100
    labels: int = 20
    reviews: int = 40
    comments: int = 40
    issues: int = 10
    review_comments: int = 20  # per review, when its comments are first asked for
    # A task's last page of at most ``small_page`` PRs reads review comments nested, under its
    # first ``small_page_reviews`` reviews: 1 + k x (6 + 5) requests, the price of the lookups
    # it would otherwise need in a query of their own, in one request.
    small_page: int = 20
    small_page_reviews: int = 5

    def smaller(self) -> PageShape:
        """Half the PRs per page: what to do when GitHub times out (502) on a heavy page."""
        return replace(self, prs=max(1, self.prs // 2))


_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
# The repository as GitHub describes it. ``owner``'s type tells an organisation from a person.
_REPOSITORY = "nameWithOwner isFork isPrivate stargazerCount forkCount owner { __typename login }"
_REVIEW_COMMENT = "author { login } body path"
_ISSUE_COMMENT = "author { login } body"
_REVIEW_FIELDS = "fragment ReviewFields on PullRequestReview { id state body submittedAt author { login } }"


def _pull_fields(shape: PageShape, nested: bool) -> str:
    if nested:  # a small last page: each review with its first comments
        comments = f"comments(first: {shape.review_comments}) {{ {_PAGE_INFO} nodes {{ {_REVIEW_COMMENT} }} }}"
        nodes = f"nodes {{ ...ReviewFields {comments} }}"
        reviews = f"reviews(first: {shape.small_page_reviews}) {{ {_PAGE_INFO} {nodes} }}"
    else:
        reviews = f"reviews(first: {shape.reviews}) {{ {_PAGE_INFO} nodes {{ ...ReviewFields }} }}"
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
  {reviews}
  comments(first: {shape.comments}) {{ {_PAGE_INFO} nodes {{ {_ISSUE_COMMENT} }} }}
  closingIssuesReferences(first: {shape.issues}) {{ {_PAGE_INFO} nodes {{ number repository {{ nameWithOwner }} }} }}
}}"""


def page_query(
    shape: PageShape, items: Sequence[Continuation] = (), *, nested: bool = False
) -> tuple[str, dict[str, Any]]:
    """One page of merged PRs for a search string (``$q``), oldest first, plus ``items`` of the page before.

    The query's variables beyond ``$q``, ``$first`` and ``$after`` (the items' ids and
    cursors) come back with it; ``nested`` reads review comments under the reviews.
    """
    definitions, parts, variables = _continued(items, shape)
    arguments = ", ".join(["$q: String!", "$first: Int!", "$after: String", *definitions])
    lookups = "".join(f"  {part}\n" for part in parts)
    query = f"""query MergedPullRequests({arguments}) {{
  search(query: $q, type: ISSUE, first: $first, after: $after) {{
    issueCount
    {_PAGE_INFO}
    nodes {{ ...PullFields }}
  }}
{lookups}  rateLimit {{ cost remaining limit resetAt }}
}}
{_pull_fields(shape, nested)}{_fragments(items, shape, reviews=True)}"""
    return query, variables


def search_query(shape: PageShape, *, nested: bool = False) -> str:
    """One page of merged PRs for a search string (``$q``), oldest first, with nothing else."""
    return page_query(shape, nested=nested)[0]


# ---------------------------------------------------------------------- follow-up lookups


@dataclass(frozen=True)
class Continuation:
    """What a page left to fetch: ``field`` of node ``node_id`` after ``after`` (None: from its start).

    A review's comments start as one of these; the rest are lists longer than a page.
    """

    pr_id: str
    node_id: str
    field: str  # labels | reviews | comments | closingIssuesReferences | review_comments
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {"pr_id": self.pr_id, "node_id": self.node_id, "field": self.field, "after": self.after}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Continuation:
        return cls(data["pr_id"], data["node_id"], data["field"], data.get("after"))


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


def _review_comments_fields(shape: PageShape) -> str:
    """A review's first comments, as one named fragment: the lookups repeat it, GitHub reads it once."""
    return (
        f"fragment ReviewComments on PullRequestReview {{ comments(first: {shape.review_comments}) "
        f"{{ {_PAGE_INFO} nodes {{ {_REVIEW_COMMENT} }} }} }}"
    )


def _continued(items: Sequence[Continuation], shape: PageShape) -> tuple[list[str], list[str], dict[str, Any]]:
    """Variable definitions, aliased fields ``c0``, ``c1``, ... and variables for ``items``.

    Each is a ``node(id:)`` lookup opening one connection: one request, whatever its ``first``.
    A review's comments are first asked for at their typical size, through ``ReviewComments``;
    a list that goes on, 100 at a time from its cursor.
    """
    definitions: list[str] = []
    parts: list[str] = []
    variables: dict[str, Any] = {}
    for index, item in enumerate(items):
        definitions.append(f"$id{index}: ID!")
        variables[f"id{index}"] = item.node_id
        if item.field == "review_comments" and item.after is None:
            parts.append(f"c{index}: node(id: $id{index}) {{ ...ReviewComments }}")
            continue
        type_name, field, selection = _CONTINUE_ON[item.field]
        definitions.append(f"$after{index}: String")
        variables[f"after{index}"] = item.after
        parts.append(
            f"c{index}: node(id: $id{index}) {{ ... on {type_name} {{ "
            f"{field}(first: 100, after: $after{index}) {{ {_PAGE_INFO} {selection} }} }} }}"
        )
    return definitions, parts, variables


def _fragments(items: Sequence[Continuation], shape: PageShape, *, reviews: bool) -> str:
    """The named fragments ``items`` spread (GitHub refuses a query defining one it does not use)."""
    used = [_REVIEW_FIELDS] if reviews or any(item.field == "reviews" for item in items) else []
    if any(item.field == "review_comments" and item.after is None for item in items):
        used.append(_review_comments_fields(shape))
    return "".join(f"\n{fragment}" for fragment in used)


def continuation_query(items: Sequence[Continuation], shape: PageShape) -> tuple[str, dict[str, Any]]:
    """One query continuing many lists at once, each under an alias ``c0``, ``c1``, ..."""
    definitions, parts, variables = _continued(items, shape)
    query = "query MoreItems(" + ", ".join(definitions) + ") {\n  " + "\n  ".join(parts)
    query += "\n  rateLimit { cost remaining limit resetAt }\n}" + _fragments(items, shape, reviews=False)
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
        "submitted_at": as_utc(node.get("submittedAt")),
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
        # pr_id -> review node id -> its comments, in the order of the reviews: a review's comments
        # may arrive after a later review's, the record lists them review by review all the same.
        self._review_comments: dict[str, dict[str, list[Comment]]] = {}

    @classmethod
    def resumed(cls, rows: Iterable[tuple[PullRequestRecord, str]], pending: Iterable[Continuation]) -> Assembly:
        """A page stored before its ``pending`` lookups were answered (an interrupted run), to finish now."""
        assembly = cls()
        for record, updated_at in rows:
            pr_id = record["pr_id"]
            assembly.records[pr_id] = record
            assembly.updated_at[pr_id] = updated_at
            assembly._repos[pr_id] = record["repo"]
            # Whatever the stored copy already has comes first (a page is stored before its lookups).
            assembly._review_comments[pr_id] = {"": list(record["review_comments"])}
        for item in pending:
            if item.pr_id in assembly.records:
                assembly.pending.append(item)
                if item.field == "review_comments":
                    assembly._review_comments[item.pr_id].setdefault(item.node_id, [])
        return assembly

    def add_pull(self, node: dict[str, Any]) -> None:
        repository = node["repository"]
        repo = repository["nameWithOwner"]
        pr_id = f"{repo}#{node['number']}"
        merged_at = as_utc(node.get("mergedAt"))
        record: PullRequestRecord = {
            "pr_id": pr_id,
            "repo": repo,
            "number": node["number"],
            "title": node.get("title") or "",
            "body": node.get("body") or "",
            "author": _login(node.get("author")),
            "url": node["url"],
            "created_at": as_utc(node.get("createdAt")),
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
        self._review_comments[pr_id] = {}
        self.updated_at[pr_id] = as_utc(node.get("updatedAt")) or merged_at
        if node["files"]["pageInfo"]["hasNextPage"]:
            self.oversized_files.append(pr_id)
        self._extend(pr_id, node["id"], "labels", node["labels"])
        self._extend(pr_id, node["id"], "reviews", node["reviews"])
        self._extend(pr_id, node["id"], "comments", node["comments"])
        self._extend(pr_id, node["id"], "closingIssuesReferences", node["closingIssuesReferences"])

    def add_continued(self, item: Continuation, connection: dict[str, Any] | None) -> None:
        self._extend(item.pr_id, item.node_id, item.field, connection)

    def add_answers(self, items: Sequence[Continuation], data: dict[str, Any]) -> None:
        """The answers to ``items`` asked under the aliases ``c0``, ``c1``, ... of one query."""
        for index, item in enumerate(items):
            node = data.get(f"c{index}") or {}
            self.add_continued(item, node.get("comments" if item.field == "review_comments" else item.field))

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
                self._review_comments[pr_id].setdefault(review["id"], [])
                if "comments" in review:  # read nested, on a small page
                    self._extend(pr_id, review["id"], "review_comments", review["comments"])
                else:  # looked up by the review's id, with the next page
                    self.pending.append(Continuation(pr_id, review["id"], "review_comments", None))
        elif field == "review_comments":
            by_review = self._review_comments[pr_id]
            by_review.setdefault(node_id, []).extend(_review_comment(n) for n in nodes)
            record["review_comments"] = [comment for comments in by_review.values() for comment in comments]
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

    def rows(self) -> list[tuple[PullRequestRecord, str]]:
        """The page's records with the ``updatedAt`` each was fetched at, as the store takes them."""
        return [(record, self.updated_at[pr_id]) for pr_id, record in self.records.items()]
