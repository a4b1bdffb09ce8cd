from achievement_pipeline.enrich.redaction import redact


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


def test_plain_text_is_unchanged():
    assert redact("Fix flaky test in checkout") == "Fix flaky test in checkout"


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
