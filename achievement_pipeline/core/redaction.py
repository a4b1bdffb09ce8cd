"""Redact secrets and personal data from PR text wherever it leaves the warehouse.

Titles, bodies, comments and file names routinely carry pasted tokens, connection strings,
e-mail addresses and phone numbers. The warehouse keeps PR text as collected (the raw tables
are the record, readable by whoever can read the warehouse database); everything that leaves
it goes through :func:`redact` first: LLM prompts (and so the LLM cache), every export (all
rendered from one portfolio document), Dagster metadata and log lines. Enrich, export and the
Dagster wiring all use this one module, so the rule has one home.

Three detectors run over the *original* text and their spans are merged, so no detector
sees another's marker and the order does not matter:

- **detect-secrets** (Yelp) for keys and tokens of known formats. Its ``analyze_line`` /
  ``scan_line`` report a secret's *value*, not where it is, and for some formats only part of
  it: a GitHub token is reported as ``"ghp"`` (``re.findall`` returns the prefix group) and a
  Stripe key as its first 24 characters. So each enabled plugin's own ``denylist`` runs here
  with ``finditer`` for positions, the plugin's ``analyze_string`` confirms the match (the JWT
  plugin's validity check), and the span is extended to the end of the token.
- **phonenumbers** (Google's libphonenumber) for phone numbers: ``PhoneNumberMatcher`` at
  ``Leniency.VALID`` for US and UK national formats and any number written with ``+`` and a
  country code. Bare digit runs (``4155550132``) are not taken: in PR text they are issue or
  comment ids, counts and timestamps, and the matcher already leaves dates, versions and
  durations alone.
- **the project's own patterns** for what those miss: whole PEM private-key blocks (the
  plugin flags only the header line), ``NAME=value`` assignments of secret-named variables
  (``DB_PASSWORD=x``, ``AWS_SECRET_ACCESS_KEY=y``, ``API_TOKEN=z``), ``Authorization``
  headers, credentials in URLs (``redis://:pass@host`` too), fine-grained GitHub tokens
  (``github_pat_``), Google API keys, OpenAI/Anthropic/Hugging Face keys, test-mode Stripe
  keys, and e-mail addresses.

Plugins left off, and why: the high-entropy string plugins (``Base64HighEntropyString``,
``HexHighEntropyString``) flag commit SHAs, content hashes, lockfile integrity digests and
ordinary quoted identifiers, which PR bodies quote as evidence ("regressed in a98c8d9",
"sha256 unchanged"): redacting them would break the statements built from the body, and
every credential format they would catch is covered by a specific detector or by a secret
name in front of it. ``KeywordDetector`` is replaced by the assignment pattern below: it
reports only the first match per line, misses unquoted values (``DB_PASSWORD=x``) unless it
is told a file type, knows no ``token``, and in its config mode takes the rest of the line.
``IPPublicDetector``: an IP address is not a credential, and version quads look like one.
``CloudantDetector``, ``IbmCloudIamDetector``, ``IbmCosHmacDetector``, ``SoftlayerDetector``: keyword
assignments for IBM services, which took half the time of a 4,000-character body
(``bench/redaction.py``); a secret assigned to a name with password, secret, token or api key in it
is redacted by the assignment pattern, and a Cloudant URL's password by the URL pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any, TypeVar

from achievement_pipeline.core.records import PullRequestRecord

MARKER = "[REDACTED:{kind}]"
_NOT_A_MARKER = r"(?!\[REDACTED)"

# Names a secret goes by in an assignment, matched where they end the variable's name or a part of it
# (DB_PASSWORD, AWS_SECRET_ACCESS_KEY, csrftoken, X-Api-Key), not inside another word (bypass, tokenizer).
# What comes before the word is kept anyway, so the pattern starts at the word: no scan back over the name.
_SECRET_NAME = (
    r"(?:password|passwd|passphrase|(?<![a-z])pass|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key"
    r"|private[_-]?key|client[_-]?secret|credentials?)"
)

# (kind, pattern): the span redacted is the group "value" when the pattern has one, else the match.
_OWN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
            re.S,
        ),
    ),
    ("github-token", re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("gitlab-token", re.compile(r"(?<![A-Za-z0-9])glpat-[A-Za-z0-9_\-]{20,}")),
    ("api-key", re.compile(r"(?<![A-Za-z0-9])sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}")),
    ("stripe-key", re.compile(r"(?<![A-Za-z0-9])(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("google-api-key", re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{35}")),
    ("huggingface-token", re.compile(r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}")),
    # An AWS secret access key (40 base64 characters, mixed case) written shortly after "aws" or "secret",
    # quoted or not (the plugin wants quotes). Mixed case keeps a 40-character hex commit SHA out.
    (
        "aws-secret-key",
        re.compile(
            r"(?i:aws|secret)[^\n]{0,30}?(?<![A-Za-z0-9/+])"
            r"(?P<value>(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    ("slack-token", re.compile(r"(?<![A-Za-z0-9])(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}")),
    ("jwt", re.compile(r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("bearer-token", re.compile(rf"(?i)\bbearer\s+(?P<value>{_NOT_A_MARKER}[A-Za-z0-9._~+/\-]{{16,}}=*)")),
    (
        "authorization",
        re.compile(
            r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|token|apikey)\s+)?"
            rf"(?P<value>{_NOT_A_MARKER}(?!(?:basic|bearer|token|apikey)\b)[^\s\"']+)"
        ),
    ),
    # user:password@ in any URL, an empty user (redis://:pass@host) and an "@" in the password included.
    ("url-credentials", re.compile(r"(?<=://)(?P<value>[^/\s:@]*:[^\s/]+)@(?=[^\s/@]+)")),
    (
        "secret-assignment",
        re.compile(
            rf"(?i){_SECRET_NAME}(?:[_.-][a-z0-9_.-]*)?[\"']?\s*(?::=|=>|=|:)\s*"
            rf"(?P<value>{_NOT_A_MARKER}(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`]+))"
        ),
    ),
    # Not the user:password@host of a URL (url-credentials keeps its host readable), but mailto: addresses.
    (
        "email",
        re.compile(r"(?:(?<=mailto:)|(?<![:A-Za-z0-9._%+-]))[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    ),
)

# The rest of a token a library pattern matched the start of (a Stripe key past 24 characters, a
# JWT's signature after its lazy match): letters, digits, _-+= and dots inside the token.
_TOKEN_TAIL = re.compile(r"(?:[A-Za-z0-9_\-+=]|\.(?=[A-Za-z0-9_\-]))*")
_TRIM = " \t\r\n\"'=:"

# Phone numbers: national formats of these regions, and any "+<country code>" number.
PHONE_REGIONS = ("US", "GB")
# Cheap gate before the matcher: seven digits with at most separators between them.
_PHONE_HINT = re.compile(r"(?:\d[\s().\-/]{0,3}){6}\d")
_PHONE_CONTEXT = 32  # characters either side of a hint: a country code, a "(0)", an extension


@cache
def _library_detectors() -> tuple[Any, ...]:
    """detect-secrets' regex plugins we trust on prose, built once (imported here: it pulls in requests)."""
    from detect_secrets.plugins.artifactory import ArtifactoryDetector
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.npm import NpmDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    plugins = (
        ArtifactoryDetector, AWSKeyDetector, AzureStorageKeyDetector, BasicAuthDetector, DiscordBotTokenDetector,
        GitHubTokenDetector, GitLabTokenDetector, JwtTokenDetector, MailchimpDetector, NpmDetector, OpenAIDetector,
        PrivateKeyDetector, PypiTokenDetector, SendGridDetector, SlackDetector, SquareOAuthDetector, StripeDetector,
        TelegramBotTokenDetector, TwilioKeyDetector,
    )  # fmt: skip
    return tuple(plugin() for plugin in plugins)


