"""The collector's store across versions: copies stored before a field existed still read as whole records.

A source collected once is not fetched again until GitHub says it changed, so the store
keeps copies from older collectors for as long as their PRs stay unchanged. Read back,
they carry every field the record has today (its ``Default`` where the copy lacks it),
and a window mixing old and new copies reaches the warehouse with each copy's own facts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.sources.github.store import GitHubStore, SourceState, Task
from tests.factories import make_pr
from tests.github_support import memory_engine

SERVER, SOURCE = "demo:42", "user:octo-demo"
DAY, NEXT_DAY = date(2025, 1, 3), date(2025, 1, 4)  # make_pr's merge day
ADDED_FIELDS = {
    "first_commit_at": "",
    "merge_commit_sha": "",
    "repo_owner_type": "",
    "repo_is_fork": False,
    "repo_is_private": False,
    "repo_stars": 0,
    "repo_forks": 0,
    "milestone": "",
}
COLLECTED = {
    "first_commit_at": "2025-01-01T16:20:00Z",
    "merge_commit_sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
    "repo_owner_type": "Organization",
    "repo_is_fork": False,
    "repo_is_private": True,
    "repo_stars": 9,
    "repo_forks": 2,
    "milestone": "Refunds v2",
}


def stored_before_the_fields_existed(number: int) -> dict[str, Any]:
    return {key: value for key, value in make_pr(number).items() if key not in ADDED_FIELDS}


def test_a_pr_stored_before_the_new_fields_existed_reads_back_with_their_defaults():
    store = GitHubStore(memory_engine())
    old = stored_before_the_fields_existed(1)
    store.save(SERVER, SOURCE, SourceState(), [(old, old["merged_at"])])  # type: ignore[list-item]
    (record,) = store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY)
    assert {key: record[key] for key in ADDED_FIELDS} == ADDED_FIELDS  # type: ignore[literal-required]
    assert {key: record[key] for key in old} == old  # type: ignore[literal-required]


def test_a_window_of_old_and_new_copies_reaches_the_warehouse_with_each_copys_facts(tmp_path: Path):
    store = GitHubStore(memory_engine())
    old, new = stored_before_the_fields_existed(1), make_pr(2, **COLLECTED)
    store.save(SERVER, SOURCE, SourceState(), [(old, old["merged_at"]), (new, new["merged_at"])])  # type: ignore[list-item]
    warehouse = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    warehouse.replace_window("pull_requests", DAY, NEXT_DAY, store.read_window(SERVER, [SOURCE], DAY, NEXT_DAY))
    rows = {row["number"]: row for row in warehouse.read_window("pull_requests", DAY, NEXT_DAY)}
    assert {key: rows[1][key] for key in ADDED_FIELDS} == ADDED_FIELDS
    assert {key: rows[2][key] for key in COLLECTED} == COLLECTED


def test_a_task_stored_by_an_older_collector_resumes_from_its_cursor_with_nothing_waiting():
    store = GitHubStore(memory_engine())
    older = {"field": "merged", "lo": "2025-01-01T00:00:00Z", "hi": "2025-02-01T00:00:00Z", "as_of": "x", "after": "c"}
    store.save(SERVER, SOURCE, SourceState(pending=[Task.from_json(older)]))
    (loaded,) = store.load(SERVER, SOURCE).pending
    assert (loaded.after, loaded.created_from, loaded.seen, loaded.total, loaded.waiting) == ("c", None, 0, None, [])


def test_a_page_stored_before_its_lookups_reads_back_with_them():
    store = GitHubStore(memory_engine())
    pr = make_pr(1)
    waiting = [{"pr_id": pr["pr_id"], "node_id": "R_1", "field": "review_comments", "after": None}]
    task = Task("merged", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "x", "c", "2025-01-02T00:00:00Z", 100, 250)
    task.waiting = waiting
    store.save(SERVER, SOURCE, SourceState(pending=[task]), [(pr, pr["merged_at"])])
    (loaded,) = store.load(SERVER, SOURCE).pending
    assert loaded.to_json() == task.to_json()
    ((record, updated_at),) = store.read_pulls(SERVER, SOURCE, [pr["pr_id"], "acme/none#9"])
    assert {key: record[key] for key in pr} == pr and updated_at == pr["merged_at"]  # type: ignore[literal-required]
