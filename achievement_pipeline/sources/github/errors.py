"""What can go wrong talking to GitHub, as exceptions whose message says what to do.

Each kind needs a different response from the person running the pipeline, so each has
its own class: fix a setting (input), check the network or URL (unavailable), wait or
raise the allowed wait (rate limited), try again later (GitHub's own errors).
"""

from __future__ import annotations


class GitHubError(Exception):
    """Base class: collecting from GitHub failed."""


class GitHubInputError(GitHubError, ValueError):
    """The configuration names something GitHub does not have, or a token it refuses."""


class GitHubCredentialsRejected(GitHubInputError):
    """GitHub refused the token or the GitHub App's credentials (401): no source can be read."""


class GitHubUnavailable(GitHubError, ConnectionError):
    """GitHub (or the configured GitHub Enterprise URL) could not be reached."""


class GitHubRateLimited(GitHubError):
    """GitHub's rate limit is used up and resets later than the pipeline may wait."""


class GitHubServerError(GitHubError):
    """GitHub kept answering with errors of its own (5xx, or an error inside a GraphQL answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
