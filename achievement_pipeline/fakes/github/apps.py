"""GitHub App installations for the fake GitHub: JSON web tokens in, installation tokens out.

A GitHub App authenticates as an installation in two steps, and PyGithub's
``Auth.AppInstallationAuth`` does both: it signs a short JSON web token (RS256) with the
app's private key, posts it to ``/app/installations/{id}/access_tokens``, and then uses the
``ghs_`` token it gets back like any other token. The fake checks the signature with the
app's public key, the issuer and the expiry, as GitHub does.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

TOKEN_LIFETIME = timedelta(hours=1)
DOC = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"


class AppError(Exception):
    """A refusal with GitHub's status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Apps:
    """Registered apps (id -> public key PEM), their installations, and the tokens handed out."""

    def __init__(self, apps: Mapping[int, str] | None = None, installations: Mapping[int, int] | None = None) -> None:
        self.apps = dict(apps or {})
        self.installations = dict(installations or {})
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def accepts(self, token: str) -> bool:
        """Whether ``token`` is an installation token this server issued and that has not expired."""
        with self._lock:
            expiry = self._issued.get(token)
        return expiry is not None and expiry > time.time()

    def issue(self, installation_id: int, authorization: str | None) -> dict[str, Any]:
        """The body of ``POST /app/installations/{id}/access_tokens``; ``AppError`` for what GitHub refuses."""
        import jwt

        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AppError(401, "A JSON web token could not be decoded")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            app_id = int(unverified.get("iss"))
        except (jwt.PyJWTError, TypeError, ValueError):
            raise AppError(401, "A JSON web token could not be decoded") from None
        public_key = self.apps.get(app_id)
        if public_key is None:
            raise AppError(401, "Integration not found")
        try:
            jwt.decode(token, public_key, algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]})
        except jwt.ExpiredSignatureError:
            raise AppError(401, "'Expiration time' claim ('exp') is too far in the future or has passed") from None
        except jwt.PyJWTError:
            raise AppError(401, "A JSON web token could not be decoded") from None
        if self.installations.get(installation_id) != app_id:
            raise AppError(404, "Not Found")
        expires = datetime.now(UTC) + TOKEN_LIFETIME
        issued = f"ghs_{secrets.token_hex(18)}"
        with self._lock:
            self._issued[issued] = expires.timestamp()
        return {
            "token": issued,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": {"metadata": "read", "pull_requests": "read", "contents": "read"},
            "repository_selection": "all",
        }
