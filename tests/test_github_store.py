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
from achievement_pipeline.sources.github.store import GitHubStore, SourceState
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
