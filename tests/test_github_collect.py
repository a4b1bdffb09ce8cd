"""The GraphQL collector against the fake GitHub: few requests, every PR once, incremental.

The counts come from the server's own request log, so retries and follow-up pages are
all in them. Request budgets are the issue's targets: at most 2 requests per 100 PRs on
a first collection, at most 1 (a free 304) per source when nothing changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from achievement_pipeline.fakes.github import FakeComment, FakeFile, FakeGitHub, FakeHistory, FakeReview
from achievement_pipeline.fakes.github.changes import labelled, new_merged_pull
from achievement_pipeline.fakes.github.history import generate_history
from achievement_pipeline.sources.github.client import GitHubClient
from achievement_pipeline.sources.github.errors import GitHubInputError
from achievement_pipeline.sources.github.queries import Assembly, PageShape
from tests.github_support import QUARTER, USERS, app_keys, memory_engine, resource


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history(users=USERS, prs_per_week=30)


@pytest.fixture
def fake(history: FakeHistory) -> Iterator[FakeGitHub]:
    with FakeGitHub(history) as server:
        yield server


def merged_in(history: FakeHistory, start: date, end: date, author: str | None = None) -> set[str]:
    return {p.pr_id for p in history.merged_pulls(author, start, end - timedelta(days=1))}


def test_a_first_collection_costs_at_most_2_requests_per_100_prs(fake: FakeGitHub, history: FakeHistory):
    collection = resource(fake).collect(*QUARTER, memory_engine())
    prs = len(collection.prs)
    assert {pr["pr_id"] for pr in collection.prs} == merged_in(history, *QUARTER, USERS[0]) | merged_in(
        history, *QUARTER, USERS[1]
    )
    assert len(fake.requests) <= 2 * prs / 100, fake.requests.counts_by_kind()


def test_every_pr_arrives_once_with_files_reviews_comments_labels_issues_and_commits(
    fake: FakeGitHub, history: FakeHistory
):
    collection = resource(fake).collect(*QUARTER, memory_engine())
    assert len({pr["pr_id"] for pr in collection.prs}) == len(collection.prs)
    for pr in collection.prs:
        truth = history.pull(pr["repo"], pr["number"])
        assert truth is not None and truth.merged_at is not None
        assert [f["filename"] for f in pr["files"]] == [f.filename for f in truth.files]
        assert [(r["author"], r["state"]) for r in pr["reviews"]] == [(r.user, r.state) for r in truth.reviews]
        assert sorted(c["body"] for c in pr["review_comments"]) == sorted(c.body for c in truth.review_comments)
        assert [c["body"] for c in pr["issue_comments"]] == [c.body for c in truth.issue_comments]
        assert pr["labels"] == sorted(truth.labels)
        assert pr["linked_issues"] == list(truth.linked_issues)
        assert pr["commits"] == truth.commits
        assert pr["merged_at"] == truth.merged_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_pr_carries_its_first_commit_time_merge_commit_and_repository_facts(
    fake: FakeGitHub, history: FakeHistory
):
    collection = resource(fake).collect(*QUARTER, memory_engine())
    for pr in collection.prs:
        truth, repo = history.pull(pr["repo"], pr["number"]), history.repo(pr["repo"])
        assert truth is not None and truth.first_commit_at is not None and repo is not None
        assert pr["first_commit_at"] == truth.first_commit_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert pr["first_commit_at"] <= pr["created_at"]
        assert pr["merge_commit_sha"] == truth.merge_commit_sha
        facts = (pr["repo_is_fork"], pr["repo_is_private"], pr["repo_stars"], pr["repo_forks"])
        assert facts == (repo.fork, repo.private, repo.stars, repo.forks)


def test_every_pr_carries_the_title_of_its_milestone_as_the_fake_has_it(fake: FakeGitHub, history: FakeHistory):
    collection = resource(fake).collect(*QUARTER, memory_engine())
    for pr in collection.prs:
        truth = history.pull(pr["repo"], pr["number"])
        assert truth is not None
        assert pr["milestone"] == (truth.milestone.title if truth.milestone is not None else "")
    titles = {pr["milestone"] for pr in collection.prs}
    assert "" in titles and len(titles - {""}) >= 3, "some PRs in several milestones, others in none"
    assert {pr["milestone"] for pr in collection.prs if pr["repo"].endswith("/dotfiles")} <= {""}


def test_a_pr_in_no_milestone_is_collected_with_an_empty_milestone(fake: FakeGitHub, history: FakeHistory):
    pr = next(p for p in history.merged_pulls(USERS[0]) if p.milestone is not None)
    fake.apply([replace(pr, milestone=None)])
    day = pr.merged_at.date()  # type: ignore[union-attr]
    collection = resource(fake, users=[USERS[0]]).collect(day, day + timedelta(days=1), memory_engine())
    (record,) = [p for p in collection.prs if p["pr_id"] == pr.pr_id]
    assert record["milestone"] == ""


def test_the_personal_dotfiles_repo_is_collected_as_a_users_and_acme_repos_as_an_organisations(fake: FakeGitHub):
    collection = resource(fake, users=[USERS[0]]).collect(*QUARTER, memory_engine())
    owner_types = {pr["repo"]: pr["repo_owner_type"] for pr in collection.prs}
    assert owner_types[f"{USERS[0]}/dotfiles"] == "User"
    acme = {kind for repo, kind in owner_types.items() if repo.startswith("acme/")}
    assert acme == {"Organization"}


def test_a_pr_github_answers_without_a_merge_commit_is_collected_with_an_empty_sha(
    fake: FakeGitHub, history: FakeHistory
):
    pr = history.merged_pulls(USERS[0])[0]
    fake.apply([replace(pr, merge_commit_sha=None)])
    day = pr.merged_at.date()  # type: ignore[union-attr]
    collection = resource(fake, users=[USERS[0]]).collect(day, day + timedelta(days=1), memory_engine())
    (record,) = [p for p in collection.prs if p["pr_id"] == pr.pr_id]
    assert record["merge_commit_sha"] == ""


def test_collecting_unchanged_history_again_costs_one_free_request_per_source(fake: FakeGitHub):
    store = memory_engine()
    first = resource(fake).collect(*QUARTER, store)
    fake.reset_counts()
    again = resource(fake).collect(*QUARTER, store)
    assert again.prs == first.prs
    assert len(fake.requests) == len(USERS)
    assert fake.requests.count(status=304) == len(USERS)


def test_a_narrower_window_inside_a_collected_one_costs_one_request_per_source(fake: FakeGitHub):
    store = memory_engine()
    resource(fake).collect(*QUARTER, store)
    fake.reset_counts()
    february = resource(fake).collect(date(2025, 2, 1), date(2025, 3, 1), store)
    assert {pr["merge_date"][:7] for pr in february.prs} == {"2025-02"}
    assert len(fake.requests) == len(USERS)


def test_a_late_change_to_a_collected_pr_is_read_back_with_two_requests(fake: FakeGitHub, history: FakeHistory):
    store = memory_engine()
    resource(fake).collect(*QUARTER, store)
    old = history.merged_pulls(USERS[0], date(2025, 2, 1), date(2025, 2, 28))[0]
    fake.apply([labelled(old, "late-label", datetime.now(UTC))])
    fake.reset_counts()
    collection = resource(fake).collect(*QUARTER, store)
    (changed,) = [pr for pr in collection.prs if pr["pr_id"] == old.pr_id]
    assert "late-label" in changed["labels"]
    # The changed source: a probe (200) and one page of changes; the other source: a 304.
    assert fake.requests.counts_by_kind() == {"search": 2, "graphql": 1, "not_modified": 1}


def test_a_pr_merged_after_a_collection_is_found_by_the_next_one(fake: FakeGitHub, history: FakeHistory):
    store = memory_engine()
    today = datetime.now(UTC).date()
    window = (today - timedelta(days=1), today + timedelta(days=1))
    assert resource(fake).collect(*window, store).prs == []
    fresh = new_merged_pull(history, repo="acme/web-app", author=USERS[0], merged_at=datetime.now(UTC))
    fake.apply([fresh])
    assert [pr["pr_id"] for pr in resource(fake).collect(*window, store).prs] == [fresh.pr_id]


def test_organisations_and_repositories_are_sources_too_without_doubles(fake: FakeGitHub, history: FakeHistory):
    collection = resource(fake, users=[USERS[0]], orgs=["northwind"], repos=["acme/web-app"]).collect(
        *QUARTER, memory_engine()
    )
    expected = merged_in(history, *QUARTER, USERS[0]) | {
        p.pr_id
        for p in history.merged_pulls(None, QUARTER[0], QUARTER[1] - timedelta(days=1))
        if p.owner == "northwind" or p.repo == "acme/web-app"
    }
    ids = [pr["pr_id"] for pr in collection.prs]
    assert len(ids) == len(set(ids)) and set(ids) == expected


def test_more_than_1000_search_results_are_collected_in_slices():
    history = generate_history(prs_per_week=100, repos_per_user=2)
    with FakeGitHub(history) as fake:
        collection = resource(fake, users=[USERS[0]]).collect(*QUARTER, memory_engine())
        assert len(collection.prs) > 1_000
        assert {pr["pr_id"] for pr in collection.prs} == merged_in(history, *QUARTER, USERS[0])
        assert len(fake.requests) <= 2 * len(collection.prs) / 100


def test_a_page_of_100_typical_prs_costs_at_most_8_points_as_github_counts_them(fake: FakeGitHub):
    # The fake prices every query it answers with GitHub's formula (connection requests over 100, named
    # fragments included): 1 search + 100 PRs x 6 lists, plus one lookup per review of the page before.
    collection = resource(fake).collect(*QUARTER, memory_engine())
    queries = [e for e in fake.requests if e.kind == "graphql"]
    assert max(e.points for e in queries) <= 8
    assert fake.requests.points() <= 8 * len(collection.prs) / 100
    assert collection.points == fake.requests.points()  # what GitHub's rateLimit.cost told the collector


class SearchPages:
    """Every search page the collector receives: its ``q`` and the PRs on it (wraps the real client's call)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pages: list[tuple[str, list[int]]] = []
        graphql = GitHubClient.graphql

        def recording(client: GitHubClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            data = graphql(client, query, variables)
            if "search" in data:
                self.pages.append((variables["q"], [n["number"] for n in data["search"]["nodes"]]))
            return data

        monkeypatch.setattr(GitHubClient, "graphql", recording)


def test_past_1000_results_the_search_goes_on_without_fetching_a_page_twice(monkeypatch: pytest.MonkeyPatch):
    history = generate_history(prs_per_week=100, repos_per_user=2)
    seen = SearchPages(monkeypatch)
    with FakeGitHub(history) as fake:
        collection = resource(fake, users=[USERS[0]]).collect(*QUARTER, memory_engine())
        points = fake.requests.points()
    assert len(collection.prs) > 1_000
    assert {pr["pr_id"] for pr in collection.prs} == merged_in(history, *QUARTER, USERS[0])
    served = Counter(number for _, numbers in seen.pages for number in numbers)
    (first_q, first_page), *_ = seen.pages
    assert all(served[number] == 1 for number in first_page)  # kept, not thrown away and fetched again
    # Past the cap the same search goes on from the last creation time read: only PRs created in that
    # very second can come twice.
    boundaries = {q.split("created:>=")[1].split()[0] for q, _ in seen.pages if "created:>=" in q}
    assert boundaries and all("created:>=" not in q for q, _ in seen.pages[:10])
    twice = {pr["created_at"] for pr in collection.prs if served[pr["number"]] > 1}
    assert twice <= boundaries
    assert points <= 8 * len(collection.prs) / 100


def big_pull(history: FakeHistory, day: date, files: int) -> Any:
    """A merged PR of ``day`` with more of every list than a page (and a small page) holds."""
    pr = history.merged_pulls(USERS[0], day, day)[0]
    at = pr.merged_at - timedelta(minutes=5)  # type: ignore[operator]
    reviews = tuple(FakeReview(9_000 + i, "grace-ops", "COMMENTED", f"round {i}", at, "abc") for i in range(45))
    # 25 comments on the first review (more than its first lookup brings), 2 on the seventh, 1 on the last.
    on_review = [9_000] * 25 + [9_006] * 2 + [9_044]
    review_comments = tuple(
        FakeComment(8_000 + i, "grace-ops", f"nit {i}", at, "src/a.ts", 1, review) for i, review in enumerate(on_review)
    )
    return replace(
        pr,
        files=tuple(FakeFile(f"src/gen/file_{i:04}.ts", "added", 3, 0, f"{i:040x}") for i in range(files)),
        reviews=reviews,
        review_comments=review_comments,
        issue_comments=tuple(FakeComment(7_000 + i, "grace-ops", f"comment {i}", at) for i in range(45)),
        labels=tuple(f"area-{i:02}" for i in range(27)),
        linked_issues=tuple(range(1, 13)),
    )


def assert_whole(record: Mapping[str, Any], truth: Any) -> None:
    assert [f["filename"] for f in record["files"]] == [f.filename for f in truth.files]
    assert [r["body"] for r in record["reviews"]] == [r.body for r in truth.reviews]
    assert [c["body"] for c in record["review_comments"]] == [c.body for c in truth.review_comments]
    assert [c["body"] for c in record["issue_comments"]] == [c.body for c in truth.issue_comments]
    assert record["labels"] == sorted(truth.labels) and record["linked_issues"] == list(truth.linked_issues)


def test_a_pr_with_more_of_everything_than_a_page_holds_is_collected_whole(fake: FakeGitHub, history: FakeHistory):
    day = date(2025, 3, 3)
    big = big_pull(history, day, files=3_000)
    fake.apply([big])
    collection = resource(fake, users=[USERS[0]]).collect(day, day + timedelta(days=1), memory_engine())
    (record,) = [p for p in collection.prs if p["pr_id"] == big.pr_id]
    assert_whole(record, big)
    # GraphQL brings the first 100 files; REST its pages 2 to 30 (3,000 files, REST's limit), one request each.
    assert [e.query.get("page") for e in fake.requests if e.kind == "rest"] == [str(n) for n in range(2, 31)]


def test_a_changed_pr_with_more_than_a_small_page_holds_is_completed(fake: FakeGitHub, history: FakeHistory):
    # Changes come as a small page with review comments nested under its first reviews; the rest continues.
    store = memory_engine()
    resource(fake, users=[USERS[0]]).collect(*QUARTER, store)
    big = big_pull(history, date(2025, 2, 3), files=120)
    fake.apply([replace(big, updated_at=datetime.now(UTC))])
    collection = resource(fake, users=[USERS[0]]).collect(*QUARTER, store)
    (record,) = [p for p in collection.prs if p["pr_id"] == big.pr_id]
    assert_whole(record, big)
    assert len(record["reviews"]) > PageShape().small_page_reviews


def test_lists_longer_than_a_page_are_completed(fake: FakeGitHub, history: FakeHistory):
    big = history.merged_pulls(USERS[0], date(2025, 3, 3), date(2025, 3, 3))[0]
    at = big.merged_at - timedelta(minutes=5)  # type: ignore[operator]
    files = tuple(FakeFile(f"src/gen/file_{i:03}.ts", "added", 3, 0, f"{i:040x}") for i in range(230))
    reviews = tuple(FakeReview(9_000 + i, "grace-ops", "COMMENTED", f"round {i}", at, "abc") for i in range(14))
    review_comments = tuple(
        FakeComment(8_000 + i, "grace-ops", f"nit {i}", at, "src/a.ts", 1, 9_000) for i in range(23)
    )
    comments = tuple(FakeComment(7_000 + i, "grace-ops", f"comment {i}", at) for i in range(41))
    labels = tuple(f"area-{i:02}" for i in range(27))
    fake.apply(
        [
            replace(
                big,
                files=files,
                reviews=reviews,
                review_comments=review_comments,
                issue_comments=comments,
                labels=labels,
                linked_issues=tuple(range(1, 13)),
            )
        ]
    )
    collection = resource(fake, users=[USERS[0]]).collect(date(2025, 3, 3), date(2025, 3, 4), memory_engine())
    (pr,) = [p for p in collection.prs if p["pr_id"] == big.pr_id]
    assert [f["filename"] for f in pr["files"]] == [f.filename for f in files]
    assert len(pr["reviews"]) == 14 and len(pr["review_comments"]) == 23 and len(pr["issue_comments"]) == 41
    assert pr["labels"] == sorted(labels) and pr["linked_issues"] == list(range(1, 13))
    # GraphQL continues the short lists; REST serves the files beyond GraphQL's first 100 (its pages 2 and 3).
    assert [e.query.get("page") for e in fake.requests if e.kind == "rest"] == ["2", "3"]


def test_github_enterprise_is_addressed_by_its_api_v3_url(fake: FakeGitHub, history: FakeHistory):
    collection = resource(fake, base_url=fake.enterprise_url, users=[USERS[0]]).collect(*QUARTER, memory_engine())
    assert {pr["pr_id"] for pr in collection.prs} == merged_in(history, *QUARTER, USERS[0])
    assert {(e.kind, e.prefix or e.path) for e in fake.requests} == {("graphql", "/api/graphql"), ("search", "/api/v3")}


def test_a_github_app_installation_can_collect(history: FakeHistory):
    private, public = app_keys()
    with FakeGitHub(history, tokens=set(), apps={77: public}, installations={88: 77}) as fake:
        app = resource(fake, token="", users=[USERS[0]], app_id="77", app_installation_id="88", app_private_key=private)
        collection = app.collect(*QUARTER, memory_engine())
        assert {pr["pr_id"] for pr in collection.prs} == merged_in(history, *QUARTER, USERS[0])


def test_an_app_id_without_its_key_names_the_missing_settings(fake: FakeGitHub):
    with pytest.raises(GitHubInputError, match="GITHUB_APP_PRIVATE_KEY"):
        resource(fake, token="", app_id="77").collect(*QUARTER, memory_engine())


def test_a_failing_source_is_named_after_the_others_are_collected(fake: FakeGitHub):
    store = memory_engine()
    with pytest.raises(GitHubInputError, match=r"'acme/nope' \(ACHIEVEMENT_GITHUB_REPOS\)"):
        resource(fake, repos=["acme/nope"]).collect(*QUARTER, store)
    fake.reset_counts()
    resource(fake).collect(*QUARTER, store)
    assert fake.requests.count(status=304) == len(USERS)  # the good sources were stored by the failed run


def test_a_malformed_repository_name_names_its_setting(fake: FakeGitHub):
    with pytest.raises(GitHubInputError, match="ACHIEVEMENT_GITHUB_REPOS"):
        resource(fake, repos=["just-a-name"]).collect(*QUARTER, memory_engine())


def page_node(**fields: Any) -> dict[str, Any]:
    """One PR of a search page as GitHub answers the collector's query, with nothing but its identity."""
    empty = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    node: dict[str, Any] = {
        "id": "PR_1",
        "number": 1,
        "url": "https://github.com/acme/web-app/pull/1",
        "mergedAt": "2025-01-03T10:00:00Z",
        "repository": {"nameWithOwner": "acme/web-app"},
        **{name: empty for name in ("labels", "files", "reviews", "comments", "closingIssuesReferences")},
    }
    node.update(fields)
    return node


def test_a_first_commit_dated_in_its_authors_time_zone_is_recorded_in_utc():
    assembly = Assembly()
    commits = {"totalCount": 1, "nodes": [{"commit": {"authoredDate": "2025-01-02T18:30:00+05:30"}}]}
    assembly.add_pull(page_node(commits=commits))
    assert assembly.records["acme/web-app#1"]["first_commit_at"] == "2025-01-02T13:00:00Z"


def test_a_merge_time_with_a_utc_offset_is_recorded_in_utc_on_its_utc_day():
    assembly = Assembly()
    review = {"id": "R1", "author": {"login": "ada"}, "state": "APPROVED", "submittedAt": "2025-01-07T22:00:00-05:00"}
    reviews = {"nodes": [{**review, "comments": {"nodes": [], "pageInfo": {}}}], "pageInfo": {}}
    assembly.add_pull(
        page_node(mergedAt="2025-01-07T23:30:00-05:00", createdAt="2025-01-07T22:30:00-05:00", reviews=reviews)
    )
    record = assembly.records["acme/web-app#1"]
    assert (record["merged_at"], record["merge_date"]) == ("2025-01-08T04:30:00Z", "2025-01-08")
    assert (record["created_at"], record["reviews"][0]["submitted_at"]) == (
        "2025-01-08T03:30:00Z",
        "2025-01-08T03:00:00Z",
    )


def test_a_pr_github_dates_in_another_time_zone_is_collected_in_its_utc_day_only(
    fake: FakeGitHub, history: FakeHistory
):
    eastern = timezone(timedelta(hours=-5))  # 23:30 on the 7th in New York is 04:30 on the 8th in UTC
    late = new_merged_pull(
        history, repo="acme/web-app", author=USERS[0], merged_at=datetime(2025, 1, 7, 23, 30, tzinfo=eastern)
    )
    fake.apply([late])
    seventh, eighth = (
        resource(fake).collect(day, day + timedelta(days=1), memory_engine()).prs
        for day in (date(2025, 1, 7), date(2025, 1, 8))
    )
    assert late.pr_id not in {pr["pr_id"] for pr in seventh}
    [record] = [pr for pr in eighth if pr["pr_id"] == late.pr_id]
    assert (record["merged_at"], record["merge_date"]) == ("2025-01-08T04:30:00Z", "2025-01-08")


def test_a_merge_time_that_is_no_time_is_recorded_as_sent_for_the_row_rules_to_name():
    assembly = Assembly()
    assembly.add_pull(page_node(mergedAt="yesterday"))
    assert assembly.records["acme/web-app#1"]["merged_at"] == "yesterday"


def test_facts_github_answers_null_are_recorded_as_the_records_defaults():
    assembly = Assembly()
    repository = {"nameWithOwner": "acme/web-app", "owner": None, "stargazerCount": None, "forkCount": None}
    commits = {"totalCount": 0, "nodes": []}
    assembly.add_pull(page_node(repository=repository, mergeCommit=None, milestone=None, commits=commits))
    record = assembly.records["acme/web-app#1"]
    assert (record["first_commit_at"], record["merge_commit_sha"], record["repo_owner_type"]) == ("", "", "")
    assert record["milestone"] == ""
    reach = (record["repo_is_fork"], record["repo_is_private"], record["repo_stars"], record["repo_forks"])
    assert reach == (False, False, 0, 0)
