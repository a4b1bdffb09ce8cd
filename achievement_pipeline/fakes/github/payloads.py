"""JSON bodies in GitHub's REST shapes, built from a ``FakeHistory``.

The shapes follow the examples in GitHub's OpenAPI description (``pull-request``,
``pull-request-simple``, ``issue-search-result-item``, ``diff-entry``, ...), trimmed of
fields nothing downstream reads but keeping every field PyGithub or a collector uses.
API URLs inside the bodies point back at the fake server (``api``), because PyGithub
follows them for lazy completion and pagination; ``html_url``s point at github.com as
they would for real data.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from achievement_pipeline.fakes.github.model import (
    FakeComment,
    FakeFile,
    FakeHistory,
    FakeMilestone,
    FakePullRequest,
    FakeRepo,
    FakeReview,
    FakeUser,
    legacy_node_id,
)
from achievement_pipeline.fakes.github.vocabulary import LABELS

Json = dict[str, Any]

WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
GITHUB_DEFAULT_LABELS = frozenset(
    (
        "bug",
        "documentation",
        "duplicate",
        "enhancement",
        "good first issue",
        "help wanted",
        "invalid",
        "question",
        "wontfix",
    )
)
_UPSTREAM_CREATED = datetime(2014, 3, 1, tzinfo=UTC)  # forks are of older repositories
_NO_REACTIONS = {
    "total_count": 0,
    "+1": 0,
    "-1": 0,
    "laugh": 0,
    "hooray": 0,
    "confused": 0,
    "heart": 0,
    "rocket": 0,
    "eyes": 0,
}


def timestamp(moment: datetime | None) -> str | None:
    """GitHub's timestamp format: ISO 8601, UTC, seconds, ``Z``.

    A moment seeded with another UTC offset (``2025-01-07T23:30:00-05:00``) is written with that offset,
    still ISO 8601 and the same instant, so tests can hand the collector timestamps in other time zones;
    a naive moment is taken as UTC.
    """
    if moment is None:
        return None
    offset = moment.utcoffset()
    if not offset:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat(timespec="seconds")


def _reactions(url: str) -> Json:
    """The ``reactions`` summary of a comment or issue at ``url``: nobody has reacted."""
    return {"url": f"{url}/reactions", **_NO_REACTIONS}


def _with_optional(body: Json, **fields: object) -> Json:
    """``body`` plus those ``fields`` that are set: GitHub omits these keys rather than sending null."""
    body.update((key, value) for key, value in fields.items() if value is not None)
    return body


def error_body(message: str, status: int, documentation_url: str = DOCS, errors: list[Json] | None = None) -> Json:
    """GitHub's error envelope, ``status`` as a string like the live API sends it."""
    body: Json = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["documentation_url"] = documentation_url
    body["status"] = str(status)
    return body


