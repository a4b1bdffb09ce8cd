import pytest

from achievement_pipeline.enrich.features import (
    areas_touched,
    linked_issues,
    measurable_claims,
    parse_conventional_title,
    pr_features,
    size_class,
)
from achievement_pipeline.ml.inputs import model_inputs
from achievement_pipeline.ml.labels import category_label
from tests.factories import make_pr


def test_conventional_title_is_split_into_type_scope_and_rest():
    assert parse_conventional_title("feat(checkout)!: retry payments") == (
        "feat",
        "checkout",
        "retry payments",
    )


def test_title_without_known_prefix_keeps_its_text_and_has_no_type():
    assert parse_conventional_title("Update README: typo") == ("", "", "Update README: typo")


def test_size_class_buckets_lines_changed():
    assert [size_class(n) for n in (0, 9, 10, 249, 250, 999, 1000)] == ["xs", "xs", "s", "m", "l", "l", "xl"]


def test_areas_are_ranked_by_files_touched_then_name():
    files = ["src/api/a.py", "src/api/b.py", "docs/x.md", "README.md", "packages/vite/src/x.ts"]
    assert areas_touched(files) == ["src/api", "(root)", "docs", "packages/vite"]


def test_measurable_claims_are_quoted_as_whole_sentences():
    text = (
        "Adds a cache. This cuts p95 latency from 420 ms to 180 ms.\nSince rollout we see 40% fewer errors in checkout."
    )
    assert measurable_claims(text) == [
        "This cuts p95 latency from 420 ms to 180 ms",
        "Since rollout we see 40% fewer errors in checkout",
    ]


def test_a_number_without_a_change_is_no_claim():
    assert measurable_claims("Bumps the timeout to 30 s. Touches 12 files.") == []


def test_text_without_numbers_has_no_claims():
    assert measurable_claims("Refactor the session module for readability.") == []


def test_linked_issues_come_from_closing_keywords_without_repeats():
    assert linked_issues("Fixes #12, closes #7 and fixes #12 again. See #99.") == [12, 7]


def test_pr_features_derive_everything_from_the_record():
    features = pr_features(make_pr())
    assert features["conventional_type"] == "perf"
    assert features["clean_title"] == "cache session lookups"
    assert features["lines_changed"] == 150
    assert features["size_class"] == "m"
    assert features["areas"] == ["src/api", "tests"]
    assert features["review_count"] == 2


def test_model_inputs_join_features_with_the_prs_own_text():
    pr = make_pr()
    rows = model_inputs([pr], [{**pr_features(pr), "summary": "s", "achievement": "a", "summariser": "offline"}])
    assert rows[0]["body"] == pr["body"]
    assert rows[0]["linked_issue_count"] == 1
    assert "summary" not in rows[0]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("doc: install guide", "docs"),
        ("tests: cover parser", "test"),
        ("feature: dark mode", "feat"),
        ("bugfix: null title", "fix"),
        ("hotfix(api): timeout", "fix"),
    ],
)
def test_the_title_parser_knows_every_spelling_the_label_rules_know(title: str, expected: str) -> None:
    assert parse_conventional_title(title)[0] == expected


def test_every_type_the_label_rules_map_is_a_type_the_title_parser_accepts() -> None:
    from achievement_pipeline.core.conventional import TYPE_CATEGORY  # what the label rules map

    for kind in TYPE_CATEGORY:
        parsed = parse_conventional_title(f"{kind}: something")[0]
        assert parsed and category_label(parsed, []) == TYPE_CATEGORY[kind]
