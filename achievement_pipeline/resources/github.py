"""The GitHub resource: PyGithub against api.github.com, GitHub Enterprise, or the built-in demo.

With no token, no GitHub App and no GITHUB_API_URL, the resource starts the fake GitHub
in this process on a loopback port and PyGithub talks HTTP to it, exactly as it would to
GitHub: the demo and the tests exercise the real client, its GraphQL, its pagination and
its errors. Authentication is a personal token or a GitHub App installation, both
through PyGithub's ``Auth``; secrets reach the resource through ``EnvVar`` only.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from dagster import ConfigurableResource
from github import Auth
from pydantic import Field

from achievement_pipeline.sources.github.client import GitHubClient, open_client
from achievement_pipeline.sources.github.collect import Collection, Collector
from achievement_pipeline.sources.github.errors import GitHubInputError
from achievement_pipeline.sources.github.queries import PageShape
from achievement_pipeline.sources.github.sources import Source, sources_from
from achievement_pipeline.sources.github.store import GitHubStore
from achievement_pipeline.sources.github.watch import WatchResult, poll

DEMO_TOKEN = "demo-token"  # the built-in fake accepts any token; GraphQL needs one
PUBLIC_API = "https://api.github.com"


class GitHubResource(ConfigurableResource):
    """Where merged PRs come from, whose they are, and how hard to push GitHub."""

    token: str = Field(default="", description="Personal token (set via GITHUB_TOKEN only)")
    base_url: str = Field(default="", description="API URL: https://api.github.com or https://HOST/api/v3")
    users: list[str] = Field(default_factory=list, description="Logins whose merged PRs are collected, anywhere")
    orgs: list[str] = Field(default_factory=list, description="Organisations whose repositories are collected in full")
    repos: list[str] = Field(default_factory=list, description="owner/name repositories collected in full")
    app_id: str = Field(default="", description="GitHub App id (GITHUB_APP_ID), to authenticate as an installation")
    app_installation_id: str = Field(default="", description="The App's installation id (GITHUB_APP_INSTALLATION_ID)")
    app_private_key: str = Field(default="", description="The App's private key, PEM (GITHUB_APP_PRIVATE_KEY only)")
    demo_seed: int = Field(default=42, description="Seed of the built-in fake GitHub's history (demo mode)")
    retries: int = Field(default=4, description="Retries for 5xx answers, rate limits and dropped connections")
    backoff_seconds: float = Field(default=0.5, description="Exponential backoff factor between retries")
    max_wait_seconds: float = Field(
        default=900, description="Longest wait for a rate limit to reset before the run fails (then resumes later)"
    )
    request_spacing_seconds: float = Field(
        default=0.25, description="Pause between requests (GitHub's secondary limits); the demo uses none"
    )
    timeout_seconds: int = Field(default=30, description="Seconds to wait for an answer before retrying")
    page_size: int = Field(default=100, description="PRs per GraphQL page (GitHub allows at most 100)")
    settle_seconds: float = Field(
        default=300, description="Re-read changes from this long before the last check (search index lag)"
    )

    @property
    def demo(self) -> bool:
        return not self.token and not self.base_url and not self.app_id

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.demo:
            from achievement_pipeline.fakes.github.demo import demo_base_url

            return demo_base_url(self.demo_seed)
        return PUBLIC_API

    def server_key(self) -> str:
        """Identity of the GitHub the cursors belong to (the demo's port changes, its data does not)."""
        return f"demo:{self.demo_seed}" if self.demo else self.resolved_base_url()

    def sources(self) -> list[Source]:
        users = list(self.users)
        if not users and self.demo:
            from achievement_pipeline.fakes.github.demo import DEMO_USER

            users = [DEMO_USER]
        found = sources_from(users, self.orgs, self.repos)
        if not found:
            raise GitHubInputError(
                "no GitHub source configured: set ACHIEVEMENT_GITHUB_USER (a login), ACHIEVEMENT_GITHUB_ORGS "
                "(organisations) or ACHIEVEMENT_GITHUB_REPOS (owner/name, comma-separated)"
            )
        return found

    def subject(self) -> str:
        """Whose portfolio this is by default: the first user, else the first organisation, else "team"."""
        sources = self.sources()
        for kind in ("user", "org"):
            names = [s.name for s in sources if s.kind == kind]
            if names:
                return names[0]
        return "team"

    def _auth(self) -> Auth.Auth:
        if self.app_id:
            if not self.app_private_key or not self.app_installation_id:
                raise GitHubInputError(
                    "GITHUB_APP_ID is set, so GITHUB_APP_PRIVATE_KEY (the App's PEM key) and "
                    "GITHUB_APP_INSTALLATION_ID must be set too"
                )
            if not self.app_id.isdigit() or not self.app_installation_id.isdigit():
                raise GitHubInputError("GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID must be numbers")
            key = self.app_private_key.replace("\\n", "\n")
            return Auth.AppAuth(int(self.app_id), key).get_installation_auth(int(self.app_installation_id))
        return Auth.Token(self.token or DEMO_TOKEN)

    def client(self) -> GitHubClient:
        spacing = None if self.demo or not self.request_spacing_seconds else self.request_spacing_seconds
        return open_client(
            self.resolved_base_url(),
            self._auth(),
            retries=self.retries,
            backoff_seconds=self.backoff_seconds,
            max_wait_seconds=self.max_wait_seconds,
            spacing_seconds=spacing,
            timeout_seconds=self.timeout_seconds,
        )

    def collect(self, start: date, end: date, engine: sa.Engine | None = None) -> Collection:
        """Merged PRs of [start, end), incrementally through the cursors stored on ``engine``.

        Without an engine the cursors live in memory for this call only (a full collection).
        """
        sources = self.sources()
        if engine is None:
            engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
        client = self.client()
        try:
            collector = Collector(
                client,
                GitHubStore(engine),
                self.server_key(),
                shape=PageShape(prs=max(1, min(100, self.page_size))),
                settle=timedelta(seconds=self.settle_seconds),
            )
            return collector.collect(sources, start, end)
        finally:
            client.close()

    def watch(self, cursor: str | None) -> WatchResult:
        """New or changed merged PRs since the sensor state ``cursor`` (see ``sources.github.watch``)."""
        sources = self.sources()
        client = self.client()
        try:
            return poll(client, sources, cursor, timedelta(seconds=self.settle_seconds))
        finally:
            client.close()
