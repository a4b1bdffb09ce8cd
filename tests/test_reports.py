"""Tests for the portfolio renderers: schema, HTML, PDF and executive summary.

Most tests are about hostile input, because every string in the portfolio comes from
pull-request text that anyone can write, and the output is handed to other people.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from achievement_pipeline.core.predictions import PREFIX_BASIS, SCORECARD_VERSION, describe_category, describe_impact
from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export import reports
from achievement_pipeline.export.achievements import build_achievements
from achievement_pipeline.export.breakdowns import issue_links, quarters, skills
from achievement_pipeline.ml.impact_scorecard import ImpactScore, score_impact
from tests.markdown_reading import read_markdown

# --------------------------------------------------------------------------- sample document

RATE = 100.0
IMPACT_FACTOR = {"low": 1.0, "medium": 1.5, "high": 2.5}

_SAMPLE_PRS: list[dict[str, Any]] = [
    dict(
        repo="acme/web-app",
        number=12,
        category="feature",
        size="m",
        additions=420,
        deletions=85,
        hours=10.0,
        merged_at="2025-01-08T14:12:00Z",
        title="feat(checkout): retry failed card payments with idempotency keys",
        reviews=4,
        review_comments=12,
        review_states={"APPROVED": 2, "CHANGES_REQUESTED": 1, "COMMENTED": 1},
        statement=(
            "Cut checkout payment failures from 2.1% to 0.6% by retrying transient card declines with idempotency keys."
        ),
        summary=(
            "Adds exponential-backoff retries for gateway timeouts and soft declines; idempotency keys "
            "prevent duplicate charges. Shipped behind a flag and rolled out to all traffic after a "
            "week."
        ),
        claim="payment failure rate from 2.1% to 0.6% over 7 days",
        areas=["src/checkout", "src/payments"],
    ),
    dict(
        repo="acme/payments-api",
        number=88,
        category="performance",
        size="m",
        additions=210,
        deletions=140,
        hours=8.0,
        merged_at="2025-02-11T09:30:00Z",
        title="perf(ledger): batch balance queries",
        statement=("Reduced p95 latency of the balance endpoint from 420 ms to 180 ms by batching ledger queries."),
        summary=(
            "Replaces one query per account with a single batched query and adds an index on (account_id, posted_at)."
        ),
        claim="p95 from 420 ms to 180 ms",
        areas=["ledger"],
    ),
    dict(
        repo="acme/infra",
        number=31,
        category="build/ci",
        size="s",
        additions=90,
        deletions=40,
        hours=4.0,
        merged_at="2025-01-21T16:05:00Z",
        title="ci: cache dependencies and split test jobs",
        statement=(
            "Cut CI time from 18 to 7 minutes per pipeline by caching dependencies and running test shards in parallel."
        ),
        summary="Caches the package manager store between runs and splits the test suite into four shards.",
        claim="pipeline time from 18 min to 7 min",
        areas=[".github/workflows"],
    ),
    dict(
        repo="acme/payments-api",
        number=91,
        category="security",
        size="s",
        additions=60,
        deletions=12,
        hours=3.0,
        merged_at="2025-02-19T11:00:00Z",
        title="fix(webhooks): verify signatures before parsing payloads",
        basis="label",  # labelled "security": says more than its fix prefix
        reviews=3,
        review_comments=6,
        review_states={"APPROVED": 2, "COMMENTED": 1},
        statement="Closed a webhook spoofing path by verifying signatures before payloads are parsed.",
        summary="Moves HMAC verification ahead of JSON parsing and rejects requests older than five minutes.",
        claim="",
        areas=["webhooks"],
    ),
    dict(
        repo="acme/web-app",
        number=19,
        category="feature",
        size="l",
        additions=880,
        deletions=210,
        hours=20.0,
        merged_at="2025-03-04T10:45:00Z",
        title="feat(search): typo-tolerant product search",
        statement="Made product search tolerant of typos, raising search-to-cart conversion from 11% to 14%.",
        summary=(
            "Introduces trigram matching with a relevance threshold and a fallback to exact search for short queries."
        ),
        claim="search-to-cart conversion from 11% to 14%",
        areas=["src/search"],
    ),
    dict(
        repo="acme/web-app",
        number=23,
        category="fix",
        size="s",
        additions=45,
        deletions=18,
        hours=2.0,
        merged_at="2025-01-15T08:20:00Z",
        title="fix(cart): keep quantities when the session refreshes",
        statement="Stopped carts from losing item quantities when a session token refreshed.",
        summary="Persists the cart before refreshing the token instead of after.",
        claim="",
        areas=["src/cart"],
    ),
    dict(
        repo="acme/infra",
        number=35,
        category="reliability",
        size="s",
        additions=70,
        deletions=30,
        hours=3.0,
        merged_at="2025-02-03T13:10:00Z",
        title="feat(alerts): page on sustained 5xx rate instead of single spikes",
        basis="label",  # labelled "sre"
        statement=(
            "Cut false-positive pages by about 70% by alerting on a sustained 5xx rate instead of single spikes."
        ),
        summary="Replaces the per-minute threshold with a 10-minute burn-rate alert.",
        claim="pages per week from 10 to 3",
        areas=["alerts"],
    ),
    dict(
        repo="acme/payments-api",
        number=95,
        category="uncertain",
        size="m",
        additions=360,
        deletions=290,
        hours=6.0,
        merged_at="2025-03-12T15:30:00Z",
        title="Extract the refund state machine",
        basis="uncertain",  # no prefix, no label, and the model is not sure enough
        predicted="refactor",
        confidence=0.48,
        statement=("Simplified refund handling by extracting an explicit state machine with exhaustive transitions."),
        summary="Moves refund status changes into one module with tests for every transition.",
        claim="",
        areas=["refunds"],
    ),
    dict(
        repo="acme/web-app",
        number=27,
        category="docs",
        size="xs",
        additions=60,
        deletions=4,
        hours=1.0,
        merged_at="2025-01-22T17:00:00Z",
        title="docs: document the checkout retry flags",
        statement=("Documented the checkout retry flags so on-call engineers can tune them without reading code."),
        summary="Adds a runbook section with defaults and safe ranges.",
        claim="",
        areas=["docs"],
    ),
    dict(
        repo="acme/payments-api",
        number=97,
        category="test",
        size="s",
        additions=180,
        deletions=10,
        hours=3.0,
        merged_at="2025-03-18T12:00:00Z",
        title="test(ledger): property tests for currency rounding",
        statement="Guarded currency rounding with property-based tests that cover all supported currencies.",
        summary="Adds Hypothesis tests for rounding and allocation across 24 currencies.",
        claim="",
        areas=["ledger/tests"],
    ),
    dict(
        repo="acme/web-app",
        number=31,
        category="performance",
        size="m",
        additions=150,
        deletions=60,
        hours=5.0,
        merged_at="2025-02-25T09:15:00Z",
        title="perf(images): serve responsive AVIF thumbnails",
        statement="Cut product-page image weight by 45% by serving responsive AVIF thumbnails.",
        summary="Generates AVIF variants at three widths and serves them with srcset.",
        claim="image bytes per page down 45%",
        areas=["src/images"],
    ),
    dict(
        repo="acme/infra",
        number=38,
        category="chore",
        size="xs",
        additions=12,
        deletions=12,
        hours=1.0,
        merged_at="2025-03-07T10:00:00Z",
        title="chore: bump base images to Debian 12",
        statement="Moved all service base images to Debian 12, clearing 14 known CVEs from scans.",
        summary="Updates the base image tag in every Dockerfile.",
        claim="14 CVEs cleared from image scans",
        areas=["docker"],
    ),
    dict(
        repo="acme/web-app",
        number=34,
        category="fix",
        size="s",
        additions=40,
        deletions=22,
        hours=2.0,
        merged_at="2025-03-21T14:40:00Z",
        title="Correct the RTL layout of the order summary",
        basis="model",  # no prefix, no label: the model's confident guess
        confidence=0.74,
        statement="Fixed the order summary layout for right-to-left languages such as Hebrew and Arabic.",
        summary="Uses logical CSS properties instead of left/right margins.",
        claim="",
        areas=["src/i18n"],
    ),
    dict(
        repo="acme/payments-api",
        number=99,
        category="feature",
        size="l",
        additions=640,
        deletions=120,
        hours=16.0,
        merged_at="2025-03-26T11:25:00Z",
        title="feat(payouts): weekly payout schedule for merchants",
        reviews=3,
        review_comments=10,
        review_states={"APPROVED": 1, "CHANGES_REQUESTED": 1, "COMMENTED": 1},
        statement="Launched weekly payouts, the most requested merchant feature of the quarter.",
        summary="Adds a payout schedule setting, a scheduler job and notifications.",
        claim="requested by 38 merchants",
        areas=["payouts"],
    ),
    dict(
        repo="acme/infra",
        number=40,
        category="reliability",
        size="m",
        additions=200,
        deletions=30,
        hours=6.0,
        merged_at="2025-01-29T07:55:00Z",
        title="fix(backup): verify nightly database restores",
        basis="label",  # labelled "reliability"
        statement=(
            "Made database backups trustworthy by restoring each nightly backup into a scratch instance"
            " and checking it."
        ),
        summary="Adds a nightly restore job with row-count checks and an alert on failure.",
        claim="",
        areas=["backup"],
    ),
]


# The models that spoke for every sample PR, and the scorecard's rules.
CATEGORY_MODEL_VERSION = "pr-category:3"
SENTIMENT_MODEL_VERSION = "pr-review-sentiment:2"


def _scorecard(pr: dict[str, Any]) -> ImpactScore:
    """The impact scorecard of a sample PR, from the facts the sample shows (as the predict stage scores it)."""
    links = _SAMPLE_LINKS.get(f"{pr['repo']}#{pr['number']}", {})
    facts = {
        "lines_changed": pr["additions"] + pr["deletions"],
        "claims": [pr["claim"]] if pr["claim"] else [],
        "linked_issue_count": len(links.get("linked_issues", [])),
        "review_count": pr.get("reviews", 2),
        "review_comment_count": pr.get("review_comments", 0),
    }
    return score_impact(facts, pr["category"])


def _achievement(pr: dict[str, Any]) -> dict[str, Any]:
    """One PR of the portfolio as export.document writes it (schema 1.5).

    A sample PR may say where its category came from (``basis``: "prefix" unless told), the model's
    own guess and calibrated ``confidence``, and its review depth; its impact is what the scorecard
    gives those facts, with the points behind it.
    """
    repo, number, category, size = pr["repo"], pr["number"], pr["category"], pr["size"]
    adds, dels, hours, claim = pr["additions"], pr["deletions"], pr["hours"], pr["claim"]
    basis, predicted = pr.get("basis", PREFIX_BASIS), pr.get("predicted", category)
    confidence = pr.get("confidence", 0.81)
    score = _scorecard(pr)
    impact = score.tier
    factor = IMPACT_FACTOR[impact]
    h = {"low": hours * 0.5, "expected": hours, "high": hours * 2}
    evidence = [
        {"kind": "size", "detail": f"{adds + dels} lines changed ({size})"},
        {
            "kind": "category",
            "detail": describe_category(category, basis, predicted, confidence, CATEGORY_MODEL_VERSION),
        },
        {"kind": "impact", "detail": describe_impact(impact, score.points, score.items)},
    ]
    if claim:
        evidence.append({"kind": "claim", "detail": claim})
    ledger = "assumptions.yaml"
    return {
        "pr_id": f"{repo}#{number}",
        "repo": repo,
        "number": number,
        "title": pr["title"],
        "url": f"https://github.com/{repo}/pull/{number}",
        "linked_issues": issue_links(
            f"https://github.com/{repo}/pull/{number}",
            _SAMPLE_LINKS.get(f"{repo}#{number}", {}).get("linked_issues", []),
        ),
        "merged_at": pr["merged_at"],
        "category": category,
        "category_basis": basis,
        "predicted_category": predicted,
        "category_confidence": confidence,
        "impact": impact,
        "impact_points": score.points,
        "impact_evidence": [dict(item) for item in score.items],
        "review_states": pr.get("review_states", {"APPROVED": 1, "COMMENTED": 1}),
        "summary": pr["summary"],
        "statement": pr["statement"],
        "areas": pr["areas"],
        "size_class": size,
        "additions": adds,
        "deletions": dels,
        "hours": h,
        "cost": {k: v * RATE for k, v in h.items()},
        "value": {k: v * RATE * factor for k, v in h.items()},
        "currency": "USD",
        "value_basis": "judgement",
        "arithmetic": f"{hours:g}\u00a0h × $100/h × {factor:g} ({impact} impact) = ${hours * RATE * factor:,.0f}",
        "reach": {"factor": 1.0, "note": f"{repo} is a public repository of the organisation acme"},
        "evidence": evidence,
        "assumptions": [
            {"name": f"impact_multipliers.{impact}", "value": factor, "unit": "multiplier", "source": ledger},
            {"name": "hourly_rate", "value": RATE, "unit": "USD/hour", "source": ledger},
            {
                "name": "range_factors",
                "value": {"low": 0.5, "high": 2.0},
                "unit": "multiplier",
                "source": ledger,
            },
        ],
        "model": {
            "name": "pr-category",
            "version": f"{CATEGORY_MODEL_VERSION},{SCORECARD_VERSION},{SENTIMENT_MODEL_VERSION}",
            "category": CATEGORY_MODEL_VERSION,
            "impact": SCORECARD_VERSION,
            "sentiment": SENTIMENT_MODEL_VERSION,
        },
    }


# How some sample PRs relate: a feature branch family and a shared issue, so the sample has
# multi-PR achievement groups; one PR carries the STAR story the enrich stage writes.
_SAMPLE_LINKS: dict[str, dict[str, Any]] = {
    "acme/web-app#12": {
        "head_ref": "feat/checkout-retry",
        "linked_issues": [140],
        "star": {
            "situation": "Card payments failed at checkout whenever the gateway timed out or soft-declined.",
            "task": "Recover transient failures without ever charging a customer twice.",
            "action": "Added exponential-backoff retries keyed by idempotency keys, shipped behind a flag.",
            "result": "Payment failure rate fell from 2.1% to 0.6% over 7 days.",
        },
    },
    "acme/web-app#27": {"head_ref": "docs/checkout-retry-flags"},
    "acme/payments-api#88": {"head_ref": "perf/batch-balance", "linked_issues": [412]},
    "acme/payments-api#97": {"head_ref": "test/rounding-props", "linked_issues": [412]},
}


_SAMPLE_SKILLS = {
    "feature": ["TypeScript", "product design"],
    "bugfix": ["debugging", "TypeScript"],
    "performance": ["performance tuning", "SQL"],
    "docs": ["technical writing"],
}


def _group_row(pr: dict[str, Any], achievement: dict[str, Any]) -> dict[str, Any]:
    """The fully joined row build_achievements reads, for one sample PR."""
    links = _SAMPLE_LINKS.get(achievement["pr_id"], {})
    return {
        "pr_id": achievement["pr_id"],
        "repo": pr["repo"],
        "url": achievement["url"],
        "skills": _SAMPLE_SKILLS.get(pr["category"], []),
        "title": pr["title"],
        "clean_title": re.sub(r"^[a-z]+(\([^)]*\))?:\s*", "", pr["title"]),
        "achievement": pr["statement"],
        "claims": [pr["claim"]] if pr["claim"] else [],
        "areas": pr["areas"],
        "category": pr["category"],
        "impact": achievement["impact"],
        "merged_at": pr["merged_at"],
        "merge_date": pr["merged_at"][:10],
        "lines_changed": pr["additions"] + pr["deletions"],
        "review_count": pr.get("reviews", 2),
        "head_ref": links.get("head_ref", f"topic/pr-{pr['number']}"),
        "linked_issues": links.get("linked_issues", []),
        "star": links.get("star"),
        "currency": "USD",
        **{
            f"{field}_{k}": achievement[field][k]
            for field in ("value", "hours", "cost")
            for k in ("low", "expected", "high")
        },
    }


def _sample_capacity(expected: float, high: float) -> dict[str, Any]:
    """Q1 2025 for one person: 64 working days × 8 h × 60%, more than the sample's hours."""
    available = 307.2
    assert high <= available
    return {
        "available_hours": available,
        "available_hours_per_person": available,
        "people": 1,
        "working_days": 64,
        "non_working_days": 0,
        "hours_per_day": 8.0,
        "pr_work_share": 0.6,
        "estimated_hours": expected,
        "hours": {"low": expected / 2, "expected": expected, "high": high},
        "cost": {"low": expected / 2 * RATE, "expected": expected * RATE, "high": high * RATE},
        "scaled": False,
        "authors": [{"author": "octo-demo", "estimated_hours": expected, "available_hours": available, "scale": 1.0}],
        "statement": f"{expected:.0f} h of the 310 h available for PR work (40 h/week × 60% × 64 working days)",
    }


