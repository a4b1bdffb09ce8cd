"""What the GitHub collector tests share: the sources, the quarter, the resource as tests build it, App keys."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from achievement_pipeline.fakes.github import FakeGitHub
from achievement_pipeline.resources.github import GitHubResource

USERS = ("octo-demo", "ada-dev")
QUARTER = (date(2025, 1, 1), date(2025, 4, 1))


def resource(fake: FakeGitHub, **settings: Any) -> GitHubResource:
    """The resource pointed at ``fake``: both users, no courtesy spacing, near-instant retry backoff."""
    values: dict[str, Any] = {
        "base_url": fake.base_url,
        "token": "t",
        "users": list(USERS),
        "request_spacing_seconds": 0,
        "backoff_seconds": 0.01,
    }
    values.update(settings)
    return GitHubResource(**values)


def memory_engine() -> sa.Engine:
    """A private in-memory warehouse (one connection shared, so the tables outlive each query)."""
    return sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)


def app_keys() -> tuple[str, str]:
    """A fresh RSA key pair for a GitHub App, as (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public
