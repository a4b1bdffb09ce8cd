"""Behaviour of the Great Expectations table checks in ``achievement_pipeline.validate.suites``.

All tests share the module-level GX context that ``validate_table`` caches, so only the
first validation pays for importing GX.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from achievement_pipeline.validate import suites as quality
from achievement_pipeline.validate.suites import QualityReport, judge, validate_table
from tests.factories import prediction_part

DAY = date(2024, 3, 5)
NEXT_DAY = date(2024, 3, 6)
PR_IDS = ("octo/widgets#1", "octo/widgets#2", "octo/gadgets#17")


def _pull_request(pr_id: str) -> dict[str, Any]:
    repo, number = pr_id.split("#")
    return {
        "pr_id": pr_id,
        "repo": repo,
        "number": int(number),
        "title": "feat(api): stream results",
        "body": "Cuts p95 latency by 40%.",
        "author": "octocat",
        "url": f"https://github.com/{repo}/pull/{number}",
        "created_at": "2024-03-01T09:00:00Z",
        "merged_at": "2024-03-05T17:30:00Z",
        "merge_date": DAY.isoformat(),
        "base_ref": "main",
        "head_ref": "stream",
        "additions": 120,
        "deletions": 30,
        "changed_files": 4,
        "commits": 2,
        "labels": ["enhancement"],
        "files": [{"filename": "api/stream.py", "status": "added", "additions": 120, "deletions": 0}],
        "reviews": [{"author": "hubot", "state": "APPROVED", "body": "", "submitted_at": "2024-03-05T17:00:00Z"}],
        "review_comments": [],
        "issue_comments": [{"author": "hubot", "body": "nice", "path": ""}],
        "linked_issues": [42],
        "first_commit_at": "2024-02-29T16:20:00Z",
        "merge_commit_sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
        "repo_owner_type": "Organization",
        "repo_is_fork": False,
        "repo_is_private": False,
        "repo_stars": 1_200,
        "repo_forks": 85,
        "milestone": "Streaming API",
    }


def _enriched(pr_id: str) -> dict[str, Any]:
    return {
        "pr_id": pr_id,
        "merge_date": DAY.isoformat(),
        "conventional_type": "feat",
        "scope": "api",
        "clean_title": "stream results",
        "lines_changed": 150,
        "size_class": "m",
        "areas": ["api"],
        "review_count": 1,
        "review_comment_count": 0,
        "claims": ["p95 latency by 40%"],
        "summary": "Streams results instead of buffering them.",
        "achievement": "Cut p95 API latency by 40% by streaming results.",
        "star": {"situation": "s", "task": "t", "action": "a", "result": "r"},
        "skills": ["Python"],
        "flagged_numbers": [],
        "summariser": "offline",
    }


def _prediction(pr_id: str) -> dict[str, Any]:
    return prediction_part(pr_id=pr_id, merge_date=DAY.isoformat())


def _valuation(pr_id: str) -> dict[str, Any]:
    return {
        "pr_id": pr_id,
        "merge_date": DAY.isoformat(),
        "hours_low": 2.0,
        "hours_expected": 4.0,
        "hours_high": 8.0,
        "cost_low": 200.0,
        "cost_expected": 400.0,
        "cost_high": 800.0,
        "value_low": 200.0,
        "value_expected": 400.0,
        "value_high": 800.0,
        "currency": "EUR",
        "value_basis": "judgement",
        "value_terms": [
            {"name": "hours", "value": 4.0, "unit": "h"},
            {"name": "rate", "value": 100, "unit": "money/hour"},
        ],
        "reach": 1.0,
        "reach_note": "an organisation's repository",
        "outcomes": [],
        "refused_claims": [],
        "evidence": [{"kind": "diff", "detail": "150 lines"}],
        "assumptions": [{"name": "rate", "value": 100, "unit": "EUR/h", "source": "assumptions.yaml"}],
    }


def _validation(pr_id: str) -> dict[str, Any]:
    return {"pr_id": pr_id, "merge_date": DAY.isoformat(), "status": "accepted", "reasons": []}


ROW_BUILDERS = {
    "pull_requests": _pull_request,
    "enriched_prs": _enriched,
    "predictions": _prediction,
    "valuations": _valuation,
    "validated_achievements": _validation,
}


def good_frame(table: str) -> pd.DataFrame:
    return pd.DataFrame([ROW_BUILDERS[table](pr_id) for pr_id in PR_IDS])


def _failure(report: QualityReport, expectation_type: str):
    matches = [f for f in report.failed if f.expectation_type == expectation_type]
    assert matches, f"expected a failed {expectation_type}, got {report.failed}"
    return matches[0]


@pytest.mark.parametrize("table", quality.TABLES)
def test_good_frame_passes_for_each_table(table: str) -> None:
    report = validate_table(
        table, good_frame(table), window_start=DAY, window_end=NEXT_DAY, expected_pr_ids=set(PR_IDS)
    )

    assert report.success, report.failed
    assert report.failed == []
    assert report.row_count == len(PR_IDS)
    assert report.evaluated == len(report.checks) > 0


def test_a_validated_frame_is_not_kept_once_the_check_is_done() -> None:
    """GX's shared execution engine would hold each table's last frame (a year of rows) for the process."""
    import gc

    validate_table("valuations", good_frame("valuations"), window_start=DAY, window_end=NEXT_DAY)
    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and "value_expected" in o.columns]
    assert kept == []


def test_duplicated_pr_id_fails_naming_the_column() -> None:
    df = good_frame("predictions")
    df.loc[1, "pr_id"] = df.loc[0, "pr_id"]

    report = validate_table("predictions", df)

    assert not report.success
    failure = _failure(report, "expect_column_values_to_be_unique")
    assert failure.columns == ("pr_id",)
    assert "pr_id" in failure.reason
    assert failure.examples == (PR_IDS[0],)


def test_out_of_set_category_fails() -> None:
    df = good_frame("predictions")
    df.loc[2, "category"] = "wizardry"

    report = validate_table("predictions", df)

    failure = _failure(report, "expect_column_values_to_be_in_set")
    assert failure.columns == ("category",)
    assert failure.examples == ("wizardry",)


def test_confidence_above_one_fails() -> None:
    df = good_frame("predictions")
    df.loc[0, "category_confidence"] = 1.5

    report = validate_table("predictions", df)

    assert [f.columns for f in report.failed] == [("category_confidence",)]


def test_a_category_basis_nobody_defined_fails() -> None:
    df = good_frame("predictions")
    df.loc[1, "category_basis"] = "vibes"

    report = validate_table("predictions", df)

    failure = _failure(report, "expect_column_values_to_be_in_set")
    assert failure.columns == ("category_basis",)
    assert failure.examples == ("vibes",)


def test_the_uncertain_category_passes_and_negative_scorecard_points_fail() -> None:
    df = good_frame("predictions")
    df.loc[0, ["category", "category_basis", "category_confidence"]] = ["uncertain", "uncertain", 0.41]
    assert validate_table("predictions", df).success

    df.loc[2, "impact_points"] = -1
    report = validate_table("predictions", df)

    assert [f.columns for f in report.failed] == [("impact_points",)]


def test_the_impact_evidence_and_review_states_are_checked_as_json() -> None:
    df = good_frame("predictions")
    df.at[0, "impact_evidence"] = "not json"

    report = validate_table("predictions", df)

    failure = _failure(report, "expect_column_values_to_be_json_parseable")
    assert failure.columns == ("impact_evidence",)
    assert df.at[1, "review_states"] == {"APPROVED": 1, "COMMENTED": 1}  # the caller's dicts stay dicts


def test_low_above_expected_fails() -> None:
    df = good_frame("valuations")
    df.loc[0, "hours_low"] = 5.0  # expected is 4.0

    report = validate_table("valuations", df)

    failure = _failure(report, "expect_column_pair_values_a_to_be_greater_than_b")
    assert failure.columns == ("hours_expected", "hours_low")
    assert [f.columns for f in report.failed] == [("hours_expected", "hours_low")]


def test_lowercase_currency_fails() -> None:
    df = good_frame("valuations")
    df.loc[0, "currency"] = "eur"

    report = validate_table("valuations", df)

    assert _failure(report, "expect_column_values_to_match_regex").columns == ("currency",)


def test_rejected_row_without_reason_fails() -> None:
    df = good_frame("validated_achievements")
    df.loc[0, "status"] = "rejected"  # reasons stays []

    report = validate_table("validated_achievements", df)

    failure = _failure(report, "expect_column_values_to_match_regex")
    assert "reasons" in failure.columns
    assert failure.examples == ("[]",)


def test_rejected_row_with_a_reason_passes() -> None:
    df = good_frame("validated_achievements")
    df.loc[0, "status"] = "rejected"
    df.at[0, "reasons"] = ["claim not backed by the diff"]

    assert validate_table("validated_achievements", df).success


def test_merge_date_outside_the_window_fails() -> None:
    df = good_frame("enriched_prs")
    df.loc[2, "merge_date"] = NEXT_DAY.isoformat()  # the window end is exclusive

    report = validate_table("enriched_prs", df, window_start=DAY, window_end=NEXT_DAY)

    failure = _failure(report, "expect_column_values_to_be_in_set")
    assert failure.columns == ("merge_date",)
    assert failure.examples == (NEXT_DAY.isoformat(),)
    assert "2024-03-05" in failure.reason


def test_malformed_merge_date_fails_the_format_check() -> None:
    df = good_frame("predictions")
    df.loc[0, "merge_date"] = "2024-3-5"

    report = validate_table("predictions", df)

    assert _failure(report, "expect_column_values_to_match_regex").columns == ("merge_date",)


def test_missing_upstream_pr_id_fails_completeness() -> None:
    df = good_frame("predictions").iloc[:2]

    report = validate_table("predictions", df, expected_pr_ids=set(PR_IDS))

    failure = _failure(report, "expect_column_distinct_values_to_contain_set")
    assert failure.columns == ("pr_id",)
    assert failure.examples == (PR_IDS[2],)
    assert "completeness" in failure.reason


def test_row_for_a_pr_absent_upstream_fails() -> None:
    report = validate_table("predictions", good_frame("predictions"), expected_pr_ids=set(PR_IDS[:2]))

    failure = _failure(report, "expect_column_values_to_be_in_set")
    assert failure.examples == (PR_IDS[2],)


@pytest.mark.parametrize("table", quality.TABLES)
def test_empty_frame_passes(table: str) -> None:
    empty = pd.DataFrame(columns=list(quality.suite_spec(table).columns))

    report = validate_table(table, empty, window_start=DAY, window_end=NEXT_DAY, expected_pr_ids=set())

    assert report.success, report.failed
    assert report.row_count == 0


def test_frame_built_from_no_rows_passes_as_an_empty_partition() -> None:
    report = validate_table("valuations", pd.DataFrame([]), window_start=DAY, window_end=NEXT_DAY)

    assert report.success, report.failed
    assert report.row_count == 0


def test_missing_column_fails_with_a_reason_naming_it() -> None:
    df = good_frame("valuations").drop(columns=["currency"])

    report = validate_table("valuations", df)

    assert not report.success
    failure = _failure(report, "expect_column_to_exist")
    assert failure.columns == ("currency",)
    assert "currency" in failure.reason and "missing" in failure.reason
    assert all("currency" in f.reason for f in report.failed)


def test_to_markdown_lists_every_expectation() -> None:
    df = good_frame("predictions")
    df.loc[0, "impact"] = "galactic"

    report = validate_table("predictions", df, window_start=DAY, window_end=NEXT_DAY)
    markdown = report.to_markdown()

    rows = [line for line in markdown.splitlines() if line.startswith("| ✅") or line.startswith("| ❌")]
    specs = quality.check_specs("predictions", window_start=DAY, window_end=NEXT_DAY)
    assert len(rows) == report.evaluated == len(specs)
    assert sum(row.startswith("| ❌") for row in rows) == len(report.failed) == 1
    assert "`impact`" in next(row for row in rows if row.startswith("| ❌"))


def test_list_cells_are_checked_as_json_without_touching_the_input() -> None:
    df = good_frame("pull_requests")
    df.at[0, "labels"] = "not json"

    report = validate_table("pull_requests", df)

    failure = _failure(report, "expect_column_values_to_be_json_parseable")
    assert failure.columns == ("labels",)
    assert df.at[1, "labels"] == ["enhancement"]  # the caller's lists stay lists


def test_dagster_datetime_window_is_accepted() -> None:
    report = validate_table(
        "predictions",
        good_frame("predictions"),
        window_start=datetime(2024, 3, 5),
        window_end=datetime(2024, 3, 6),
    )

    assert report.success, report.failed


def test_half_a_window_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="window_end"):
        validate_table("predictions", good_frame("predictions"), window_start=DAY)


def test_unknown_table_is_a_caller_error() -> None:
    with pytest.raises(KeyError, match="pull_requests"):
        validate_table("prs", good_frame("predictions"))


def test_repeated_calls_reuse_one_context() -> None:
    validate_table("predictions", good_frame("predictions"))
    first = quality.cached_runtime()
    validate_table("predictions", good_frame("predictions"))

    assert first is not None and quality.cached_runtime() is first


def test_concurrent_validations_keep_their_own_frames() -> None:
    good = good_frame("predictions")
    bad = good_frame("predictions")
    bad.loc[0, "impact"] = "galactic"
    verdicts: dict[int, bool] = {}

    def run(i: int) -> None:
        verdicts[i] = validate_table("predictions", bad if i % 2 else good).success

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert verdicts == {i: i % 2 == 0 for i in range(6)}


def test_build_suite_holds_one_expectation_per_check() -> None:
    partition: dict[str, Any] = {"window_start": DAY, "window_end": NEXT_DAY, "expected_pr_ids": {"a/b#1"}}

    suite = quality.build_suite("valuations", **partition)

    specs = quality.check_specs("valuations", **partition)
    assert [type(e).__name__ for e in suite.expectations] == [s.expectation for s in specs]


def test_importing_quality_does_not_import_great_expectations() -> None:
    code = "import sys, achievement_pipeline.validate.suites; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"


# --- What a failure names, and what blocks the stages after it -------------------------------------


def _blank_titles(*rows: int, count: int = len(PR_IDS)) -> pd.DataFrame:
    ids = PR_IDS if count == len(PR_IDS) else tuple(f"octo/widgets#{n}" for n in range(1, count + 1))
    frame = pd.DataFrame([_pull_request(pr_id) for pr_id in ids])
    for row in rows:
        frame.loc[row, "title"] = ""
    return frame


def test_a_row_rule_failure_names_the_offending_prs() -> None:
    failure = _failure(
        validate_table("pull_requests", _blank_titles(0, 2)), "expect_column_value_lengths_to_be_between"
    )

    assert failure.pr_ids == (PR_IDS[0], PR_IDS[2])
    assert failure.reason.endswith(f"{PR_IDS[0]}, {PR_IDS[2]}")


def test_a_failure_names_the_first_twenty_prs_and_counts_the_rest() -> None:
    report = validate_table("pull_requests", _blank_titles(*range(25), count=25))

    reason = _failure(report, "expect_column_value_lengths_to_be_between").reason
    assert "octo/widgets#20 and 5 more" in reason and "octo/widgets#21" not in reason


def test_row_problems_fail_the_check_without_blocking_and_name_the_prs() -> None:
    verdict = judge(validate_table("pull_requests", _blank_titles(1)), row_note="enrich sets them aside")

    assert not verdict.passed and not verdict.blocking
    assert list(verdict.rows) == [PR_IDS[1]]
    assert (
        f"1 of 3 rows break a row rule; enrich sets them aside: {PR_IDS[1]} (`title`: non-empty text)"
        in verdict.summary
    )


def test_one_bad_pr_alone_in_its_window_does_not_block() -> None:
    verdict = judge(validate_table("pull_requests", _blank_titles(0, count=1)))

    assert not verdict.passed and not verdict.blocking


def test_every_row_of_a_batch_broken_blocks_as_a_broken_source() -> None:
    count = quality.SYSTEMATIC_MIN_ROWS
    verdict = judge(validate_table("pull_requests", _blank_titles(*range(count), count=count)))

    assert verdict.blocking
    assert f"every one of the {count} rows breaks a row rule" in verdict.summary


def test_a_pr_twice_blocks_and_is_named() -> None:
    df = good_frame("predictions")
    df.loc[1, "pr_id"] = df.loc[0, "pr_id"]

    verdict = judge(validate_table("predictions", df))

    assert verdict.blocking and PR_IDS[0] in verdict.summary


def test_a_missing_column_blocks() -> None:
    verdict = judge(validate_table("valuations", good_frame("valuations").drop(columns=["currency"])))

    assert verdict.blocking and "`currency` is missing" in verdict.summary


def test_a_pr_lost_against_upstream_blocks_and_is_named() -> None:
    verdict = judge(validate_table("predictions", good_frame("predictions").iloc[:2], expected_pr_ids=set(PR_IDS)))

    assert verdict.blocking and PR_IDS[2] in verdict.summary


def test_row_problems_found_outside_the_suite_are_named_with_their_reasons() -> None:
    extra = {PR_IDS[2]: ["merged before it was created"]}

    verdict = judge(validate_table("pull_requests", good_frame("pull_requests")), extra)

    assert not verdict.passed and not verdict.blocking
    assert f"{PR_IDS[2]} (merged before it was created)" in verdict.summary


def test_a_passing_table_has_nothing_to_say() -> None:
    verdict = judge(validate_table("pull_requests", good_frame("pull_requests")))

    assert verdict.passed and not verdict.blocking and verdict.summary == ""


def test_a_rejected_pr_keeps_its_malformed_id_but_an_accepted_one_may_not() -> None:
    df = good_frame("validated_achievements")
    df.loc[0, ["pr_id", "status"]] = ["acme/web app#7", "rejected"]
    df.at[0, "reasons"] = ["malformed PR id"]
    assert validate_table("validated_achievements", df).success

    df.loc[0, "status"] = "accepted"
    assert list(validate_table("validated_achievements", df).row_problems()) == ["acme/web app#7"]


def test_the_markdown_report_shows_a_hostile_pr_id_as_text() -> None:
    from tests.markdown_reading import read_markdown

    hostile = "acme/![x](http://attacker.example/p.png) <img src=x onerror=alert(1)>#1"
    df = good_frame("pull_requests")
    df.loc[0, "pr_id"] = hostile

    reading = read_markdown(validate_table("pull_requests", df).to_markdown())

    assert reading.images == 0 and reading.links == [] and reading.html == []
    assert hostile in reading.text