class Payloads:
    """Renders history objects as API bodies for one API base URL."""

    def __init__(self, history: FakeHistory, api: str) -> None:
        self.history = history
        self.api = api.rstrip("/")
        self.authenticated = history.users[0].login
        self._repo_stats: dict[str, tuple[datetime, int]] = {}

    # ------------------------------------------------------------------ users

    def user_simple(self, login: str) -> Json:
        user = self.history.user(login) or FakeUser(login=login, id=zlib.crc32(login.encode()), name=login)
        url = f"{self.api}/users/{quote(user.login)}"
        app = user.login.removesuffix("[bot]")
        html = f"{WEB}/apps/{app}" if user.type == "Bot" else f"{WEB}/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": user.node_id,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": html,
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _user_or_none(self, login: str | None) -> Json | None:
        return self.user_simple(login) if login else None

    def user_full(self, user: FakeUser) -> Json:
        owned = [r for r in self.history.repos if r.owner == user.login]
        return {
            **self.user_simple(user.login),
            "name": user.name,
            "company": user.company,
            "blog": "",
            "location": user.location,
            "email": None,
            "hireable": None,
            "bio": user.bio,
            "twitter_username": None,
            "public_repos": sum(not r.private for r in owned),
            "public_gists": 0,
            "followers": 10 + user.id % 90,
            "following": user.id % 25,
            "created_at": timestamp(user.created_at),
            "updated_at": timestamp(user.created_at),
        }

    def authenticated_user(self) -> Json:
        user = self.history.users[0]
        owned = [r for r in self.history.repos if r.owner == user.login]
        return {
            **self.user_full(user),
            "private_gists": 0,
            "total_private_repos": sum(r.private for r in owned),
            "owned_private_repos": sum(r.private for r in owned),
            "disk_usage": 10_000,
            "collaborators": 0,
            "two_factor_authentication": True,
            "plan": {"name": "pro", "space": 976_562_499, "private_repos": 9999, "collaborators": 0},
        }

    # ------------------------------------------------------------------ repositories

    def _stats(self, repo: FakeRepo) -> tuple[datetime, int]:
        """(last activity, open PRs) of a repository, computed once: listings ask for it per item."""
        if repo.full_name not in self._repo_stats:
            pulls = [p for p in self.history.pulls if p.repo == repo.full_name]
            pushed = max((p.updated_at for p in pulls), default=repo.created_at)
            self._repo_stats[repo.full_name] = pushed, sum(p.state == "open" for p in pulls)
        return self._repo_stats[repo.full_name]

    def repo(self, repo: FakeRepo, *, full: bool = True) -> Json:
        url = f"{self.api}/repos/{repo.full_name}"
        html = f"{WEB}/{repo.full_name}"
        pushed, open_count = self._stats(repo)
        body: Json = {
            "id": repo.id,
            "node_id": repo.node_id,
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user_simple(repo.owner),
            "private": repo.private,
            "html_url": html,
            "description": repo.description,
            "fork": repo.fork,
            "url": url,
            "pulls_url": f"{url}/pulls{{/number}}",
            "issues_url": f"{url}/issues{{/number}}",
            "issue_comment_url": f"{url}/issues/comments{{/number}}",
            "labels_url": f"{url}/labels{{/name}}",
            "commits_url": f"{url}/commits{{/sha}}",
            "contents_url": f"{url}/contents/{{+path}}",
            "languages_url": f"{url}/languages",
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "homepage": None,
            "language": repo.language,
            "forks_count": repo.forks,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,  # GitHub's REST "watchers" are its stargazers
            "size": 1_000 + repo.id % 50_000,
            "default_branch": repo.default_branch,
            "open_issues_count": open_count,
            "topics": list(repo.topics),
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if repo.private else "public",
            "pushed_at": timestamp(pushed),
            "created_at": timestamp(repo.created_at),
            "updated_at": timestamp(pushed),
            "permissions": {
                "admin": repo.owner == self.authenticated,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }
        if full:
            body.update(self._repo_extras(repo))
        return body

    def _repo_extras(self, repo: FakeRepo) -> Json:
        owner = self.history.user(repo.owner)
        extras: Json = {
            "allow_squash_merge": True,
            "allow_merge_commit": False,
            "allow_rebase_merge": True,
            "delete_branch_on_merge": True,
            "license": None
            if repo.private
            else {
                "key": "mit",
                "name": "MIT License",
                "spdx_id": "MIT",
                "url": f"{self.api}/licenses/mit",
                "node_id": "MDc6TGljZW5zZW1pdA==",
            },
            "forks": repo.forks,
            "open_issues": self._stats(repo)[1],
            "watchers": repo.stars,
            "subscribers_count": 3 + repo.id % 30,
            "network_count": repo.forks,
        }
        if owner is not None and owner.type == "Organization":
            extras["organization"] = self.user_simple(owner.login)
        if repo.parent is not None:
            upstream = self._upstream(repo)
            extras["parent"] = extras["source"] = upstream
        return extras

    def _upstream(self, fork: FakeRepo) -> Json:
        """The repository ``fork`` was forked from, in the short shape; the fake serves nothing more of it."""
        owner, _, name = (fork.parent or "").partition("/")
        upstream = FakeRepo(
            full_name=f"{owner}/{name}",
            id=400_000_000 + zlib.crc32(f"{owner}/{name}".encode()) % 1_000_000,
            owner=owner,
            private=False,
            description=fork.description,
            language=fork.language,
            default_branch=fork.default_branch,
            created_at=min(fork.created_at, _UPSTREAM_CREATED),
            topics=fork.topics,
        )
        return self.repo(upstream, full=False)

    def label(self, repo: str, name: str) -> Json:
        color, description = LABELS.get(name, ("ededed", ""))
        label_id = 1_000_000_000 + zlib.crc32(f"{repo}:{name}".encode()) % 1_000_000_000
        return {
            "id": label_id,
            "node_id": legacy_node_id("Label", label_id),
            "url": f"{self.api}/repos/{repo}/labels/{quote(name)}",
            "name": name,
            "color": color,
            "default": name in GITHUB_DEFAULT_LABELS,
            "description": description,
        }

    def _labels(self, pr: FakePullRequest) -> list[Json]:
        return [self.label(pr.repo, name) for name in pr.labels]

    # ------------------------------------------------------------------ milestones

    def milestone(self, milestone: FakeMilestone) -> Json:
        """The ``milestone`` shape, in a PR, in an issue and from ``GET /repos/{o}/{r}/milestones/{n}``.

        Its counts are of the PRs that carry it (the fake's repositories have no plain issues);
        it was last updated when a PR joined it, when one was closed, or when it was closed.
        """
        members = self.history.milestone_pulls(milestone.repo, milestone.number)
        url = f"{self.api}/repos/{milestone.repo}/milestones/{milestone.number}"
        return {
            "url": url,
            "html_url": f"{WEB}/{milestone.repo}/milestone/{milestone.number}",
            "labels_url": f"{url}/labels",
            "id": milestone.id,
            "node_id": milestone.node_id,
            "number": milestone.number,
            "state": milestone.state,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.user_simple(milestone.creator),
            "open_issues": sum(p.state == "open" for p in members),
            "closed_issues": sum(p.state == "closed" for p in members),
            "created_at": timestamp(milestone.created_at),
            "updated_at": timestamp(self.history.milestone_updated_at(milestone)),
            "closed_at": timestamp(milestone.closed_at),
            "due_on": timestamp(milestone.due_on),
        }

    def _milestone_or_none(self, milestone: FakeMilestone | None) -> Json | None:
        return self.milestone(milestone) if milestone is not None else None

    # ------------------------------------------------------------------ pull requests

    def _association(self, login: str, repo: str) -> str:
        user = self.history.user(login)
        if user is not None and user.type == "Bot":
            return "NONE"
        return "OWNER" if repo.split("/", 1)[0].lower() == login.lower() else "MEMBER"

    def _pull_urls(self, pr: FakePullRequest) -> tuple[str, str, str]:
        repo_url = f"{self.api}/repos/{pr.repo}"
        html = f"{WEB}/{pr.repo}/pull/{pr.number}"
        return f"{repo_url}/pulls/{pr.number}", f"{repo_url}/issues/{pr.number}", html

    def _branch(self, ref: str, sha: str, repo: Json | None, owner: str) -> Json:
        """``head``/``base``: branches of the same repository, as for PRs from a shared repo."""
        user = self.user_simple(owner)
        return {"label": f"{owner}:{ref}", "ref": ref, "sha": sha, "user": user, "repo": repo}

    def pull_simple(self, pr: FakePullRequest) -> Json:
        """The ``pull-request-simple`` shape of ``GET /repos/{o}/{r}/pulls``."""
        url, issue_url, html = self._pull_urls(pr)
        repo_record = self.history.repo(pr.repo)
        repo = self.repo(repo_record, full=False) if repo_record is not None else None
        owner = pr.owner
        return {
            "url": url,
            "id": pr.id,
            "node_id": legacy_node_id("PullRequest", pr.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_url,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.api}/repos/{pr.repo}/pulls/comments{{/number}}",
            "comments_url": f"{issue_url}/comments",
            "statuses_url": f"{self.api}/repos/{pr.repo}/statuses/{pr.head_sha}",
            "number": pr.number,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self.user_simple(pr.author),
            "body": pr.body,
            "labels": self._labels(pr),
            "milestone": self._milestone_or_none(pr.milestone),
            "active_lock_reason": None,
            "created_at": timestamp(pr.created_at),
            "updated_at": timestamp(pr.updated_at),
            "closed_at": timestamp(pr.closed_at),
            "merged_at": timestamp(pr.merged_at),
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch(pr.head_ref, pr.head_sha, repo, owner),
            "base": self._branch(pr.base_ref, pr.base_sha, repo, owner),
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": issue_url},
                "comments": {"href": f"{issue_url}/comments"},
                "review_comments": {"href": f"{url}/comments"},
                "review_comment": {"href": f"{self.api}/repos/{pr.repo}/pulls/comments{{/number}}"},
                "commits": {"href": f"{url}/commits"},
                "statuses": {"href": f"{self.api}/repos/{pr.repo}/statuses/{pr.head_sha}"},
            },
            "author_association": self._association(pr.author, pr.repo),
            "auto_merge": None,
            "draft": pr.draft,
        }

    def pull(self, pr: FakePullRequest) -> Json:
        """The full ``pull-request`` shape of ``GET /repos/{o}/{r}/pulls/{n}``."""
        return {
            **self.pull_simple(pr),
            "merged": pr.merged,
            "mergeable": None if pr.closed_at else True,
            "rebaseable": None if pr.closed_at else True,
            "mergeable_state": "unknown" if pr.closed_at else "clean",
            "merged_by": self._user_or_none(pr.merged_by),
            "comments": len(pr.issue_comments),
            "review_comments": len(pr.review_comments),
            "maintainer_can_modify": False,
            "commits": pr.commits,
            "additions": pr.additions,
            "deletions": pr.deletions,
            "changed_files": pr.changed_files,
        }

    def issue(self, pr: FakePullRequest) -> Json:
        """The ``issue`` shape GitHub uses for a PR in the issues API and in issue search."""
        pull_url, url, html = self._pull_urls(pr)
        repo_url = f"{self.api}/repos/{pr.repo}"
        return {
            "url": url,
            "repository_url": repo_url,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": html,
            "id": pr.issue_id,
            "node_id": legacy_node_id("PullRequest", pr.id),
            "number": pr.number,
            "title": pr.title,
            "user": self.user_simple(pr.author),
            "labels": self._labels(pr),
            "state": pr.state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": self._milestone_or_none(pr.milestone),
            "comments": len(pr.issue_comments),
            "created_at": timestamp(pr.created_at),
            "updated_at": timestamp(pr.updated_at),
            "closed_at": timestamp(pr.closed_at),
            "author_association": self._association(pr.author, pr.repo),
            "active_lock_reason": None,
            "draft": pr.draft,
            "pull_request": {
                "url": pull_url,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": timestamp(pr.merged_at),
            },
            "body": pr.body,
            "closed_by": self._user_or_none(pr.merged_by),
            "reactions": _reactions(url),
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "state_reason": None,
        }

    def search_item(self, pr: FakePullRequest) -> Json:
        return {**self.issue(pr), "score": 1.0}

    # ------------------------------------------------------------------ PR details

    def file(self, pr: FakePullRequest, f: FakeFile) -> Json:
        path = quote(f.filename)
        body: Json = {
            "sha": f.sha,
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.changes,
            "blob_url": f"{WEB}/{pr.repo}/blob/{pr.head_sha}/{path}",
            "raw_url": f"{WEB}/{pr.repo}/raw/{pr.head_sha}/{path}",
            "contents_url": f"{self.api}/repos/{pr.repo}/contents/{path}?ref={pr.head_sha}",
        }
        return _with_optional(body, patch=f.patch, previous_filename=f.previous_filename)

    def review(self, pr: FakePullRequest, review: FakeReview) -> Json:
        pull_url, _, html = self._pull_urls(pr)
        review_html = f"{html}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": legacy_node_id("PullRequestReview", review.id),
            "user": self.user_simple(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": review_html,
            "pull_request_url": pull_url,
            "author_association": self._association(review.user, pr.repo),
            "_links": {"html": {"href": review_html}, "pull_request": {"href": pull_url}},
            "submitted_at": timestamp(review.submitted_at),
            "commit_id": review.commit_id,
        }

    def review_comment(self, pr: FakePullRequest, comment: FakeComment) -> Json:
        pull_url, _, html = self._pull_urls(pr)
        url = f"{self.api}/repos/{pr.repo}/pulls/comments/{comment.id}"
        comment_html = f"{html}#discussion_r{comment.id}"
        line = comment.line or 1
        body: Json = {
            "url": url,
            "pull_request_review_id": comment.review_id,
            "id": comment.id,
            "node_id": legacy_node_id("PullRequestReviewComment", comment.id),
            "diff_hunk": f"@@ -{max(1, line - 3)},6 +{max(1, line - 3)},7 @@",
            "path": comment.path,
            "position": line,
            "original_position": line,
            "commit_id": comment.commit_id,
            "original_commit_id": comment.commit_id,
            "user": self.user_simple(comment.user),
            "body": comment.body,
            "created_at": timestamp(comment.created_at),
            "updated_at": timestamp(comment.created_at),
            "html_url": comment_html,
            "pull_request_url": pull_url,
            "author_association": self._association(comment.user, pr.repo),
            "_links": {
                "self": {"href": url},
                "html": {"href": comment_html},
                "pull_request": {"href": pull_url},
            },
            "reactions": _reactions(url),
            "start_line": None,
            "original_start_line": None,
            "start_side": None,
            "line": line,
            "original_line": line,
            "side": "RIGHT",
            "subject_type": "line",
        }
        return _with_optional(body, in_reply_to_id=comment.in_reply_to_id)

    def issue_comment(self, pr: FakePullRequest, comment: FakeComment) -> Json:
        _, issue_url, html = self._pull_urls(pr)
        url = f"{self.api}/repos/{pr.repo}/issues/comments/{comment.id}"
        return {
            "id": comment.id,
            "node_id": legacy_node_id("IssueComment", comment.id),
            "url": url,
            "html_url": f"{html}#issuecomment-{comment.id}",
            "body": comment.body,
            "user": self.user_simple(comment.user),
            "created_at": timestamp(comment.created_at),
            "updated_at": timestamp(comment.created_at),
            "issue_url": issue_url,
            "author_association": self._association(comment.user, pr.repo),
            "performed_via_github_app": None,
            "reactions": _reactions(url),
        }

    def pull_commit(self, pr: FakePullRequest, position: int) -> Json:
        """One entry of ``GET /repos/{o}/{r}/pulls/{n}/commits`` (same SHAs and dates as the GraphQL commits)."""
        sha = hashlib.sha1(f"{pr.pr_id}:{position}".encode()).hexdigest()
        url = f"{self.api}/repos/{pr.repo}/commits/{sha}"
        person = {
            "name": pr.author,
            "email": f"{pr.author}@users.noreply.github.com",
            "date": timestamp(pr.commit_authored_at(position)),
        }
        return {
            "sha": sha,
            "node_id": legacy_node_id("Commit", int(sha[:8], 16)),
            "commit": {
                "author": person,
                "committer": person,
                "message": f"Commit {position} of #{pr.number}",
                "tree": {"sha": hashlib.sha1(sha.encode()).hexdigest(), "url": f"{url}/tree"},
                "url": f"{self.api}/repos/{pr.repo}/git/commits/{sha}",
                "comment_count": 0,
            },
            "url": url,
            "html_url": f"{WEB}/{pr.repo}/commit/{sha}",
            "comments_url": f"{url}/comments",
            "author": self.user_simple(pr.author),
            "committer": self.user_simple(pr.author),
            "parents": [],
        }

    def org_simple(self, login: str) -> Json:
        """The ``organization-simple`` shape of ``GET /users/{user}/orgs``."""
        org = self.history.user(login)
        org_id = org.id if org is not None else zlib.crc32(login.encode())
        url = f"{self.api}/orgs/{quote(login)}"
        return {
            "login": login,
            "id": org_id,
            "node_id": legacy_node_id("Organization", org_id),
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "hooks_url": f"{url}/hooks",
            "issues_url": f"{url}/issues",
            "members_url": f"{url}/members{{/member}}",
            "public_members_url": f"{url}/public_members{{/member}}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
            "description": org.bio if org is not None else None,
        }


def rate_limit_body(core: Json, search: Json) -> Json:
    """The ``GET /rate_limit`` body; ``core`` and ``search`` are {limit, used, remaining, reset}."""
    reset = core["reset"]

    def fixed(limit: int) -> Json:
        return {"limit": limit, "used": 0, "remaining": limit, "reset": reset}

    return {
        "resources": {
            "core": core,
            "search": search,
            "graphql": fixed(5_000),
            "integration_manifest": fixed(5_000),
            "source_import": fixed(100),
            "code_scanning_upload": fixed(1_000),
            "actions_runner_registration": fixed(10_000),
            "scim": fixed(15_000),
            "dependency_snapshots": fixed(100),
            "code_search": fixed(10),
        },
        "rate": dict(core),
    }
