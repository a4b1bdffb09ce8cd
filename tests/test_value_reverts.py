"""A PR a later PR reverted delivered nothing; a revert of a revert restores it."""

from achievement_pipeline.value.reverts import find_reverts


def pr(number, title, body="", merged="2025-01-0{}T10:00:00Z", sha="", repo="acme/web-app"):
    return {
        "pr_id": f"{repo}#{number}",
        "repo": repo,
        "title": title,
        "body": body,
        "merged_at": merged.format(number % 10) if "{}" in merged else merged,
        "merge_commit_sha": sha,
    }


def test_githubs_revert_button_names_the_reverted_pr():
    undone = find_reverts([pr(1, "Add caching"), pr(2, 'Revert "Add caching"', "Reverts acme/web-app#1")])
    assert undone["acme/web-app#1"].by == "acme/web-app#2"


def test_a_hand_written_reference_in_the_same_repository_counts():
    undone = find_reverts([pr(1, "Add caching"), pr(2, "Back out the cache", "This reverts #1: it broke login")])
    assert set(undone) == {"acme/web-app#1"}


def test_gits_revert_message_is_matched_by_the_merge_commit():
    sha = "a98c8d95d552c6fa98ab66fb810f5b39ad5abf49"
    undone = find_reverts([pr(1, "Add caching", sha=sha), pr(2, "Undo", f"This reverts commit {sha[:12]}.")])
    assert set(undone) == {"acme/web-app#1"}


def test_a_revert_title_names_the_latest_earlier_pr_of_that_title():
    undone = find_reverts([pr(1, "build: switch linting"), pr(2, "revert: build: switch linting")])
    assert set(undone) == {"acme/web-app#1"}


def test_a_revert_of_a_revert_restores_the_original():
    history = [
        pr(1, "Add caching"),
        pr(2, 'Revert "Add caching"', "Reverts acme/web-app#1"),
        pr(3, 'Revert "Revert "Add caching""', "Reverts acme/web-app#2"),
    ]
    undone = find_reverts(history)
    assert set(undone) == {"acme/web-app#2"} and undone["acme/web-app#2"].by == "acme/web-app#3"


def test_only_an_earlier_pr_can_be_reverted():
    later = pr(2, "Add caching", merged="2025-01-09T10:00:00Z")
    assert (
        find_reverts([pr(1, "Revert something", "Reverts acme/web-app#2", merged="2025-01-02T10:00:00Z"), later]) == {}
    )


def test_a_reference_to_another_repository_does_not_match_a_pr_of_the_same_number():
    assert find_reverts([pr(1, "Add caching"), pr(2, "x", "Reverts acme/other#1")]) == {}