def make_sample_portfolio() -> dict[str, Any]:
    """A realistic, consistent portfolio: 15 PRs in 13 achievements, 3 repositories, 3 months, 1 rejection."""
    achievements = sorted((_achievement(row) for row in _SAMPLE_PRS), key=lambda a: -a["value"]["expected"])
    rows = [_group_row(pr, _achievement(pr)) for pr in _SAMPLE_PRS]
    groups = build_achievements(rows)

    def total(key: str, part: str) -> float:
        return sum(a[key][part] for a in achievements)

    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in achievements:
        by_cat[a["category"]].append(a)
        by_month[a["merged_at"][:7]].append(a)
        by_repo[a["repo"]].append(a)

    def value(items: list[dict[str, Any]]) -> float:
        return sum(a["value"]["expected"] for a in items)

    def top_category(items: list[dict[str, Any]]) -> str:
        cats: dict[str, float] = defaultdict(float)
        for a in items:
            cats[a["category"]] += a["value"]["expected"]
        return max(cats, key=lambda c: cats[c])

    return {
        "schema_version": reports.SCHEMA_VERSION,
        "generated_at": "2025-04-01T00:00:00Z",
        "subject": {"login": "octo-demo", "kind": "user"},
        "window": {"start": "2025-01-01", "end": "2025-03-31"},
        "sources": {
            "github_base_url": "https://api.github.com",
            "repositories_seen": sorted([*by_repo, "acme/legacy-tools"]),
        },
        "totals": {
            "prs": len(achievements),
            "repositories": len(by_repo),
            "additions": sum(a["additions"] for a in achievements),
            "deletions": sum(a["deletions"] for a in achievements),
            "hours": {p: total("hours", p) for p in ("low", "expected", "high")},
            "cost": {p: total("cost", p) for p in ("low", "expected", "high")},
            "value": {p: total("value", p) for p in ("low", "expected", "high")},
            "currency": "USD",
            "rejected": 1,
            "capacity": _sample_capacity(total("hours", "expected"), total("hours", "high")),
        },
        "category_mix": sorted(
            ({"category": c, "prs": len(items), "value_expected": value(items)} for c, items in by_cat.items()),
            key=lambda r: -r["value_expected"],
        ),
        "value_over_time": [
            {"period": m, "prs": len(by_month[m]), "value_expected": value(by_month[m])} for m in sorted(by_month)
        ],
        "repositories": sorted(
            (
                {
                    "repo": r,
                    "prs": len(items),
                    "value_expected": value(items),
                    "top_category": top_category(items),
                }
                for r, items in by_repo.items()
            ),
            key=lambda r: -r["value_expected"],
        ),
        "achievement_groups": groups,
        "achievements": achievements,
        "quarters": quarters(rows, groups, date(2025, 1, 1), date(2025, 3, 31)),
        "skills": skills(rows),
        "curation": {"excluded_prs": 0, "private_prs": [], "choices": []},
        "rejected": [
            {
                "pr_id": "acme/web-app#29",
                "title": "feat: make everything 10x faster",
                "url": "https://github.com/acme/web-app/pull/29",
                "reasons": ["value has no evidence", "claims a 10x speed-up that the PR does not measure"],
            }
        ],
        "assumptions": {  # the shape build_portfolio makes from assumptions.yaml
            "hourly_rate": {
                "value": RATE,
                "unit": "USD/hour",
                "note": "Fully loaded engineering cost per hour (salary, benefits, overhead).",
            },
            "impact_multipliers": {
                "value": IMPACT_FACTOR,
                "unit": "multiplier",
                "note": "Value per hour of effort by predicted impact.",
            },
            "range_factors": {
                "value": {"low": 0.5, "high": 2.0},
                "unit": "multiplier",
                "note": "Low and high ends of the estimate relative to the expected value.",
            },
            "max_hours_per_pr": {
                "value": 160,
                "unit": "hours",
                "note": "Estimates above this are rejected as implausible for one PR.",
            },
        },
    }


