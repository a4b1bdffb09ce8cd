"""Secrets and phone numbers of every shape, planted in pull requests, and how to find them in what leaves.

The values are obviously fake but in the real formats (the live-looking ones are assembled here,
not written whole). ``SHAPES`` pairs each text as pasted with the parts of it that must never leave
the warehouse; :func:`leaked` finds those parts in any output, escaped or reflowed. Shared by the
redaction run (test_redaction_e2e.py) and the hostile corpus (hostile_corpus.py).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from achievement_pipeline.fakes.github import FakeComment, FakeFile, FakeReview
from achievement_pipeline.fakes.github.changes import new_merged_pull
from achievement_pipeline.fakes.github.model import FakeHistory, FakePullRequest
from tests.fake_llm import NARRATIVE


def _b64(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


GITHUB_TOKEN = "ghp_" + "fAkE" * 9
GITHUB_PAT = "github_pat_11FAKE0000000000_" + "y" * 59
STRIPE_LIVE = "sk_" + "live_" + "FakeStripeKeyForTests000" + "0123456789"
GOOGLE_KEY = "AIza" + "SyFAKE" + "0" * 29
JWT_SIGNATURE = "fakeJwtSignature_0123456789"
JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'fake-user'})}.{JWT_SIGNATURE}"
PEM_LINE = "MIIEpAIBAAKCAQEAfakeKeyMaterialForTestsOnly0123456789"
SLACK_TOKEN = "xoxb-1234567890-1234567890123-FakeSlackTokenValue00"
SLACK_HOOK_SECRET = "FAKEWEBHOOKSECRET0000000"

# (the text as pasted, the parts of it that must never leave the warehouse)
SHAPES: list[tuple[str, tuple[str, ...]]] = [
    ("DB_PASSWORD=hunter2-fake-db-pw", ("hunter2-fake-db-pw",)),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ("wJalrXUtnFEMI/K7MDENG",)),
    ("API_TOKEN=tok-fake-0123456789", ("tok-fake-0123456789",)),
    ("access key id AKIAIOSFODNN7EXAMPLE", ("AKIAIOSFODNN7EXAMPLE",)),
    ("aws secret key je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", ("je7MtGbClwBF/2Zp9Utk",)),
    (f"token {GITHUB_TOKEN}", (GITHUB_TOKEN[4:],)),
    (f"fine-grained {GITHUB_PAT}", (GITHUB_PAT[11:],)),
    (f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\n-----END RSA PRIVATE KEY-----", (PEM_LINE,)),
    (f"session {JWT}", (JWT_SIGNATURE,)),
    (f"slack {SLACK_TOKEN}", ("FakeSlackTokenValue00",)),
    (f"hook https://hooks.slack.com/services/T00000000/B00000000/{SLACK_HOOK_SECRET}", (SLACK_HOOK_SECRET,)),
    (f"stripe {STRIPE_LIVE}", (STRIPE_LIVE[8:],)),
    (f"maps {GOOGLE_KEY}", (GOOGLE_KEY[4:],)),
    ("db postgresql://app:pg-fake-pass@db.internal/app", ("pg-fake-pass",)),
    ("cache redis://:redis-fake-pass@cache.internal:6379/0", ("redis-fake-pass",)),
    ('curl -H "Authorization: Bearer fakeBearerToken0123456789"', ("fakeBearerToken0123456789",)),
    ('curl -H "Authorization: Basic ZmFrZTpmYWtlLXBhc3N3b3Jk"', ("ZmFrZTpmYWtlLXBhc3N3b3Jk",)),
    ("US (415) 555-0132", ("555-0132",)),
    ("UK +44 20 7946 0958", ("7946 0958",)),
    ("Berlin +49 30 901820", ("901820",)),
]
PLANTED = [needle for _, needles in SHAPES for needle in needles]
# A renderer may reformat a phone number: its digits alone must not show either.
NEEDLES = [*PLANTED, "5550132", "79460958"]
EVERY_SHAPE = "\n".join(text for text, _ in SHAPES)
TITLE = (
    "fix: rotate DB_PASSWORD=hunter2-fake-db-pw AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
    f"API_TOKEN=tok-fake-0123456789 leaked with {GITHUB_TOKEN}, call (415) 555-0132"
)
FILE_NAMES = (
    f"config/{GITHUB_TOKEN}.env",
    "keys/AKIAIOSFODNN7EXAMPLE.pem",
    "contacts/+44 20 7946 0958.txt",
    f"keys/{STRIPE_LIVE}.json",
)


def planted_pull(history: FakeHistory, merged: datetime = datetime(2025, 1, 2, 15, tzinfo=UTC)) -> FakePullRequest:
    """octo-demo's PR in acme/web-app merged at ``merged``, with every shape in every text it has:
    title, body, an approving review, a review comment on a planted file name, a conversation comment."""
    pull = new_merged_pull(
        history, repo="acme/web-app", author="octo-demo", merged_at=merged, title=TITLE, body=EVERY_SHAPE
    )
    reviewer = next(r.user for p in history.pulls for r in p.reviews if r.user != "octo-demo")
    review = FakeReview(990_001, reviewer, "APPROVED", EVERY_SHAPE, merged, pull.head_sha)
    comment = FakeComment(990_002, reviewer, EVERY_SHAPE, merged, path=FILE_NAMES[0], line=1, review_id=990_001)
    conversation = FakeComment(990_003, reviewer, EVERY_SHAPE, merged)
    files = tuple(FakeFile(name, "added", 10, 0, f"{i:040x}") for i, name in enumerate(FILE_NAMES, start=1))
    return dataclasses.replace(
        pull, files=files, reviews=(review,), review_comments=(comment,), issue_comments=(conversation,)
    )


def echo(request: dict[str, Any]) -> dict[str, Any]:
    """A provider that repeats the PR's title and body in its answer, as a careless model might."""
    facts = json.loads(request["messages"][-1]["content"])["pull_request"]
    title = " ".join(facts["title"].split())
    return {
        **NARRATIVE,
        "summary": f"Worked on: {title}. {facts['body']}"[:1100],
        "achievement": f"Shipped {title}"[:290],
        "star": {key: f"As described in the pull request: {title}"[:590] for key in NARRATIVE["star"]},
        "skills": ["Python"],
    }


def leaked(text: str) -> list[str]:
    """The planted values found in ``text``: escaped (JSON, Markdown, HTML) or not, whitespace-insensitively
    (PDF text breaks lines anywhere)."""
    forms = [text, text.replace("\\", ""), html.unescape(text)]
    forms += [re.sub(r"\s+", " ", form) for form in forms]
    squeezed = [re.sub(r"\s+", "", form) for form in forms]
    return [
        needle
        for needle in NEEDLES
        if any(needle in form for form in forms) or any(needle.replace(" ", "") in form for form in squeezed)
    ]


def export_text(path: Path) -> str:
    """What a reader of an export file sees: a PDF's text through poppler's pdftotext, any other file as text."""
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return path.read_text()
