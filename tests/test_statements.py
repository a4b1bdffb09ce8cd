"""Offline statements and STAR stories read as English for any PR title (enrich/phrasing.py, enrich/summariser.py).

Every narrative of the demo history and of the vite corpus (../shared/data/vite-prs.jsonl, 6,383 real merged
PRs; skipped without it) must pass the project's grammar checker (enrich/grammar.py).
"""

import json
from pathlib import Path

import pytest

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.grammar import problems
from achievement_pipeline.enrich.narrative import Narrative, pr_facts
from achievement_pipeline.enrich.phrasing import title_phrase
from achievement_pipeline.enrich.summariser import offline_narrative, offline_summary
from achievement_pipeline.fakes.github.history import generate_history
from tests.factories import make_pr, pr_from_corpus, pr_from_fake

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"


def narrative(title: str, **overrides) -> Narrative:
    pr = make_pr(title=title, **{"body": "", "linked_issues": [], **overrides})
    return offline_summary(pr, pr_features(pr))


def broken_rules(prs) -> list[str]:
    """Every problem of every generated text, with the title it came from."""
    found = []
    for pr in prs:
        facts = pr_facts(pr, pr_features(pr))
        written = offline_narrative(facts)
        for text in written.texts()[:6]:  # summary, statement, the four STAR parts (skills are names)
            found += [f"{pr['title']!r}: {p} in {text!r}" for p in problems(text, facts["repository"])]
    return found


@pytest.mark.parametrize(
    ("title", "done"),
    [
        ("bump x from 1 to 2", "Bumped x from 1 to 2"),
        ("Update README", "Updated README"),
        ("fix: set up CI", "Set up CI"),
        ("Don't crash on empty input", "Stopped crashing on empty input"),
        ("chore(deps): upgrade react to 19", "Upgraded react to 19"),
        ("refactor: split init.lua into plugin modules", "Split init.lua into plugin modules"),
        ("feat: dark mode", "Shipped dark mode"),
        ('Revert "Add caching"', "Reverted “Add caching”"),
        ("docs: document the checkout flow", "Documented the checkout flow"),
        ("perf(rds): right-size the reporting replica", "Right-sized the reporting replica"),
        ("test: deflake search suggestions tests", "Deflaked search suggestions tests"),
        ("ci: cancel superseded policy checks runs", "Cancelled superseded policy checks runs"),
        ("WEB-711: Fix an off-by-one error in CheckoutForm", "Fixed an off-by-one error in CheckoutForm"),
        ("fix(cart): keep cart quantities in sync after login", "Kept cart quantities in sync after login"),
        ("refactor!: bump node to 20 and remove the cjs build", "Bumped node to 20 and removed the cjs build"),
    ],
)
def test_the_titles_verb_phrase_is_put_in_the_past_tense(title, done):
    assert narrative(title).achievement == f"{done} in acme/web-app (#1)."


@pytest.mark.parametrize(
    ("title", "task"),
    [
        ("Don't crash on empty input", "The task was to stop crashing on empty input."),
        ("perf(rds): right-size the reporting replica", "The task was to right-size the reporting replica."),
        ("feat: dark mode", "The task was to ship dark mode."),
    ],
)
def test_the_task_is_the_titles_verb_phrase_as_an_infinitive(title, task):
    assert narrative(title).star.task == task


@pytest.mark.parametrize(
    ("title", "done"),
    [
        ("Dark mode for settings", "Delivered dark mode for settings"),
        ("WIP", "Delivered a change"),
        ("v2.3.1", "Released v2.3.1"),
        ("Why does login fail on Safari?", "Addressed “Why does login fail on Safari?”"),
        ("🚀", "Delivered a change"),
        ("✨ add dark mode", "Added dark mode"),
        ("修复登录问题", "Delivered “修复登录问题”"),
        ("Corrige el error de inicio de sesión", "Delivered “Corrige el error de inicio de sesión”"),
        ("fix: build fails on Windows", "Fixed an issue where build fails on Windows"),
        ("fix: the dev server should keep its port", "Ensured that the dev server will keep its port"),
        ("docs: typo", "Fixed a typo in the documentation"),
        ("fix: properly disable `inlineConst`", "Properly disabled `inlineConst`"),
    ],
)
def test_a_title_that_is_no_imperative_still_makes_a_sentence(title, done):
    assert narrative(title).achievement == f"{done} in acme/web-app (#1)."


@pytest.mark.parametrize(
    "title",
    [
        "[ABC-12] fix: handle empty carts",
        "JIRA-3 - Handle empty carts",
        "fix(checkout): handle empty carts (#123)",
        "fix: handle empty carts [skip ci]",
        "fix(ssr): handle empty carts (fix #2391)",
        "fix: handle empty carts, closes #12",
    ],
)
def test_prefixes_tickets_references_and_markers_come_out_of_the_sentence(title):
    assert title_phrase(title).past == "handled empty carts"


def test_a_measured_claim_is_the_result_attributed_to_the_pr():
    written = narrative(
        "WEB-711: Fix an off-by-one error in CheckoutForm",
        number=499,
        body="Since the canary rollout we see 35% fewer client-side exceptions.",
    )
    assert written.achievement == (
        "Fixed an off-by-one error in CheckoutForm in acme/web-app (#499); "
        "the PR reports 35% fewer client-side exceptions since the canary rollout."
    )
    assert written.star.result.startswith("The PR reports 35% fewer client-side exceptions since the canary rollout.")


def test_pr_template_text_is_never_taken_as_a_sentence():
    body = (
        "## Summary\nThis PR fixes alert routing.\n\n## Why\nWe hit this in production during the peak.\n\n"
        "## Testing\n- [x] Tested locally and on staging.\n- Added unit tests for the new behaviour.\n"
        "<!-- Describe your change -->\n\nCloses #12\nCo-authored-by: Ada <ada@example.com>"
    )
    written = narrative("fix: fix alert routing", body=body, linked_issues=[12])
    text = " ".join(written.texts())
    assert written.star.situation.startswith("We hit this in production during the peak.")
    assert written.star.action.endswith("Added unit tests for the new behaviour.")
    for leftover in ("Summary", "##", "[x]", "<!--", "Closes #12", "Co-authored-by", "This PR fixes"):
        assert leftover not in text


def test_files_at_the_repository_root_are_named_so():
    files = [{"filename": "README.md", "status": "modified", "additions": 1, "deletions": 0}]
    written = narrative("docs: update README", files=files, changed_files=1, additions=1, deletions=0)
    assert "Changed 1 line in 1 file at the repository root." in written.summary
    assert all("(root)" not in text for text in written.texts())


def test_the_repository_is_named_once_per_sentence():
    written = narrative("fix: fix alert routing", linked_issues=[12])
    for text in written.texts()[:6]:
        assert problems(text, "acme/web-app") == [], text


def test_every_offline_narrative_of_the_demo_history_passes_the_grammar_check():
    prs = [pr_from_fake(pull) for pull in generate_history(seed=42).pulls]
    assert broken_rules(prs)[:10] == []


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_file(), reason=f"no vite corpus at {CORPUS}")
def test_every_offline_narrative_of_the_vite_corpus_passes_the_grammar_check():
    prs = [pr_from_corpus(json.loads(line)) for line in CORPUS.read_text().splitlines() if line.strip()]
    assert len(prs) > 6000
    assert broken_rules(prs)[:10] == []
