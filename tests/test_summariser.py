"""The offline summariser: deterministic, valid, and it never writes a number the PR does not hold."""

import json

import pytest

from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.narrative import Narrative, pr_facts
from achievement_pipeline.enrich.number_check import evidence_numbers, flag_numbers
from achievement_pipeline.enrich.summariser import offline_narrative, offline_summary
from tests.factories import make_pr


def test_offline_summary_is_deterministic():
    pr = make_pr()
    assert offline_summary(pr, pr_features(pr)) == offline_summary(pr, pr_features(pr))


def test_the_achievement_reports_the_measured_outcome_as_the_prs():
    pr = make_pr()
    achievement = offline_summary(pr, pr_features(pr)).achievement
    assert achievement == (
        "Cached session lookups in acme/web-app (#1); the PR reports p95 latency from 420 ms to 180 ms."
    )


def test_a_claim_worded_as_an_instruction_does_not_lead_the_achievement():
    pr = make_pr(title="perf: faster builds", body="Reduces build time by 30% with a shared cache.")
    achievement = offline_summary(pr, pr_features(pr)).achievement
    assert achievement.startswith("Delivered faster builds in acme/web-app (#1);")
    assert "the PR reports that the change reduces build time by 30%" in achievement


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"body": "", "title": "misc", "files": [], "reviews": [], "review_comments": [], "linked_issues": []},
        {"title": "docs: " + "very long title " * 20, "body": "# Heading\n- [x] done\n" + "word " * 2000},
        {"body": "Reduces memory by 20%. Cuts errors by 3x. Improves p99 from 2 s to 1 s."},
    ],
    ids=["typical", "bare", "long", "many-claims"],
)
def test_the_offline_narrative_always_satisfies_the_contract(overrides):
    pr = make_pr(**overrides)
    narrative = offline_summary(pr, pr_features(pr))
    assert Narrative.model_validate(narrative.model_dump()) == narrative


def test_the_star_story_and_skills_come_from_the_pr():
    pr = make_pr()
    narrative = offline_summary(pr, pr_features(pr))
    assert narrative.star.result.startswith("The PR reports p95 latency from 420 ms to 180 ms.")
    assert "#12" in narrative.star.situation
    assert narrative.skills[:2] == ["performance optimisation", "Python"]


def test_the_offline_narrative_uses_only_numbers_in_evidence():
    pr = make_pr(body="Adds retries to the checkout client. Error rate from 2.5% to 0.4%.", number=7)
    facts = pr_facts(pr, pr_features(pr))
    assert flag_numbers(offline_narrative(facts).texts(), evidence_numbers(facts)) == []


def test_secrets_in_the_body_never_reach_the_narrative():
    pr = make_pr(body="Rotated token ghp_0123456789abcdefghijABCDEFGHIJ0123 for ci@example.com.")
    text = json.dumps(offline_summary(pr, pr_features(pr)).model_dump())
    assert "ghp_" not in text and "ci@example.com" not in text


def test_an_imperative_title_becomes_a_past_tense_record():
    pr = make_pr(title="refactor(db): move raw SQL into repository classes", body="", linked_issues=[])
    achievement = offline_summary(pr, pr_features(pr)).achievement
    assert achievement.startswith("Moved raw SQL into repository classes in acme/web-app")


def test_counts_in_the_summary_read_naturally():
    pr = make_pr(reviews=[{"author": "r", "state": "APPROVED", "body": "", "submitted_at": "2025-01-03T09:00:00Z"}])
    summary = offline_summary(pr, pr_features(pr)).summary
    assert "Reviewed once (1 approval, 1 review comment)." in summary