@pytest.fixture
def sample() -> dict[str, Any]:
    return make_sample_portfolio()


HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(1)">'
HOSTILE_GROUP = "<script>alert('group')</script>"


def make_hostile_portfolio(fetch_url: str = "http://127.0.0.1:9/x") -> dict[str, Any]:
    """The sample with attacker-controlled text in every place PR text can reach."""
    doc = make_sample_portfolio()
    first = doc["achievements"][0]
    first["title"] = f'{HOSTILE_SCRIPT}{HOSTILE_IMG}<img src="{fetch_url}"> "><svg onload=alert(1)>'
    first["statement"] = f'Shipped <a href="javascript:alert(1)">it</a> <link rel=stylesheet href="{fetch_url}">'
    first["summary"] = (
        f'<div style="background:url({fetch_url})">x</div>'
        f'<style>@import "{fetch_url}";</style><iframe src={fetch_url}></iframe>'
    )
    first["evidence"].append({"kind": "claim<b>", "detail": f"<object data={fetch_url}></object>"})
    first["areas"] = ["</style><script>alert(1)</script>"]
    first["model"] = {
        "name": "<script>",
        "version": '"onmouseover=alert(1)',
        "category": f"<script>alert(2)</script>:{HOSTILE_IMG}",
        "impact": HOSTILE_SCRIPT,
        "sentiment": f'"><img src="{fetch_url}">:1',
    }
    # A category the model was not sure of shows its guess: the guess is text too.
    first["category_basis"] = "uncertain"
    first["predicted_category"] = f'{HOSTILE_SCRIPT}<img src="{fetch_url}">'
    first["impact_evidence"] = [{"evidence": HOSTILE_IMG, "points": 1}]
    doc["subject"]["login"] = "<b onclick=alert(1)>octo</b>"
    doc["category_mix"][0]["category"] = "<script>x</script>"
    doc["repositories"][0]["repo"] = '<img src="' + fetch_url + '">'
    doc["rejected"][0]["title"] = HOSTILE_SCRIPT
    doc["rejected"][0]["reasons"] = [HOSTILE_IMG]
    doc["assumptions"]["evil"] = {"value": {"<b>": HOSTILE_IMG}, "unit": "<u>", "note": HOSTILE_SCRIPT}
    group = doc["achievement_groups"][0]
    group["title"] = f'{HOSTILE_GROUP}{HOSTILE_IMG}<img src="{fetch_url}">'
    group["statement"] = f'<a href="javascript:alert(3)">{HOSTILE_GROUP}</a>'
    group["star"]["situation"] = f'<style>@import "{fetch_url}";</style>{HOSTILE_GROUP}'
    group["star"]["result"] = f"<iframe src={fetch_url}></iframe>{HOSTILE_IMG}"
    group["grouped_by"] = [HOSTILE_GROUP, f'<a href="{fetch_url}">x</a>']
    group["repos"] = [HOSTILE_SCRIPT]
    return doc


