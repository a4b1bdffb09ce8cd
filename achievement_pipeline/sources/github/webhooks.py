"""What a GitHub webhook delivery says, once it is proven to come from GitHub.

GitHub signs each delivery's raw body with HMAC-SHA256 under the webhook's secret and sends the
hex digest as ``X-Hub-Signature-256: sha256=<hex>``; :func:`signature_matches` recomputes it over
the exact bytes received and compares in constant time. :func:`read_delivery` then keeps only what
collection needs from a ``pull_request`` or ``pull_request_review`` payload: which PR, which merge
day (UTC) it touches, and who wrote it. The payload is a hint, never the record: the PR itself is
read again through the API by the run the hint leads to, so nothing else of it is kept.

No HTTP and no Dagster here: the receiver (``cli/webhooks.py``) and the tests share these rules.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from achievement_pipeline.sources.github.store import iso, parse_iso

SIGNATURE_PREFIX = "sha256="
# The events and actions that can change what a merged PR's day holds: a merge, an edit of its
# text, a label, a review. Anything else (an opened PR, a push, a star) is answered and ignored.
WATCHED: dict[str, frozenset[str]] = {
    "pull_request": frozenset({"closed", "edited", "labeled", "unlabeled"}),
    "pull_request_review": frozenset({"submitted", "edited", "dismissed"}),
}
GITHUB_PAYLOAD_CAP = 25 * 1024 * 1024  # GitHub does not deliver payloads above 25 MB


class MalformedDelivery(ValueError):
    """A signed delivery whose body is not the payload its event promises: the message says what is missing."""


@dataclass(frozen=True)
class Delivery:
    """The fields of one accepted delivery the pipeline keeps (see ``deliveries`` for the table)."""

    delivery_id: str  # X-GitHub-Delivery: one GUID per event, the same on a redelivery
    event: str
    action: str
    repository: str  # owner/name
    pr_number: int
    author: str  # the PR's author: which configured sources the PR belongs to
    merge_day: str  # YYYY-MM-DD, the UTC day of merged_at: the partition to collect again
    body_sha256: str  # the digest of the signed body: a replay under another GUID is the same delivery


@dataclass(frozen=True)
class Ignored:
    """A signed delivery the pipeline has no use for, and why (answered 2xx, not stored)."""

    reason: str


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body`` under ``secret``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is GitHub's signature of ``body`` under ``secret`` (constant-time comparison)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def read_delivery(
    delivery_id: str, event: str, body: bytes, content_type: str = "application/json"
) -> Delivery | Ignored:
    """The delivery's use to the pipeline: a :class:`Delivery` to store, or why it is :class:`Ignored`.

    ``body`` must already be verified (:func:`signature_matches`). Raises :class:`MalformedDelivery`
    for a watched event whose payload lacks what GitHub always sends with it.
    """
    actions = WATCHED.get(event)
    if actions is None:
        return Ignored(f"event {event!r} is not one the pipeline collects on")
    payload = _payload(body, content_type)
    action = payload.get("action")
    if not isinstance(action, str) or action not in actions:
        shown = action if isinstance(action, str) and action.isidentifier() and len(action) <= 40 else "?"
        return Ignored(f"{event} action {shown!r} changes no merged PR")  # a name for the log, never more
    pull = _mapping(payload, "pull_request")
    repository = _mapping(payload, "repository").get("full_name")
    number = pull.get("number", payload.get("number"))
    user = pull.get("user")
    author = user.get("login") if isinstance(user, Mapping) else None
    if not isinstance(repository, str) or "/" not in repository:
        raise MalformedDelivery("repository.full_name is missing or not owner/name")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise MalformedDelivery("pull_request.number is missing or not a positive number")
    if not isinstance(author, str) or not author:
        raise MalformedDelivery("pull_request.user.login is missing")
    merged_at = pull.get("merged_at")
    if not merged_at:
        return Ignored(f"{repository}#{number} is not merged: nothing to collect yet")
    try:
        merge_day = iso(parse_iso(str(merged_at)))[:10]
    except ValueError:
        raise MalformedDelivery("pull_request.merged_at is not an ISO 8601 time") from None
    return Delivery(
        delivery_id=delivery_id,
        event=event,
        action=action,
        repository=repository,
        pr_number=number,
        author=author,
        merge_day=merge_day,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The JSON payload, sent as ``application/json`` or form-encoded (``payload=``), as GitHub offers both."""
    text = body.decode("utf-8", "replace")
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        text = (parse_qs(text).get("payload") or [""])[0]
    try:
        payload = json.loads(text)
    except ValueError:
        raise MalformedDelivery("the body is not JSON (set the webhook's content type to application/json)") from None
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body is not a JSON object")
    return payload


def _mapping(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise MalformedDelivery(f"{key} is missing or not an object")
    return value
