"""The grammar checker (enrich/grammar.py): it catches what the offline template once wrote, passes clean English."""

import pytest

from achievement_pipeline.enrich.grammar import problems


def rules(text: str, repository: str | None = "acme/web-app") -> set[str]:
    return {problem.split(":")[0] for problem in problems(text, repository)}


@pytest.mark.parametrize(
    "text",
    [
        "Fixed keep cart quantities in sync after login in acme/web-app (#1).",
        "Documented document the checkout flow in acme/web-app (#1).",
        "Sped up right-size the reporting replica in acme/infra (#1).",
        "Strengthened tests for deflake search suggestions tests in acme/web-app (#1).",
    ],
)
def test_a_past_tense_verb_before_the_titles_own_verb_is_caught(text):
    assert "imperative after past tense" in rules(text)


def test_a_conventional_prefix_left_in_the_sentence_is_caught():
    found = rules("Improved ci: cancel superseded…")
    assert {"leftover prefix", "colon", "full stop"} <= found


def test_a_claim_glued_to_the_title_with_a_colon_is_caught():
    headline = (
        "Since the canary rollout we see 35% fewer client-side exceptions: delivered WEB-711: Fix an off-by-one "
        "error in CheckoutForm (acme/web-app#499)."
    )
    assert {"colon", "leftover ticket"} <= rules(headline)


def test_a_template_heading_taken_as_a_sentence_is_caught():
    assert "template" in rules("Summary. Changed 912 lines in 8 files.")


@pytest.mark.parametrize(
    "text",
    [
        "## What changed.",
        "Description: a new flag.",
        "- [x] Tests pass.",
        "Adds a flag. <!-- describe your change --> Done.",
        "Fixes #12.",
        "Closes #12.",
        "Co-authored-by: Ada <ada@example.com>.",
    ],
)
def test_pr_template_boilerplate_is_never_a_sentence(text):
    assert "template" in rules(text)


def test_the_root_placeholder_is_caught():
    assert "root" in rules("Work in acme/infra on (root).", "acme/infra")


@pytest.mark.parametrize(
    "text", ["Changed 9 lines in 1 files.", "Reviewed once (1 approval, 1 review comments).", "Changed 2 file."]
)
def test_a_wrong_plural_is_caught(text):
    assert "plural" in rules(text)


def test_the_repository_named_twice_in_a_sentence_is_caught():
    assert "repository" in rules("Removed eslint comment in vitejs/vite (vitejs/vite#23325).", None)


def test_a_doubled_word_is_caught():
    assert "doubled word" in rules("Fixed the the login form.")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("[ABC-12] Fixed the login form.", "leftover ticket"),
        ("Fixed JIRA-3 - the login form.", "leftover ticket"),
        ("Fixed the login form [skip ci].", "leftover marker"),
        ("Fixed the login form (#12) in acme/web-app (#13).", "leftover reference"),
        ("Fixed the login form (fixes #12).", "leftover reference"),
        ("Improved the build: enable incremental builds.", "leftover prefix"),
    ],
)
def test_a_title_decoration_left_in_the_sentence_is_caught(text, rule):
    assert rule in rules(text)


@pytest.mark.parametrize(
    ("text", "rule"), [("fixed the login form.", "capital"), ("Fixed the login form", "full stop")]
)
def test_a_sentence_starts_with_a_capital_and_ends_with_a_full_stop(text, rule):
    assert rule in rules(text)


def test_an_instruction_is_not_a_sentence_of_the_record():
    assert "imperative sentence" in rules("Add caching to the session store.")


@pytest.mark.parametrize(
    "text",
    [
        "Fixed an off-by-one error in CheckoutForm in acme/web-app (#499); the PR reports 35% fewer client-side "
        "exceptions since the canary rollout.",
        "Upgraded react to 19 in acme/web-app (#3).",
        "Set up CI in acme/web-app (#2). The task was to set up CI.",
        "Added support for partial refunds in acme/web-app (#4). Reviewed once (1 approval, 1 review comment).",
        "Changed 9 lines in 1 file at the repository root.",
        'Reverted “Add caching” in acme/web-app (#5). Tested with `node --test "a: b"`.',
        "Supported React Compiler in acme/web-app (#6).",
    ],
)
def test_clean_english_passes(text):
    assert problems(text, "acme/web-app") == []