def _kind(secret_type: str) -> str:
    """A plugin's secret type as a marker kind: "AWS Access Key" -> "aws-access-key"."""
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


def _library_spans(text: str) -> Iterator[tuple[int, int, str]]:
    for plugin in _library_detectors():
        for pattern in plugin.denylist:
            for match in pattern.finditer(text):
                found = match.group(0)
                if not found or not any(True for _ in plugin.analyze_string(found)):
                    continue  # the plugin's own check refused it (a JWT that is not one)
                start, end = match.span()
                # A group that starts after the match does is the secret after its context
                # (aws ... key = "<secret>", ://user:<password>@); one at the start is only a prefix.
                inner = [match.span(i) for i in range(1, (match.re.groups or 0) + 1) if match.group(i)]
                if inner and inner[0][0] > start:
                    start, end = inner[0]
                while start < end and text[start] in _TRIM:
                    start += 1
                while end > start and text[end - 1] in _TRIM:
                    end -= 1
                tail = _TOKEN_TAIL.match(text, end)
                end = tail.end() if tail else end
                if start < end:
                    yield start, end, _kind(plugin.secret_type)


def _own_spans(text: str) -> Iterator[tuple[int, int, str]]:
    for kind, pattern in _OWN_PATTERNS:
        has_value = "value" in pattern.groupindex
        for match in pattern.finditer(text):
            start, end = match.span("value") if has_value else match.span()
            if start < end:
                yield start, end, kind


