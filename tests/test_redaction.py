"""Redaction of PR text (core/redaction.py): every shape of secret and phone number goes, figures and hashes stay.

The fake secrets match the real formats but are obviously fake; the live-looking ones are built
in code so no file holds a key a scanner would take for a real one.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest

from achievement_pipeline.core.redaction import redact, redact_pull_request, secret_spans
from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.narrative import MAX_BODY_CHARS, pr_facts
from tests.factories import make_pr, portfolio_document
from tests.test_portfolio import _doc, _row


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


GITHUB_TOKEN = "ghp_" + "fAkE" * 9
GITHUB_PAT = "github_pat_11FAKE0000000000_" + "x" * 59
STRIPE_LIVE = "sk_" + "live_" + "FakeStripeKeyForTests000" + "0123456789abcdef"  # longer than the plugin's 24
JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'fake-user', 'name': 'Fake'})}.fakeSignature_0123456789"
PEM_BODY = "MIIEpAIBAAKCAQEAfakeKeyMaterialForTestsOnly0123456789"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\nZmFrZSBrZXkgbWF0ZXJpYWw=\n-----END RSA PRIVATE KEY-----"

# (shape, text as someone would paste it, the secret part that must not survive)
SHAPES = [
    ("env password", "DB_PASSWORD=hunter2-fake-db-pw", "hunter2-fake-db-pw"),
    ("env aws secret", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG"),
    ("env api token", "export API_TOKEN=tok-fake-0123456789", "tok-fake-0123456789"),
    ("aws access key id", "the key AKIAIOSFODNN7EXAMPLE was rotated", "AKIAIOSFODNN7EXAMPLE"),
    ("aws secret key", "aws secret key je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY here", "je7MtGbClwBF/2Zp9Utk"),
    ("github token", f"push with {GITHUB_TOKEN}", GITHUB_TOKEN[4:]),
    ("github fine-grained token", f"token {GITHUB_PAT} expired", GITHUB_PAT[11:]),
    ("pem private key", f"key:\n{PEM}\n", PEM_BODY),
    ("jwt", f"cookie {JWT}.", JWT.split(".")[2]),
    ("slack bot token", "xoxb-1234567890-1234567890123-FakeSlackTokenValue00", "FakeSlackTokenValue00"),
    (
        "slack webhook",
        "hook https://hooks.slack.com/services/T00000000/B00000000/FAKEWEBHOOKSECRET0000000",
        "FAKEWEBHOOKSECRET0000000",
    ),
    ("stripe live key", f"STRIPE={STRIPE_LIVE}", STRIPE_LIVE[8:]),
    ("google api key", "maps AIzaSyFAKE00000000000000000000000000000 key", "SyFAKE0000000000"),
    ("postgres url", "DATABASE=postgresql://app:pg-fake-pass@db.internal/app", "pg-fake-pass"),
    ("redis url, no user", "cache at redis://:redis-fake-pass@cache.internal:6379/0", "redis-fake-pass"),
    ("password with an @", "mongodb://app:p@ss-fake-word@db.internal/app", "ss-fake-word"),
    ("bearer header", 'curl -H "Authorization: Bearer fakeBearerToken0123456789"', "fakeBearerToken0123456789"),
    ("basic header", "Authorization: Basic ZmFrZTpmYWtlLXBhc3N3b3Jk", "ZmFrZTpmYWtlLXBhc3N3b3Jk"),
    ("us phone", "call (415) 555-0132 after six", "555-0132"),
    ("us phone, dotted", "or 415.555.0132", "555.0132"),
    ("uk phone, international", "London office +44 20 7946 0958", "7946 0958"),
    ("uk phone, national", "London office 020 7946 0958", "7946 0958"),
    ("german phone", "Berlin +49 30 901820", "901820"),
    ("french phone", "Paris +33 1 42 68 53 00", "42 68 53 00"),
    ("email", "ping jane.doe@example.com", "jane.doe@example.com"),
]


@pytest.mark.parametrize(("shape", "text", "secret"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_shape_of_secret_and_phone_number_is_redacted(shape, text, secret):
    redacted = redact(text)
    assert secret not in redacted and "[REDACTED:" in redacted


def test_env_assignments_keep_their_names_and_lose_their_values():
    assert redact("DB_PASSWORD=x AWS_SECRET_ACCESS_KEY=y API_TOKEN=z") == (
        "DB_PASSWORD=[REDACTED:secret-assignment] AWS_SECRET_ACCESS_KEY=[REDACTED:secret-assignment] "
        "API_TOKEN=[REDACTED:secret-assignment]"
    )


def test_quoted_assignments_in_json_and_yaml_are_redacted():
    text = redact('{"api_key": "fake key with spaces", "password": \'pw\'}')
    assert "fake key with spaces" not in text and "pw'" not in text


def test_names_that_only_contain_a_secret_word_keep_their_values():
    text = "max_tokens=512 tokenizer=fast bypass=1 secrets: inherit PWD=/home/me"
    assert redact(text) == text


def test_a_github_token_is_redacted_whole_though_detect_secrets_reports_only_its_prefix():
    assert redact(f"a {GITHUB_TOKEN} b") == "a [REDACTED:github-token] b"


def test_a_stripe_key_longer_than_the_plugins_pattern_is_redacted_to_its_end():
    assert redact(f"key {STRIPE_LIVE}.") == "key [REDACTED:stripe-key]."


def test_a_pasted_private_key_block_is_redacted_whole_and_the_text_after_it_kept():
    assert redact(f"key:\n{PEM}\nok") == "key:\n[REDACTED:private-key]\nok"


def test_the_host_and_database_of_a_connection_string_stay_readable():
    assert redact("redis://:pw@cache.internal:6379/0") == "redis://[REDACTED:url-credentials]@cache.internal:6379/0"


def test_the_authorization_scheme_stays_and_the_credentials_go():
    assert redact("Authorization: Basic ZmFrZTpmYWtl") == "Authorization: Basic [REDACTED:authorization]"


def test_an_international_and_a_us_number_are_both_found_in_one_sentence():
    assert redact("Call +44 20 7946 0958 or (415) 555-0132.") == "Call [REDACTED:phone] or [REDACTED:phone]."


def test_a_phone_number_deep_in_a_long_body_is_found():
    text = "Context. " * 400 + "Call (415) 555-0132 to reach the on-call engineer."
    assert redact(text) == "Context. " * 400 + "Call [REDACTED:phone] to reach the on-call engineer."


def test_a_long_digit_run_in_a_long_body_is_not_a_phone_number():
    text = "Context. " * 400 + "checksum 4155550132415555013241555501324155550132 matched"
    assert redact(text) == text


NOT_PHONE_NUMBERS = [
    "Bumped vite from v5.4.10 to v6.0.3 and node 18.19.0 → 20.11.1",
    "released 2025-01-03, deployed 2025-01-03T12:00:00Z, window 2024-12-31 23:59:59",
    "Closes #12345 and acme/web-app#4155; see issuecomment-2356281422",
    "p95 latency from 420 ms → 180 ms; builds took 3600 s, now 1 234 567 ms overall",
    "1,234,567 downloads, 12345678 rows, 4200000 → 1800000 events, port 5432",
    "a bare id 4155550132 is not a written phone number",
]


@pytest.mark.parametrize("text", NOT_PHONE_NUMBERS)
def test_versions_dates_pr_numbers_durations_and_counts_are_not_redacted(text):
    assert redact(text) == text


HASHES = [
    "regressed in a98c8d95d552c6fa98ab66fb810f5b39ad5abf49 (a98c8d9), fixed here",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 unchanged",
    "integrity sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR5 in the lockfile",
    "request id 123e4567-e89b-12d3-a456-426614174000 in the log",
]


@pytest.mark.parametrize("text", HASHES)
def test_commit_shas_content_hashes_and_uuids_are_not_redacted(text):
    assert redact(text) == text


def test_redacting_twice_changes_nothing_more():
    once = redact(" ".join(text for _, text, _ in SHAPES))
    assert redact(once) == once


def test_plain_text_is_unchanged():
    assert redact("Fix flaky test in checkout") == "Fix flaky test in checkout"


def test_an_ordinary_portfolio_has_nothing_to_redact():
    found = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.extend((value, span) for span in secret_spans(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(_doc())
    assert found == []


def test_the_portfolio_document_carries_no_secret_or_phone_number_of_a_title_or_statement():
    row = {
        **_row("acme/a#1", "2025-01-05", "feature", 100),
        "title": f"Rotate {GITHUB_TOKEN}, call (415) 555-0132",
        "achievement": "Rotated the key AKIAIOSFODNN7EXAMPLE.",
    }
    text = json.dumps(portfolio_document([row], date(2025, 1, 1), date(2025, 2, 1)))
    assert GITHUB_TOKEN not in text and "555-0132" not in text and "AKIAIOSFODNN7EXAMPLE" not in text
    assert "acme/a#1" in text


# --- a whole pull request, and the prompt built from it --------------------------------------------


def _planted_pr():
    secret = "DB_PASSWORD=hunter2-fake-db-pw call +44 20 7946 0958"
    return make_pr(
        title=f"fix: rotate {GITHUB_TOKEN}",
        body=f"Rotated. {secret}",
        files=[{"filename": f"secrets/{GITHUB_TOKEN}.env", "status": "added", "additions": 1, "deletions": 0}],
        reviews=[{"author": "r", "state": "APPROVED", "body": secret, "submitted_at": "2025-01-03T09:00:00Z"}],
        review_comments=[{"author": "r", "body": secret, "path": f"secrets/{GITHUB_TOKEN}.env"}],
        issue_comments=[{"author": "r", "body": secret, "path": ""}],
    )


def test_every_text_of_a_pull_request_is_redacted_titles_bodies_comments_and_file_names():
    text = json.dumps(redact_pull_request(_planted_pr()))
    assert GITHUB_TOKEN not in text and "hunter2-fake-db-pw" not in text and "7946 0958" not in text


def test_the_record_itself_is_left_as_collected():
    pr = _planted_pr()
    redact_pull_request(pr)
    assert GITHUB_TOKEN in pr["title"] and "hunter2-fake-db-pw" in pr["review_comments"][0]["body"]


def test_a_secret_straddling_the_prompts_body_cut_is_not_sent_in_part():
    start = MAX_BODY_CHARS - 10  # the token starts 10 characters before the cut and ends well after it
    pr = make_pr(body="x" * (start - 1) + " " + GITHUB_TOKEN + " done")
    body = pr_facts(pr, pr_features(pr))["body"]
    assert len(body) == MAX_BODY_CHARS
    assert not any(GITHUB_TOKEN[:n] in body for n in range(4, len(GITHUB_TOKEN) + 1))


def test_the_prompt_carries_no_secret_of_the_title_body_or_file_names():
    pr = _planted_pr()
    facts = json.dumps(pr_facts(pr, pr_features(pr)))
    assert GITHUB_TOKEN not in facts and "hunter2-fake-db-pw" not in facts and "7946 0958" not in facts


# --- kept from before the move to core/ -----------------------------------------------------------


def test_github_tokens_are_redacted():
    assert "ghp_" not in redact("use ghp_0123456789abcdefghijABCDEFGHIJ0123 to push")


def test_provider_keys_and_aws_keys_are_redacted():
    text = redact("OPENAI sk-proj-abcdefghijklmnop1234 and AKIAABCDEFGHIJKLMNOP")
    assert "sk-proj" not in text and "AKIA" not in text


def test_email_addresses_are_redacted():
    assert redact("ping jane.doe@example.com") == "ping [REDACTED:email]"


def test_password_in_url_is_redacted_but_host_kept():
    assert redact("postgres://app:s3cret@db.internal/x") == "postgres://[REDACTED:url-credentials]@db.internal/x"


def test_assignment_keeps_the_name_and_hides_the_value():
    assert redact("password = hunter2") == "password = [REDACTED:secret-assignment]"


def test_a_pasted_private_key_block_is_redacted_whole():
    block = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----"
    text = f"key:\n{block}\nok"
    assert redact(text) == "key:\n[REDACTED:private-key]\nok"


def test_a_bearer_token_in_a_curl_example_is_redacted():
    text = redact('curl -H "Authorization: Bearer abcdefghijklmnop0123456789" https://api.example.com')
    assert "abcdefghijklmnop" not in text and "Bearer [REDACTED:bearer-token]" in text


def test_other_providers_keys_are_redacted():
    keys = (
        "glpat-abcdefghij0123456789",
        "sk_live_abcdefghijklmnop1234",
        "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
        "hf_abcdefghijklmnopqrstuvwxyz0123456789",
    )
    assert not any(key in redact(f"value {key} here") for key in keys)
