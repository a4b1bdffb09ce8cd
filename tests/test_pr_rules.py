"""The row rules: which collected PRs can be told at all, one PR at a time, each refusal with its reason."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from achievement_pipeline.core.pr_rules import CLOCK_SKEW, PR_ID_PATTERN, pr_problems
from achievement_pipeline.export.schema import SCHEMA_PATH
from achievement_pipeline.validate.suites import validate_table
from tests.factories import make_pr

NOW = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)


def _pr(**changes: Any) -> dict[str, Any]:
    pr = make_pr()
    pr.update(
        {
            "pr_id": "acme/web-app#1",
            "repo": "acme/web-app",
            "number": 1,
            "created_at": "2025-01-02T09:00:00Z",
            "merged_at": "2025-01-03T17:30:00Z",
            "merge_date": "2025-01-03",
        }
    )
    pr.update(changes)
    return pr


def test_a_sound_pr_breaks_no_rule():
    assert pr_problems(_pr(), NOW) == []


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_blank_title_is_refused(title):
    assert pr_problems(_pr(title=title), NOW) == ["blank title: nothing tells what the change was"]


@pytest.mark.parametrize("title", ["fix: ", "fix:", "feat(api)!:", "  chore(deps) :  "])
def test_a_title_that_is_only_a_conventional_prefix_is_refused(title):
    (problem,) = pr_problems(_pr(title=title), NOW)
    assert "only a conventional prefix" in problem


def test_a_title_without_a_word_is_refused():
    (problem,) = pr_problems(_pr(title="fix: 🚀 ..."), NOW)
    assert "has no words" in problem


@pytest.mark.parametrize("title", ["fix: a", "Füge Caching hinzu", "修复登录", "v2"])
def test_a_title_with_any_word_in_any_script_passes(title):
    assert pr_problems(_pr(title=title), NOW) == []


def test_a_pr_merged_before_it_was_created_is_refused():
    (problem,) = pr_problems(_pr(created_at="2025-01-05T09:00:00Z"), NOW)
    assert "before it was created" in problem and "2025-01-03 17:30" in problem


def test_a_pr_merged_in_the_future_is_refused_beyond_the_clock_skew():
    later = NOW + CLOCK_SKEW + timedelta(minutes=1)
    future = _pr(merged_at=later.isoformat(), merge_date=later.date().isoformat())
    assert any("in the future" in p for p in pr_problems(future, NOW))
    just_now = NOW + CLOCK_SKEW - timedelta(minutes=1)
    assert pr_problems(_pr(merged_at=just_now.isoformat(), merge_date=just_now.date().isoformat()), NOW) == []


@pytest.mark.parametrize("pr_id", ["web-app#1", "acme/web app#1", "acme/web-app", "acme/web-app#0", "acme/web-app#x"])
def test_a_malformed_pr_id_is_refused(pr_id):
    (problem,) = pr_problems(_pr(pr_id=pr_id), NOW)
    assert problem.startswith("malformed PR id")


def test_an_id_that_names_another_repository_or_number_is_refused():
    (problem,) = pr_problems(_pr(pr_id="acme/web-app#2"), NOW)
    assert "does not match its repository" in problem


def test_a_merge_date_that_is_not_the_merge_day_is_refused():
    (problem,) = pr_problems(_pr(merge_date="2025-01-04"), NOW)
    assert "is not the UTC day it was merged (2025-01-03)" in problem


@pytest.mark.parametrize("field", ["created_at", "merged_at"])
def test_an_unreadable_time_is_refused(field):
    assert any(
        f"{field} '3rd of January' is not an ISO 8601 time" in p
        for p in pr_problems(_pr(**{field: "3rd of January"}), NOW)
    )


def test_negative_counts_a_blank_author_and_a_non_http_url_are_refused():
    problems = pr_problems(_pr(additions=-1, author="", url="javascript:alert(1)"), NOW)
    assert "no author" in problems
    assert any("not an http(s) address" in p for p in problems)
    assert any(p.startswith("additions not a count") for p in problems)


def test_a_reason_quotes_at_most_a_short_piece_of_the_bad_value():
    (problem,) = pr_problems(_pr(title="fix: " + "!" * 5000), NOW)
    assert len(problem) < 200


# Each corruption of a sound row that the pull_requests suite's row expectations catch: the row rules
# must refuse the same row, or GX would flag a PR that enrich then lets through.
CORRUPTIONS = {
    "pr_id": "acme/web app#1",
    "repo": "acme web-app",
    "number": 0,
    "title": "",
    "author": "",
    "url": "ftp://example.com/pr/1",
    "created_at": "yesterday",
    "merged_at": "2025/01/03 17:30",
    "merge_date": "2025-1-3",
    "additions": -5,
    "deletions": -1,
    "changed_files": -2,
}


@pytest.mark.parametrize(("field", "value"), CORRUPTIONS.items())
def test_every_row_the_ingest_suite_flags_is_one_the_row_rules_refuse(field, value):
    pr = _pr(**{field: value})
    frame = pd.DataFrame([_pr(pr_id="acme/web-app#2", number=2), pr])
    flagged = validate_table("pull_requests", frame).row_problems()
    assert flagged, f"the suite should flag a bad {field}"
    assert set(flagged) <= {pr["pr_id"]}
    assert pr_problems(pr, NOW), f"the row rules let a bad {field} through"


def test_every_id_the_rules_accept_fits_the_portfolio_schema():
    schema_pattern = json.loads(SCHEMA_PATH.read_text())["$defs"]["pr_id"]["pattern"]
    for pr_id in ("acme/web-app#1", "Octo.Cat/repo_name-2#12345", "a/b#9", "a-b/c.d#10"):
        assert re.match(PR_ID_PATTERN, pr_id) and re.match(schema_pattern, pr_id), pr_id