def _phone_windows(text: str) -> list[tuple[int, int]]:
    """Where a phone number may be: around each run of seven digits, widened to whole words.

    The matcher then reads these few windows, not the whole text: a long body with a figure or
    two costs a fraction of a full scan. A window never cuts a word, so a long number is seen whole.
    """
    windows: list[tuple[int, int]] = []
    for hint in _PHONE_HINT.finditer(text):
        start, end = max(0, hint.start() - _PHONE_CONTEXT), min(len(text), hint.end() + _PHONE_CONTEXT)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _phone_spans(text: str) -> Iterator[tuple[int, int, str]]:
    windows = _phone_windows(text)
    if not windows:
        return
    import phonenumbers

    for start, end in windows:
        for region in PHONE_REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(text[start:end], region, leniency=phonenumbers.Leniency.VALID):
                if not match.raw_string.isdigit():  # a bare digit run is an id or a count, not a written number
                    yield start + match.start, start + match.end, "phone"


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """Every span to redact as (start, end, kind), overlaps merged, in order (the first detector's kind wins)."""
    spans = sorted((*_own_spans(text), *_library_spans(text), *_phone_spans(text)), key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            first_start, first_end, first_kind = merged[-1]
            merged[-1] = (first_start, max(first_end, end), first_kind)
        else:
            merged.append((start, end, kind))
    return merged


# Short strings come back again and again (titles, file names, labels, the export's phrases: a person's year
# redacts about 35,000 strings, 6,500 of them distinct), so their answers are remembered; the detectors are
# fixed at import, so an answer never goes stale. Bounded: at most _MEMO_SIZE strings of _MEMO_CHARS each.
_MEMO_CHARS = 1_000
_MEMO_SIZE = 8_192


def redact(text: str) -> str:
    """``text`` with every secret-looking or personal span replaced by a ``[REDACTED:kind]`` marker."""
    if not text:
        return text
    if len(text) <= _MEMO_CHARS:
        return _redact_short(text)
    return _redact(text)


@lru_cache(maxsize=_MEMO_SIZE)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    spans = secret_spans(text)
    if not spans:
        return text
    parts, at = [], 0
    for start, end, kind in spans:
        parts += [text[at:start], MARKER.format(kind=kind)]
        at = end
    parts.append(text[at:])
    return "".join(parts)


T = TypeVar("T")


def redact_all(value: T) -> T:
    """Every string inside a JSON-like value redacted (dict keys are ours, not PR text, and are kept)."""
    if isinstance(value, str):
        return redact(value)  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(redact_all(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: redact_all(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


def redact_pull_request(pr: PullRequestRecord) -> PullRequestRecord:
    """A copy of ``pr`` with all its free text redacted whole: title, body, labels, milestone, file names,
    review bodies, review comments (and their paths) and conversation comments.

    Callers cut text (a body to a prompt's length, a file list) only after this, so a secret
    straddling a cut is never sent in part.
    """
    copy = dict(pr)
    for key in ("title", "body", "milestone", "head_ref", "base_ref"):
        if isinstance(copy.get(key), str):
            copy[key] = redact(copy[key])
    copy["labels"] = [redact(label) for label in pr.get("labels") or []]
    copy["files"] = [{**f, "filename": redact(f["filename"])} for f in pr.get("files") or []]
    copy["reviews"] = [{**r, "body": redact(r.get("body") or "")} for r in pr.get("reviews") or []]
    for key in ("review_comments", "issue_comments"):
        copy[key] = [
            {**c, "body": redact(c.get("body") or ""), "path": redact(c.get("path") or "")} for c in pr.get(key) or []
        ]
    return copy  # type: ignore[return-value]