class _MarkupCollector(HTMLParser):
    """Collect every tag, attribute and <style> body the way a browser tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _collect(html: str) -> _MarkupCollector:
    collector = _MarkupCollector()
    collector.feed(html)
    collector.close()
    return collector


def _hrefs(html: str) -> list[str]:
    return [value or "" for _, attrs in _collect(html).tags for name, value in attrs if name == "href"]


# --------------------------------------------------------------------------- schema


def test_sample_validates_against_schema(sample: dict[str, Any]) -> None:
    reports.validate_portfolio(sample)


def test_schema_id_carries_the_version() -> None:
    schema = reports.load_schema()
    assert schema["$schema"].endswith("/draft/2020-12/schema")
    assert schema["$id"].endswith(reports.SCHEMA_VERSION)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("totals"),
        lambda d: d["totals"].update(prs=-1),
        lambda d: d["achievements"][0].update(impact="enormous"),
        lambda d: d.update(unexpected="field"),
        lambda d: d["window"].update(start="2025-13-01"),
        lambda d: d["achievements"][0]["value"].update(low=10_000.0),  # low > expected
        lambda d: d["window"].update(start="2025-04-01"),  # start after end
        lambda d: d.pop("achievement_groups"),
        lambda d: d["achievement_groups"][0].pop("star"),
        lambda d: d["achievement_groups"][0]["pr_ids"].append("acme/web-app#29"),  # the rejected PR
        lambda d: d["achievement_groups"][0]["value"].update(high=0.0),
    ],
    ids=[
        "missing-totals",
        "negative-count",
        "unknown-impact",
        "extra-key",
        "bad-date",
        "unordered-range",
        "inverted-window",
        "missing-groups",
        "group-without-star",
        "group-cites-unknown-pr",
        "unordered-group-range",
    ],
)
def test_broken_document_fails_validation(sample: dict[str, Any], breakage: Any) -> None:
    breakage(sample)
    with pytest.raises(jsonschema.ValidationError):
        reports.validate_portfolio(sample)


# --------------------------------------------------------------------------- HTML


def test_html_contains_headline_figures(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample)
    totals = sample["totals"]
    assert "octo-demo" in html
    assert "1 Jan – 31 Mar 2025" in html
    assert f">{totals['prs']}<" in html
    assert reports.format_money(totals["value"]["expected"], "USD") in html
    assert reports.format_money_range(totals["value"]["low"], totals["value"]["high"], "USD") in html
    assert reports.format_hours(totals["hours"]["expected"]) in html


def test_a_team_portfolio_names_its_members_and_whose_each_achievement_is(sample: dict[str, Any]) -> None:
    sample["subject"] = {"login": "Platform", "kind": "team", "members": ["octo-demo", "ada-dev"]}
    for index, achievement in enumerate(sample["achievements"]):
        achievement["author"] = ["octo-demo", "ada-dev"][index % 2]
    reports.validate_portfolio(sample)
    html = reports.render_html(sample)
    assert "Members: <bdi>octo-demo</bdi>, <bdi>ada-dev</bdi>" in html
    assert "by <bdi>ada-dev</bdi>" in html and "by <bdi>octo-demo</bdi>" in html


def test_a_personal_portfolio_does_not_repeat_the_author_on_every_card(sample: dict[str, Any]) -> None:
    for achievement in sample["achievements"]:
        achievement["author"] = "octo-demo"
    html = reports.render_html(sample)
    assert "by <bdi>" not in html and "Members:" not in html


def _cards_by_url(html: str) -> dict[str, str]:
    """Each per-PR card of the HTML, keyed by the URL of the pull request it links."""
    cards = [part.split("</article>")[0] for part in html.split('<article class="card">')[1:]]
    return {url: card for card in cards for url in re.findall(r'href="(https://github\.com/[^"]+/pull/\d+)"', card)}


def test_each_card_says_who_stated_its_category_and_how_many_scorecard_points_its_impact_has(
    sample: dict[str, Any],
) -> None:
    html = reports.render_html(sample, top_n=len(sample["achievements"]))
    cards = _cards_by_url(html)
    card = {a["pr_id"]: cards[a["url"]] for a in sample["achievements"]}
    checkout = card["acme/web-app#12"]
    assert "your prefix" in checkout and 'High impact<span class="conf">4 pts' in checkout
    assert "PR label" in card["acme/payments-api#91"] and "3 pts" in card["acme/payments-api#91"]
    assert "model, 74%" in card["acme/web-app#34"] and "0 pts" in card["acme/web-app#34"]
    uncertain = card["acme/payments-api#95"]
    assert "Uncertain category" in uncertain and "best guess Refactoring, 48%" in uncertain
    assert "1 pt<" in uncertain
    # The evidence says the same in words: the scorecard's items, and where the category came from.
    assert "4 reviews and 12 review comments +1" in checkout
    assert "too low to show as fact" in uncertain
    markdown = reports.render_markdown(sample)
    assert "Uncertain category (best guess Refactoring, 48%) · Low impact (1 pt)" in markdown


def test_html_has_inline_svg_charts(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample)
    assert html.count("<svg") == 2
    assert "Jan 2025" in html and "Mar 2025" in html  # one bar per month
    assert "Documentation" in html  # category chart labels


def test_html_lists_achievements_repositories_rejections_and_ledger(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample, top_n=5)
    assert html.count('<article class="card">') == 5
    assert "More merged work" in html
    assert "acme/payments-api" in html and "acme/infra" in html
    assert "claims a 10x speed-up that the PR does not measure" in html
    assert "hourly_rate" in html


def test_html_leads_with_achievement_groups_told_as_star(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample)
    groups = sample["achievement_groups"]
    assert html.count('<article class="card group">') == len(groups) <= reports.HEADLINE_ACHIEVEMENTS
    assert html.index("<h2>Achievements</h2>") < html.index("<h2>Top pull requests</h2>")
    assert "<h2>More achievements</h2>" not in html
    assert html.index(groups[0]["title"]) < html.index(groups[1]["title"])  # by value
    checkout = next(g for g in groups if g["id"] == "ach-acme/web-app#12")
    start = html.index(checkout["title"])
    card = html[start : html.index("</article>", start)]
    for label in ("Situation", "Task", "Action", "Result"):
        assert f"<dt>{label}</dt>" in card
    assert "Payment failure rate fell from 2.1% to 0.6% over 7 days." in card
    assert 'href="https://github.com/acme/web-app/pull/12"' in card
    assert 'href="https://github.com/acme/web-app/pull/27"' in card
    assert "grouped because same feature branch" in card
    assert reports.format_money_range(checkout["value"]["low"], checkout["value"]["high"], "USD") in card


def test_achievements_beyond_the_headline_ones_are_listed_with_every_pr_linked(sample: dict[str, Any]) -> None:
    html = reports.render_html(sample, top_groups=5)
    assert html.count('<article class="card group">') == 5
    listed = html[html.index("<h2>More achievements</h2>") : html.index("<h2>Top pull requests</h2>")]
    for group in reports.sorted_groups(sample)[5:]:
        assert group["title"] in listed
        for pr_id in group["pr_ids"]:
            assert f">{pr_id}</a>" in listed


def test_group_pr_links_come_only_from_safe_per_pr_urls(sample: dict[str, Any]) -> None:
    member = next(a for a in sample["achievements"] if a["pr_id"] == "acme/web-app#27")
    member["url"] = "javascript:alert(1)"
    html = reports.render_html(sample)
    assert "javascript:" not in html
    assert all(h.startswith("https://github.com/acme/") for h in _hrefs(html))
    assert "acme/web-app#27" in html  # still named as evidence, just not linked


def test_hostile_group_text_is_escaped() -> None:
    html = reports.render_html(make_hostile_portfolio())
    start = html.index("<h2>Achievements</h2>")
    section = html[start : html.index("<h2>Top pull requests</h2>")]
    assert "<script" not in section.lower() and "<iframe" not in section.lower() and "<style" not in section
    assert "&lt;script&gt;alert(&#39;group&#39;)&lt;/script&gt;" in section  # title, statement, situation, reason
    assert section.count("&lt;script&gt;alert(&#39;group&#39;)") >= 4
    assert "&lt;iframe" in section and 'href="javascript' not in section
    assert all(h.startswith("https://github.com/acme/") for h in _hrefs(section))
    markdown, summary_html = reports.render_executive_summary(make_hostile_portfolio())
    assert "<script" not in summary_html.lower() and '<a href="javascript' not in summary_html
    assert not read_markdown(markdown).html  # the hostile markup reads as text


def test_hostile_text_is_escaped() -> None:
    html = reports.render_html(make_hostile_portfolio())
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\sonerror\s*=", html, re.IGNORECASE)
    assert 'src="http' not in html
    assert "&lt;script&gt;" in html  # shown as text, not dropped


def test_html_has_no_active_or_fetching_markup() -> None:
    collector = _collect(reports.render_html(make_hostile_portfolio()))
    fetching_tags = {
        "script",
        "iframe",
        "object",
        "embed",
        "img",
        "link",
        "base",
        "form",
        "frame",
        "audio",
        "video",
        "source",
        "image",
        "use",
        "foreignobject",
        "input",
        "meta-refresh",
    }
    for tag, attrs in collector.tags:
        assert tag not in fetching_tags, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name not in {"src", "srcset", "xlink:href", "background", "poster", "action", "formaction"}
            if name == "href":
                assert tag == "a" and re.match(r"https?://", value or ""), (tag, value)
            if name == "style":
                assert "url(" not in (value or "") and "expression" not in (value or "")
            if name == "http-equiv":
                assert value == "Content-Security-Policy"
    for style in collector.styles:
        assert "url(" not in style and "@import" not in style


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>x</script>",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "//evil.example/x",
        "/relative",
        "https://github.com@evil.example/",
        "https://gith\u0443b.com/x",
        "vbscript:msgbox",
        "",
    ],
)
def test_non_http_hrefs_are_dropped(sample: dict[str, Any], url: str) -> None:
    sample["achievements"][0]["url"] = url
    sample["rejected"][0]["url"] = url
    html = reports.render_html(sample)
    hrefs = _hrefs(html)
    assert url not in hrefs
    assert all(h.startswith("https://github.com/acme/") for h in hrefs)
    assert sample["achievements"][0]["pr_id"] in html  # still shown, just not linked


def test_huge_and_unusual_text_renders_without_error(sample: dict[str, Any]) -> None:
    first = sample["achievements"][0]
    first["summary"] = "x" * 1_000_000
    first["title"] = "ctl\x00\x07\x1b[31m\x7f\x85\u202eevil\u2066 emoji 🚀👩‍💻🏳️‍🌈 lone \ud800 surrogate"
    first["statement"] = "שיפור ביצועים של 40% في الأداء " + "Z\u0301\u0302\u0303\u0304\u0305\u0306\u0307" * 3
    first["evidence"] = [{"kind": "claim", "detail": "line1\nline2\r\n\tline3"}] * 50
    sample["rejected"][0]["reasons"] = ["r" * 1_000_000]
    html = reports.render_html(sample)
    html.encode("utf-8")  # no lone surrogates left to crash a writer
    assert len(html) < 200_000
    assert "x" * 600 in html and "x" * 700 not in html  # summary truncated to ~600 characters
    assert "🚀" in html and "שיפור" in html
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u2066]", html)
    assert "and 44 more in the JSON export" in html


def test_empty_portfolio_renders(sample: dict[str, Any]) -> None:
    for key in ("category_mix", "value_over_time", "repositories", "achievement_groups", "achievements", "rejected"):
        sample[key] = []
    sample["assumptions"] = {}
    sample["totals"].update(
        prs=0,
        repositories=0,
        additions=0,
        deletions=0,
        rejected=0,
        hours={"low": 0.0, "expected": 0.0, "high": 0.0},
        value={"low": 0.0, "expected": 0.0, "high": 0.0},
    )
    reports.validate_portfolio(sample)
    html = reports.render_html(sample)
    markdown, summary_html = reports.render_executive_summary(sample)
    assert "No accepted achievements in this window." in html
    assert "No accepted achievements in this window." in markdown
    assert "<svg" not in html and "</html>" in summary_html


# --------------------------------------------------------------------------- PDF


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "portfolio.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([exe, str(path), "-"], capture_output=True, check=True, text=True, timeout=60).stdout
    return " ".join(out.split())


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return reports.render_pdf(reports.render_html(make_sample_portfolio()))


def test_pdf_is_a_pdf(sample_pdf: bytes) -> None:
    assert sample_pdf.startswith(b"%PDF")


def test_pdf_text_contains_subject_and_a_title(sample_pdf: bytes, tmp_path: Path) -> None:
    text = _pdf_text(sample_pdf, tmp_path)
    assert "octo-demo" in text
    assert "ci: cache dependencies and split test jobs" in text
    assert re.search(r"Page 1 of \d+", text)


def poppler_tool(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} (poppler-utils) is required in CI")
        pytest.skip(f"{tool} (poppler-utils) not installed")
    return exe


def test_pdf_pages_all_render_and_lead_with_the_top_achievement(sample_pdf: bytes, tmp_path: Path) -> None:
    from PIL import Image, ImageOps

    pdf = tmp_path / "portfolio.pdf"
    pdf.write_bytes(sample_pdf)
    info = subprocess.run([poppler_tool("pdfinfo"), str(pdf)], capture_output=True, check=True, text=True, timeout=60)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE).group(1))
    assert pages >= 2
    subprocess.run(
        [poppler_tool("pdftoppm"), "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image in images:
        with Image.open(image) as page:
            # A page with any ink has dark pixels; a blank (all-white) page has no bounding box at all.
            assert ImageOps.invert(page.convert("L")).getbbox() is not None, f"{image.name} is blank"
            assert page.convert("L").getextrema()[0] < 128, f"{image.name} has no legible text"
    text = _pdf_text(sample_pdf, tmp_path)
    assert make_sample_portfolio()["achievement_groups"][0]["title"] in text
    assert "Achievements" in text and "SITUATION" in text.upper()


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets: the canary for fetches."""
    hits: list[str] = []
    handler = type("Handler", (_RecordingHandler,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_of_hostile_portfolio_makes_no_request(local_server: tuple[str, list[str]]) -> None:
    base, hits = local_server
    pdf = reports.render_pdf(reports.render_html(make_hostile_portfolio(f"{base}/x")))
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_pdf_url_fetcher_refuses_everything_but_data(local_server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, hits = local_server
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    raw = f"""<html><head>
      <link rel="stylesheet" href="{base}/link.css"><link rel="stylesheet" href="file://{secret}">
      <style>@import url("{base}/import.css"); @font-face {{ font-family: X; src: url({base}/font.woff); }}
      body {{ background: url({base}/bg.png); font-family: X; }}</style></head>
      <body><p>hello</p><img src="{base}/img.png"><img src="ftp://127.0.0.1/x"><img src="{pixel}">
      <a rel="attachment" href="{base}/attachment.bin">a</a><object data="{base}/obj"></object>
      </body></html>"""
    pdf = reports.render_pdf(raw)
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_url_fetcher_refuses_non_data_urls_directly() -> None:
    fetcher = reports.safe_url_fetcher()
    for url in ("http://127.0.0.1:9/x", "https://example.com/", "file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(reports.UrlFetchRefused):
            fetcher(url)
    response = fetcher("data:text/plain;base64,aGk=")
    data = response.read() if hasattr(response, "read") else response["string"]
    assert data == b"hi"


# --------------------------------------------------------------------------- executive summary


def test_executive_summary_has_headline_highlights_value_and_mix(sample: dict[str, Any]) -> None:
    markdown, html = reports.render_executive_summary(sample)
    bullets = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5
    assert all("](https://github.com/acme/" in line for line in bullets)
    assert "15 merged pull requests across 3 repositories" in markdown
    assert "hourly rate of 100 USD/hour" in markdown
    assert "Most of the value came from feature work" in markdown
    # No dollar sign can close inline math: outside code, every one is followed by a digit.
    outside_code = re.sub(r"`[^`]*`", "", markdown)
    assert outside_code.count("$") == len(re.findall(r"\$\d", outside_code)) > 0
    assert html.count('href="https://github.com/acme/') == markdown.count("](https://github.com/acme/")


def test_executive_summary_highlights_cite_groups_with_every_pr_link(sample: dict[str, Any]) -> None:
    markdown, html = reports.render_executive_summary(sample)
    ledger = next(g for g in sample["achievement_groups"] if g["id"] == "ach-acme/payments-api#88")
    line = next(line for line in markdown.splitlines() if "acme/payments-api/pull/88)" in line)
    assert "acme/payments-api/pull/97)" in line  # both PRs of the group, on one highlight
    assert ledger["statement"][:40] in html


def _set_top_statements(sample: dict[str, Any], text: str) -> None:
    """Put ``text`` where highlights read it: the top group and the top PR (documents without groups)."""
    sample["achievements"][0]["statement"] = text
    sample["achievement_groups"][0]["statement"] = text


def test_executive_summary_markdown_shows_injected_markup_as_plain_text(sample: dict[str, Any]) -> None:
    injected = (
        "[click me](https://evil.example/steal) ![x](https://evil.example/p.png) "
        "<img src=x onerror=alert(1)> **bold** `code` https://evil.example www.evil.example a@evil.example"
    )
    _set_top_statements(sample, injected)
    markdown, html = reports.render_executive_summary(sample)
    reading = read_markdown(markdown)
    assert clean_text(injected) in reading.text  # reads as written, wherever it is pasted
    assert "\\" not in markdown  # no backslash escapes for Slack or a Google Doc to show
    assert reading.html == [] and reading.images == 0
    assert "<img" not in html and 'evil.example/steal"' not in html


def test_executive_summary_markdown_renders_only_pr_links(sample: dict[str, Any]) -> None:
    _set_top_statements(
        sample,
        "[click](https://evil.example) <b onclick=x>hi</b> https://evil.example/a www.evil.example b@evil.example",
    )
    markdown, _ = reports.render_executive_summary(sample)
    reading = read_markdown(markdown)
    assert reading.html == []
    assert reading.links and all(h.startswith("https://github.com/acme/") for h in reading.links)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "currency", "compact", "expected"),
    [
        # Estimates at two significant figures: no figure claims more precision than it has.
        (12345.6, "USD", False, "$12k"),
        (37.5, "USD", False, "$38"),
        (0, "USD", False, "$0"),
        (1500, "EUR", True, "€1.5k"),
        (2_340_000, "USD", True, "$2.3M"),
        (999_999, "USD", True, "$1M"),
        (1234, "SEK", False, "1,200\u00a0SEK"),
        (1234.5, "JPY", False, "¥1,200"),
        (float("nan"), "USD", False, "—"),
        ("not a number", "USD", False, "—"),
    ],
)
def test_format_money(value: object, currency: str, compact: bool, expected: str) -> None:
    assert reports.format_money(value, currency, compact=compact) == expected


def test_clean_text_truncates_at_a_word_boundary() -> None:
    text = reports.clean_text("alpha beta gamma delta " * 10, 30)
    assert text.endswith("…") and len(text) <= 31 and not text[:-1].endswith(" ")
