"""GitHub's side of a webhook: the deliveries GitHub would send for changes to a served fake history.

Payloads take GitHub's documented webhook shapes, built from the same objects the fake's REST API
serves: ``pull_request`` is ``{action, number, pull_request, repository, sender}`` (the full
pull-request object as ``GET /repos/{o}/{r}/pulls/{n}`` returns it; ``label`` for labeled and
unlabeled, ``changes`` for edited), ``pull_request_review`` is ``{action, review, pull_request,
repository, sender}`` (the simple pull-request object; the review's state in lower case, as
webhooks write it), ``ping`` is ``{zen, hook_id, hook}``. Deliveries carry GitHub's headers:
``X-GitHub-Event``, ``X-GitHub-Delivery`` (a GUID per event), ``X-GitHub-Hook-ID``,
``X-Hub-Signature-256`` (HMAC-SHA256 of the body under the secret) and the older SHA-1
``X-Hub-Signature``, ``User-Agent: GitHub-Hookshot/…`` and ``Content-Type: application/json``.

A :class:`FakeDelivery` is built apart from being sent, so tests can sign it wrongly, send it
twice, out of order, or all at once, as GitHub's retries and redeliveries do.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from achievement_pipeline.fakes.github.model import FakePullRequest, FakeReview
from achievement_pipeline.fakes.github.payloads import Json, Payloads, timestamp
from achievement_pipeline.fakes.github.server import FakeGitHub

HOOKSHOT = "GitHub-Hookshot/a1b2c3d"


@dataclass(frozen=True)
class FakeDelivery:
    """One delivery: its event, GUID and exact body bytes (what the signature covers)."""

    event: str
    body: bytes
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def payload(self) -> Json:
        return json.loads(self.body)

    def headers(self, secret: str | None, hook_id: int = 1) -> dict[str, str]:
        """GitHub's delivery headers; no signature headers when the webhook has no ``secret``."""
        out = {
            "Content-Type": "application/json",
            "User-Agent": HOOKSHOT,
            "X-GitHub-Event": self.event,
            "X-GitHub-Delivery": self.guid,
            "X-GitHub-Hook-ID": str(hook_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": "1",
        }
        if secret is not None:
            out["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), self.body, hashlib.sha1).hexdigest()
            out["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return out


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


class WebhookSender:
    """Builds and posts the deliveries of one webhook (its URL and secret) for the fake's history."""

    def __init__(self, fake: FakeGitHub, url: str, secret: str | None, hook_id: int = 1) -> None:
        self.fake = fake
        self.url = url
        self.secret = secret
        self.hook_id = hook_id

    def _payloads(self) -> Payloads:
        return Payloads(self.fake.history, self.fake.base_url)

    def _repository(self, payloads: Payloads, full_name: str) -> Json:
        repo = self.fake.history.repo(full_name)
        if repo is None:
            raise ValueError(f"the fake history has no repository {full_name!r}")
        return payloads.repo(repo, full=False)

    def pull_request(
        self, pr: FakePullRequest, action: str, *, sender: str | None = None, label: str | None = None
    ) -> FakeDelivery:
        """The ``pull_request`` delivery for ``action`` on ``pr`` (as the history holds it now)."""
        payloads = self._payloads()
        payload: Json = {"action": action, "number": pr.number, "pull_request": payloads.pull(pr)}
        if action in ("labeled", "unlabeled"):
            payload["label"] = payloads.label(pr.repo, label or (pr.labels[-1] if pr.labels else "enhancement"))
        if action == "edited":
            payload["changes"] = {"title": {"from": pr.title + " (draft title)"}}
        payload["repository"] = self._repository(payloads, pr.repo)
        payload["sender"] = payloads.user_simple(sender or pr.merged_by or pr.author)
        return FakeDelivery("pull_request", _encode(payload))

    def review(self, pr: FakePullRequest, review: FakeReview, action: str = "submitted") -> FakeDelivery:
        """The ``pull_request_review`` delivery for ``action`` on one of ``pr``'s reviews."""
        payloads = self._payloads()
        body = payloads.review(pr, review)
        body["state"] = "dismissed" if action == "dismissed" else review.state.lower()
        body["submitted_at"] = timestamp(review.submitted_at)
        payload: Json = {
            "action": action,
            "review": body,
            "pull_request": payloads.pull_simple(pr),
            "repository": self._repository(payloads, pr.repo),
            "sender": payloads.user_simple(review.user),
        }
        return FakeDelivery("pull_request_review", _encode(payload))

    def ping(self) -> FakeDelivery:
        payload = {
            "zen": "Keep it logically awesome.",
            "hook_id": self.hook_id,
            "hook": {"type": "Repository", "id": self.hook_id, "active": True, "events": ["pull_request"]},
        }
        return FakeDelivery("ping", _encode(payload))

    def event(self, name: str, payload: Json) -> FakeDelivery:
        """A delivery of any other event (``push``, ``issues``, …) with ``payload`` as given."""
        return FakeDelivery(name, _encode(payload))

    def send(self, delivery: FakeDelivery, *, headers: dict[str, str] | None = None, timeout: float = 10) -> Answer:
        """POST ``delivery`` signed with the webhook's secret, as GitHub does (10 s timeout); ``headers`` override."""
        sent = {**delivery.headers(self.secret, self.hook_id), **(headers or {})}
        return post(self.url, delivery.body, sent, timeout)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> Answer:
    """One HTTP POST on a fresh connection, as GitHub makes one per delivery; the answer's JSON."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=timeout)
    try:
        connection.request("POST", target.path or "/", body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {"raw": raw.decode("utf-8", "replace")}
    return Answer(response.status, answer if isinstance(answer, dict) else {"raw": answer})


def _encode(payload: Json) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
