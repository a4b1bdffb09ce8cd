from achievement_pipeline.export.achievements import branch_family, build_achievements, group_related


def _row(number: int, **overrides) -> dict:
    row = {
        "pr_id": f"acme/web#{number}",
        "repo": "acme/web",
        "merge_date": "2025-01-06",
        "merged_at": f"2025-01-06T{10 + number % 10:02d}:00:00Z",
        "title": f"feat: thing {number}",
        "clean_title": f"thing {number}",
        "achievement": f"Shipped thing {number}.",
        "head_ref": f"topic-{number}",
        "linked_issues": [],
        "areas": [f"area{number}"],
        "category": "feature",
        "impact": "low",
        "claims": [],
        "lines_changed": 10,
        "review_count": 1,
        "currency": "USD",
        "hours_low": 1.0,
        "hours_expected": 2.0,
        "hours_high": 4.0,
        "cost_low": 95.0,
        "cost_expected": 190.0,
        "cost_high": 380.0,
        "value_low": 50.0,
        "value_expected": 100.0 + number,
        "value_high": 200.0,
    }
    row.update(overrides)
    return row


def test_branch_family_ignores_type_prefix_and_part_suffix():
    assert branch_family("feat/checkout-retry-2") == branch_family("fix/checkout-retry-ui") == "checkout-retry"


def test_generic_or_one_word_branches_have_no_family():
    assert branch_family("main") == branch_family("patch-1") == branch_family("fix/typo") == ""


def test_prs_closing_the_same_issue_form_one_group():
    groups = group_related([_row(1, linked_issues=[7]), _row(2, linked_issues=[7]), _row(3)])
    assert [[r["pr_id"] for r in g] for g, _ in groups] == [["acme/web#1", "acme/web#2"], ["acme/web#3"]]
    assert groups[0][1] == ["closes the same issue"]


def test_same_issue_number_in_another_repository_is_not_related():
    other = _row(2, linked_issues=[7], repo="acme/api", pr_id="acme/api#2")
    assert len(group_related([_row(1, linked_issues=[7]), other])) == 2


def test_relatedness_is_transitive():
    a = _row(1, linked_issues=[7])
    b = _row(2, linked_issues=[7], head_ref="feat/search-filters")
    c = _row(3, head_ref="fix/search-filters-2")
    ((group, reasons),) = group_related([a, b, c])
    assert len(group) == 3 and reasons == ["closes the same issue", "same feature branch"]


def test_same_area_and_kind_of_work_groups_across_the_window():
    a = _row(1, areas=["src/api"])
    b = _row(2, areas=["src/api"], merge_date="2025-03-20", merged_at="2025-03-20T09:00:00Z")
    ((group, reasons),) = group_related([a, b])
    assert len(group) == 2 and reasons == ["same area and kind of work"]


def test_another_kind_of_work_in_the_same_area_is_not_related():
    assert len(group_related([_row(1, areas=["src/api"]), _row(2, areas=["src/api"], category="docs")])) == 2


def test_prs_of_one_milestone_form_one_group_whatever_their_area():
    groups = group_related([_row(1, milestone="Checkout v2"), _row(2, milestone="checkout v2 "), _row(3)])
    assert [len(g) for g, _ in groups] == [2, 1] and groups[0][1] == ["same milestone"]


def test_a_pinned_achievement_comes_first_whatever_its_value():
    achievements = build_achievements([_row(1, pinned=True, value_expected=1.0), _row(2, value_expected=9_999.0)])
    assert [a["pr_ids"] for a in achievements] == [["acme/web#1"], ["acme/web#2"]]
    assert achievements[0]["featured"] is True and achievements[1]["featured"] is False


def test_an_achievement_sums_its_prs_and_is_led_by_the_most_valuable():
    (achievement,) = build_achievements([_row(1, linked_issues=[7]), _row(2, linked_issues=[7], impact="high")])
    assert achievement["pr_ids"] == ["acme/web#1", "acme/web#2"]
    assert achievement["value"]["expected"] == 203.0
    assert achievement["title"] == "Thing 2 (+1 related PR)"
    assert achievement["statement"] == "Shipped thing 2." and achievement["impact"] == "high"


def test_an_achievement_uses_the_enrich_stages_star_story_when_present():
    star = {"situation": "S", "task": "T", "action": "A", "result": "R"}
    (achievement,) = build_achievements([_row(1, star=star)])
    assert achievement["star"] == star


def test_without_a_star_story_one_is_built_from_the_prs_facts():
    (achievement,) = build_achievements([_row(1, linked_issues=[7], claims=["p95 from 200 ms to 50 ms"])])
    assert achievement["star"]["situation"] == "The work in acme/web was tracked in issue #7."
    assert achievement["star"]["result"] == "P95 from 200 ms to 50 ms."


def test_grouping_does_not_depend_on_input_order():
    rows = [
        _row(1, linked_issues=[7]),
        _row(2, linked_issues=[7]),
        _row(3, head_ref="feat/a-b"),
        _row(4, head_ref="fix/a-b"),
    ]
    assert build_achievements(rows) == build_achievements(list(reversed(rows)))


def test_a_group_is_told_in_its_authors_words_when_they_reworded_any_of_its_prs():
    reworded = _row(1, linked_issues=[7], clean_title="Checkout retries", achievement="Made checkout retry.")
    reworded["rewritten"] = ["title", "statement"]
    (achievement,) = build_achievements([reworded, _row(2, linked_issues=[7], value_expected=9_999.0)])
    assert achievement["title"] == "Checkout retries (+1 related PR)"
    assert achievement["statement"] == "Made checkout retry."
