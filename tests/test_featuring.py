"""What to suggest featuring: the scorecard, unless a ranking learned from a person's marks beats it on the newest."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from achievement_pipeline.export import reports
from achievement_pipeline.export.curation import EXCLUDE, FROM_UI, PIN, PRIVATE, apply_curation, choice
from achievement_pipeline.export.featuring import (
    LEARNED,
    MIN_PER_CLASS,
    SCORECARD,
    Featuring,
    marks_from,
    rank_for_featuring,
    suggest,
)
from achievement_pipeline.value.reverts import find_reverts
from tests.factories import portfolio_document

START = datetime(2024, 1, 1, 12, tzinfo=UTC)
WINDOW = (date(2024, 1, 1), date(2026, 1, 1))


def _evidence(points: int, lines: int, category: str) -> list[dict[str, Any]]:
    """Scorecard items worded as ml.impact_scorecard words them, summing to ``points``."""
    items = []
    size = 2 if lines >= 1000 else 1 if lines >= 250 else 0
    if size:
        items.append({"evidence": f"{lines:,} lines changed", "points": size})
    if category in ("security", "performance"):
        items.append({"evidence": f"{category} work", "points": 2})
    rest = points - sum(i["points"] for i in items)
    if rest > 0:
        items.append({"evidence": f"closes {rest} issue{'s' if rest > 1 else ''}", "points": rest})
    return items


def _pr(number: int, day: int, *, category: str = "feature", points: int = 1, lines: int = 100, **extra: Any) -> dict:
    """A joined PR row (ingest, enrich, predict, value, validate) as the export reads it."""
    merged = START + timedelta(days=day)
    pr_id = f"acme/web#{number}"
    value = 100.0 + 10 * points
    evidence = _evidence(points, lines, category)
    closes = sum(item["points"] for item in evidence if item["evidence"].startswith("closes"))
    row = {
        "pr_id": pr_id,
        "repo": "acme/web",
        "number": number,
        "title": f"{category}: change {number}",
        "clean_title": f"change {number}",
        "body": "",
        "url": f"https://github.com/acme/web/pull/{number}",
        "author": "octo-demo",
        "merged_at": merged.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "merge_date": merged.date().isoformat(),
        "merge_commit_sha": f"{number:040x}",
        "category": category,
        "category_confidence": 0.9,
        "impact": "high" if points >= 4 else "medium" if points >= 2 else "low",
        "impact_points": points,
        "impact_evidence": evidence,
        "lines_changed": lines,
        "claims": [],
        "linked_issues": [10 * number + k for k in range(closes)],
        "review_count": 1,
        "review_comment_count": 0,
        "summary": "s",
        "achievement": f"Changed {number}.",
        "areas": [f"area{number}"],  # one area each, so no two PRs group together
        "size_class": "m",
        "additions": lines,
        "deletions": 0,
        "hours_low": 1,
        "hours_expected": 2,
        "hours_high": 4,
        "cost_low": 95,
        "cost_expected": 190,
        "cost_high": 380,
        "value_low": value / 2,
        "value_expected": value,
        "value_high": value * 2,
        "currency": "USD",
        "value_basis": "judgement",
        "value_terms": [{"name": "hours", "value": 2, "unit": "h"}],
        "reach": 1.0,
        "reach_note": "an organisation's repository",
        "outcomes": [],
        "refused_claims": [],
        "evidence": [{"kind": "size", "detail": f"{lines} lines"}],
        "assumptions": [],
        "model_name": "pr-category",
        "model_version": "1",
        "status": "accepted",
        "reasons": [],
    }
    return {**row, **extra}


def _docs(number: int, day: int) -> dict:
    """A small docs PR the scorecard gives nothing."""
    return _pr(number, day, category="docs", points=0, lines=30)


def _refactor(number: int, day: int) -> dict:
    """A large refactor the scorecard likes (size and issues)."""
    return _pr(number, day, category="refactor", points=3, lines=1500)


def _taste(count: int) -> tuple[list[dict], dict[str, bool]]:
    """A person who pins docs PRs and excludes large refactors, one after the other over time."""
    rows, marks = [], {}
    for i in range(count):
        row = _docs(i + 1, i) if i % 2 == 0 else _refactor(i + 1, i)
        rows.append(row)
        marks[row["pr_id"]] = row["category"] == "docs"
    return rows, marks


def test_too_few_marks_keep_the_scorecard_ranking_and_the_note_counts_them():
    rows, marks = _taste(12)
    rows += [_pr(100, 50, points=5), _pr(101, 51, points=5, value_expected=999.0), _pr(102, 52, points=4)]

    featuring = rank_for_featuring(rows, marks)

    assert featuring.ranker == SCORECARD and featuring.comparison is None
    assert (
        "needs at least 8 pinned and 8 left out or reverted pull requests; "
        "there are 12 marks so far (6 pinned, 6 left out or reverted)" in featuring.note
    )
    assert featuring.order[:3] == ("acme/web#101", "acme/web#100", "acme/web#102")  # points, ties by value
    assert featuring.scores["acme/web#100"] == 5


def test_marks_that_follow_a_signal_the_scorecard_misses_make_the_learned_ranking_win():
    rows, marks = _taste(60)
    rows += [_docs(200, 70), _refactor(201, 71)]  # unmarked: to be ranked

    featuring = rank_for_featuring(rows, marks)

    assert featuring.ranker == LEARNED, featuring.note
    compared = featuring.comparison
    assert compared is not None and compared.difference.low > 0
    assert compared.model_auc.estimate > 0.9 and compared.scorecard_auc.estimate < 0.1
    assert featuring.order.index("acme/web#200") < featuring.order.index("acme/web#201")
    assert "learned ranking's AUC is" in featuring.note and "the scorecard's" in featuring.note


def test_marks_that_are_noise_keep_the_scorecard():
    rng = random.Random(0)  # at the interval's 95% one-sided bound, 2 of 40 such noise persons get a learned ranking
    rows, marks = [], {}
    for i in range(120):
        row = _pr(
            i + 1,
            i,
            category=rng.choice(["feature", "fix", "docs", "refactor", "performance"]),
            points=rng.randint(0, 5),
            lines=rng.choice([20, 120, 400, 1500]),
        )
        rows.append(row)
        marks[row["pr_id"]] = rng.random() < 0.5

    featuring = rank_for_featuring(rows, marks)

    assert featuring.ranker == SCORECARD
    assert featuring.comparison is not None and featuring.comparison.difference.low <= 0
    assert "is not above 0" in featuring.note and featuring.comparison.held_out == 36


def test_the_held_out_marks_are_the_newest_whatever_the_input_order():
    # Taste changed: the oldest 70% of marks pin docs, the newest 30% pin refactors. PR numbers run
    # against time and the rows arrive shuffled, so only the merge time can put the change in the held-out part.
    old, _ = _taste(42)
    new, _ = _taste(18)
    rows = [{**r, "pr_id": f"acme/web#{1000 - i}", "number": 1000 - i} for i, r in enumerate(old)]
    rows += [
        {**r, "pr_id": f"acme/web#{500 - i}", "number": 500 - i, "merged_at": _day(60 + i)} for i, r in enumerate(new)
    ]
    marks = {r["pr_id"]: (r["category"] == "docs") == (i < len(old)) for i, r in enumerate(rows)}
    random.Random(1).shuffle(rows)

    featuring = rank_for_featuring(rows, marks)

    compared = featuring.comparison
    assert compared is not None and compared.held_out == 18
    assert compared.model_auc.estimate < 0.1  # it learned the old taste
    assert compared.scorecard_auc.estimate > 0.9 and featuring.ranker == SCORECARD


def _day(day: int) -> str:
    return (START + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _portfolio(rows: list[dict], choices: list, featuring: Featuring) -> dict:
    curated = apply_curation(rows, choices)
    document = portfolio_document(
        curated.rows,
        *WINDOW,
        history=rows,
        curation=curated.document(),
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return suggest(document, featuring)


def test_an_excluded_or_reverted_pr_is_never_suggested():
    reverted = _pr(1, 1, points=6)
    revert = _pr(2, 2, points=5, title='Revert "feature: change 1"')
    excluded = _pr(3, 3, points=6)
    rows = [reverted, revert, excluded, _pr(4, 4, points=3), _pr(5, 5, points=2), _pr(6, 6, points=1)]
    choices = [choice(EXCLUDE, "acme/web#3", by="ada", source=FROM_UI)]
    marks = marks_from(choices, find_reverts(rows))

    doc = _portfolio(rows, choices, rank_for_featuring(rows, marks))

    assert marks == {"acme/web#1": False, "acme/web#3": False}
    assert doc["featuring"]["suggested"] == ["acme/web#4", "acme/web#5"]  # 1 point is no positive signal
    assert not any(a["suggested"] for a in doc["achievements"] if a["pr_id"] in ("acme/web#1", "acme/web#2"))
    reports.validate_portfolio(doc)


def test_an_excluded_or_reverted_pr_is_never_suggested_even_where_the_learned_ranking_rates_it_highest():
    history, marks = _taste(60)
    window = [_docs(300, 100), _docs(301, 101), _docs(302, 102), _docs(303, 103)]
    window[2] = {**window[2], "title": 'Revert "docs: change 301"'}
    choices = [choice(EXCLUDE, "acme/web#300", by="ada", source=FROM_UI)]
    marks |= marks_from(choices, find_reverts(window))
    featuring = rank_for_featuring(history + window, marks)

    doc = _portfolio(window, choices, featuring)

    assert featuring.ranker == LEARNED
    assert featuring.scores["acme/web#301"] > 0.5 and featuring.scores["acme/web#302"] > 0.5
    assert doc["featuring"]["suggested"] == ["acme/web#303"]
    reports.validate_portfolio(doc)


def test_pinned_prs_are_not_suggested_and_stay_first():
    rows = [_pr(1, 1, points=6), _pr(2, 2, points=2), _pr(3, 3, points=4)]
    choices = [choice(PIN, "acme/web#2", by="ada", source=FROM_UI)]
    featuring = rank_for_featuring(rows, marks_from(choices, []))

    doc = _portfolio(rows, choices, featuring)

    assert doc["featuring"]["suggested"] == ["acme/web#1", "acme/web#3"]
    first = doc["achievement_groups"][0]
    assert first["pr_ids"] == ["acme/web#2"] and first["featured"] and not first["suggested"]
    reports.validate_portfolio(doc)


def test_a_repository_exclusion_or_a_private_pr_is_no_mark_and_a_pin_outweighs_a_revert():
    choices = [
        choice(EXCLUDE, "octo/dotfiles", by="ada", source=FROM_UI),
        choice(PRIVATE, "acme/web#7", by="ada", source=FROM_UI),
        choice(PIN, "acme/web#8", by="ada", source=FROM_UI),
    ]

    assert marks_from(choices, ["acme/web#8", "acme/web#9"]) == {"acme/web#8": True, "acme/web#9": False}


def test_a_single_mark_is_counted_in_the_singular():
    rows = [_pr(1, 1, points=6), _pr(2, 2, points=0)]
    note = rank_for_featuring(rows, {rows[0]["pr_id"]: True}).note
    assert "there is 1 mark so far (1 pinned, 0 left out or reverted)" in note


def test_the_portfolio_shows_the_suggestion_and_the_ranking_behind_it():
    rows = [_pr(1, 1, points=6), _pr(2, 2, points=0)]
    doc = _portfolio(rows, [], rank_for_featuring(rows, {}))

    html = reports.render_html(doc)

    assert "Suggested to feature</span>" in html
    assert "Ranked by the impact scorecard: a ranking learned from your own marks needs" in html
    assert "there are 0 marks so far" in html
    assert doc["featuring"]["marks"] == {"worth_featuring": 0, "not_worth_featuring": 0}
    assert doc["featuring"]["needed_per_kind"] == MIN_PER_CLASS


def test_the_same_rows_and_marks_give_the_same_ranking_in_any_order():
    rows, marks = _taste(60)
    rows += [_docs(200, 70), _refactor(201, 71), _pr(202, 72, points=4)]
    shuffled = list(reversed(rows))

    first, second = rank_for_featuring(rows, marks), rank_for_featuring(shuffled, marks)

    assert first.ranker == LEARNED
    assert (first.note, first.order, dict(first.scores)) == (second.note, second.order, dict(second.scores))
    assert first == rank_for_featuring(rows, marks)
