"""The demo's GitHub: one fake GitHub per history seed, started on first use in this process.

The GitHub resource asks for it when no token, GitHub App or GITHUB_API_URL is configured;
PyGithub then talks HTTP to it on a loopback port exactly as it would to GitHub.
"""

from __future__ import annotations

import threading

DEMO_USER = "octo-demo"  # the login whose history the fake invents

_lock = threading.Lock()
_servers: dict[int, str] = {}


def demo_base_url(seed: int) -> str:
    """Base URL of this process's fake GitHub for ``seed``, started on first use."""
    with _lock:
        if seed not in _servers:
            from achievement_pipeline.fakes.github.history import generate_history
            from achievement_pipeline.fakes.github.server import FakeGitHub

            server = FakeGitHub(generate_history(seed=seed))
            server.start()
            _servers[seed] = server.base_url
        return _servers[seed]
