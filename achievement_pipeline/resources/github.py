"""The GitHub resource: PyGithub against api.github.com, GitHub Enterprise, or the built-in demo.

With neither GITHUB_TOKEN nor GITHUB_API_URL set, the resource starts the fake GitHub in
this process on a loopback port and PyGithub talks HTTP to it, exactly as it would to
GitHub: the demo and the tests exercise the real client, its pagination and its errors.
"""

from __future__ import annotations

import threading
from datetime import date

import github
from dagster import ConfigurableResource
from github import Auth, GithubRetry
from pydantic import Field

from achievement_pipeline.github_collect import Collection, GitHubInputError, collect_merged_prs

DEMO_USER = "octo-demo"
PUBLIC_API = "https://api.github.com"

_demo_lock = threading.Lock()
_demo_servers: dict[int, str] = {}


def demo_base_url(seed: int) -> str:
    """Base URL of this process's fake GitHub for ``seed``, started on first use."""
    with _demo_lock:
        if seed not in _demo_servers:
            from achievement_pipeline.fake_github.history import generate_history
            from achievement_pipeline.fake_github.server import FakeGitHub

            server = FakeGitHub(generate_history(seed=seed))
            server.start()
            _demo_servers[seed] = server.base_url
        return _demo_servers[seed]


class GitHubResource(ConfigurableResource):
    """Where merged PRs come from and whose they are."""

    token: str = Field(default="", description="Token (set via GITHUB_TOKEN only); empty with no URL = demo")
    base_url: str = Field(default="", description="API URL: https://api.github.com or https://HOST/api/v3")
    users: list[str] = Field(default_factory=list, description="Logins whose merged PRs are collected")
    repos: list[str] = Field(default_factory=list, description="owner/name repositories collected in full")
    demo_seed: int = Field(default=42, description="Seed of the built-in fake GitHub's history (demo mode)")
    retries: int = Field(default=3, description="Retries for 5xx answers and dropped connections")
    request_spacing_seconds: float = Field(
        default=0.25, description="Pause between requests (GitHub's secondary limits); the demo uses none"
    )
    timeout_seconds: int = 30

    @property
    def demo(self) -> bool:
        return not self.token and not self.base_url

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return demo_base_url(self.demo_seed) if self.demo else PUBLIC_API

    def sources(self) -> tuple[list[str], list[str]]:
        users = list(self.users) or ([DEMO_USER] if self.demo else [])
        if not users and not self.repos:
            raise GitHubInputError(
                "no GitHub source configured: set ACHIEVEMENT_GITHUB_USER (a login) or ACHIEVEMENT_GITHUB_REPOS "
                "(owner/name, comma-separated)"
            )
        return users, list(self.repos)

    def client(self) -> github.Github:
        # GithubRetry is urllib3's Retry taught GitHub's rate-limit answers (Retry-After, reset).
        return github.Github(
            base_url=self.resolved_base_url(),
            auth=Auth.Token(self.token) if self.token else None,
            retry=GithubRetry(total=self.retries, backoff_factor=0.5),
            timeout=self.timeout_seconds,
            per_page=100,
            seconds_between_requests=None
            if self.demo or not self.request_spacing_seconds
            else self.request_spacing_seconds,
        )

    def collect(self, start: date, end: date) -> Collection:
        users, repos = self.sources()
        gh = self.client()
        try:
            return collect_merged_prs(
                gh, users=users, repos=repos, start=start, end=end, base_url=self.resolved_base_url()
            )
        finally:
            gh.close()
