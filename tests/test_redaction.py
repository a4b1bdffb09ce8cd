from achievement_pipeline.redaction import redact


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
