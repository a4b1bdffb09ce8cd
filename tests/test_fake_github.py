"""The fake GitHub server, driven by the real PyGithub client over HTTP.

These tests pin down the contract the collector relies on: the same seed gives the
same data, searches select exactly what GitHub would, pagination follows ``Link``
headers, details match the history, and errors surface as PyGithub's exceptions.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone

import github
import pytest
import requests
from github import Auth, Github

from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory, FakeRepo, generate_history
from achievement_pipeline.fakes.github.changes import new_merged_pull
from achievement_pipeline.fakes.github.history import parse_search_query

TOKEN = "test-token"
USER = "octo-demo"
JANUARY = "merged:2025-01-01..2025-01-31"


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history()


@pytest.fixture(scope="module")
def server(history: FakeHistory) -> Iterator[FakeGitHub]:
    with FakeGitHub(history, tokens={TOKEN}) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeGitHub) -> FakeGitHub:
    """The shared server with fresh request and rate-limit counters."""
    server.reset_counts()
    server.reset_rate_limits()
    return server


def client(fake: FakeGitHub, token: str | None = TOKEN, per_page: int = 30) -> Github:
    """PyGithub as the collector builds it, minus retries and the 0.25 s courtesy delay."""
    return Github(
        base_url=fake.base_url,
        auth=Auth.Token(token) if token else None,
        per_page=per_page,
        retry=None,
        seconds_between_requests=None,
    )


def auth_headers(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


# ------------------------------------------------------------------------- history


def test_same_seed_gives_identical_history() -> None:
    assert generate_history(seed=7) == generate_history(seed=7)
    assert generate_history(seed=7) != generate_history(seed=8)


def test_history_does_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib; from achievement_pipeline.fakes.github import generate_history; "
        "h = generate_history(users=('octo-demo', 'ada-dev')); "
        "print(hashlib.sha256(repr([(p.pr_id, p.title, p.merged_at, p.labels, p.files) for p in h.pulls])"
        ".encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_demo_user_contributes_to_several_repos_under_several_owners(history: FakeHistory) -> None:
    merged = history.merged_pulls(USER)
    repos = {p.repo for p in merged}
    assert len(repos) >= 3
    assert len({r.split("/")[0] for r in repos}) >= 2
    shared = history.pulls_in("acme/web-app")
    assert {p.author for p in shared} - {USER}, "teammates also open PRs in shared repos"


def test_merges_lie_within_range_and_follow_creation(history: FakeHistory) -> None:
    for pr in history.pulls:
        if pr.merged_at is not None:
            assert history.start <= pr.merged_at.date() <= history.end
            assert pr.created_at < pr.merged_at
            assert pr.closed_at == pr.merged_at
    hours = {p.merged_at.hour for p in history.pulls if p.merged_at}
    assert len(hours) >= 12, "merge times are spread over the UTC day"


def test_every_pr_has_its_first_commit_authored_minutes_to_days_before_it_was_opened(history: FakeHistory) -> None:
    leads = [p.created_at - p.first_commit_at for p in history.pulls if p.first_commit_at is not None]
    assert len(leads) == len(history.pulls)
    assert all(timedelta(minutes=1) <= lead <= timedelta(days=10) for lead in leads)
    assert timedelta(hours=1) < sorted(leads)[len(leads) // 2] < timedelta(days=1), "typically hours"


def test_every_merged_pr_has_its_own_40_hex_merge_commit_sha(history: FakeHistory) -> None:
    shas = [p.merge_commit_sha for p in history.pulls if p.merged_at is not None]
    assert all(sha is not None and re.fullmatch(r"[0-9a-f]{40}", sha) for sha in shas)
    assert len(set(shas)) == len(shas)


def owner_type(history: FakeHistory, repo: FakeRepo) -> str:
    owner = history.user(repo.owner)
    assert owner is not None, f"{repo.full_name}'s owner is an account of the history"
    return owner.type


def test_org_repos_belong_to_organisations_some_private_and_dotfiles_to_its_user(history: FakeHistory) -> None:
    acme = [r for r in history.repos if r.owner == "acme"]
    assert {owner_type(history, r) for r in acme} == {"Organization"}
    assert any(r.private for r in acme) and any(not r.private for r in acme)
    dotfiles = history.repo(f"{USER}/dotfiles")
    assert dotfiles is not None and owner_type(history, dotfiles) == "User"
    assert not dotfiles.private and dotfiles.stars < 50


def test_public_repos_have_more_stars_than_private_ones_and_at_most_one_is_a_fork(history: FakeHistory) -> None:
    shared = [r for r in history.repos if r.owner == "acme"]
    assert min(r.stars for r in shared if not r.private) > max(r.stars for r in shared if r.private)
    assert all(r.forks < r.stars for r in history.repos if r.stars)
    assert sum(r.fork for r in history.repos) <= 1


def test_org_repositories_gather_some_prs_in_two_or_three_milestones_and_personal_ones_none(
    history: FakeHistory,
) -> None:
    for repo in history.repos:
        pulls = history.pulls_in(repo.full_name)
        milestones = {p.milestone for p in pulls if p.milestone is not None}
        if repo.owner == USER:
            assert not milestones, repo.full_name
            continue
        assert 2 <= len(milestones) <= 3, repo.full_name
        assert len({m.number for m in milestones}) == len(milestones), "one milestone object per number"
        assert 0.15 <= sum(p.milestone is not None for p in pulls) / len(pulls) <= 0.6, repo.full_name


def test_a_milestone_gathers_prs_whose_titles_fit_it(history: FakeHistory) -> None:
    def titles(repo: str, milestone: str) -> list[str]:
        return [p.title.lower() for p in history.pulls_in(repo) if p.milestone and p.milestone.title == milestone]

    checkout, cost = titles("acme/web-app", "Checkout v2"), titles("acme/infra", "Q1 cost review")
    assert len(checkout) >= 5 and all("checkout" in t or "payment form" in t for t in checkout)
    assert cost and all(any(w in t for w in ("right-size", "autoscaling", "vpc endpoints")) for t in cost)


def test_facts_added_later_left_every_earlier_value_of_seed_42_as_it_was() -> None:
    """The demo is reproducible for a seed: new facts come from their own generators, not the main stream.

    The digest is of seed 42's history as it was before first-commit times, repository reach
    and milestones existed; a change to it changes every demo's output. Fields added since are left out.
    """
    added_later = {"first_commit_at", "milestone", "stars", "forks", "parent"}
    history = generate_history(seed=42)
    pulls = [tuple(getattr(p, f.name) for f in fields(p) if f.name not in added_later) for p in history.pulls]
    repos = [tuple(getattr(r, f.name) for f in fields(r) if f.name not in added_later) for r in history.repos]
    digest = hashlib.sha256(repr((pulls, repos, history.users)).encode()).hexdigest()
    assert digest == "b51a8e1467c78509c7eea39fe5adf53a0291cabb70c93b05c28168ce78535529"


def test_titles_mostly_use_conventional_prefixes() -> None:
    pulls = generate_history(prs_per_week=20).merged_pulls(USER)
    types = [p.change_type for p in pulls]
    share = {t: types.count(t) / len(types) for t in set(types)}
    assert share["feat"] + share["fix"] > 0.35
    assert 0.0 < share[""] < 0.2
    assert {"perf", "refactor", "docs", "chore", "ci", "test", "build"} <= set(types)
    assert any(p.intent == "security" for p in pulls) and any(p.intent == "revert" for p in pulls)


def test_bodies_carry_linked_issues_and_measurable_claims(history: FakeHistory) -> None:
    pulls = history.merged_pulls()
    linked = [p for p in pulls if p.linked_issues]
    claimed = [p for p in pulls if p.claims]
    assert linked and claimed
    assert all(f"#{p.linked_issues[0]}" in (p.body or "") for p in linked)
    assert all(claim in (p.body or "") for p in claimed for claim in p.claims)


def test_search_query_parses_date_range_forms() -> None:
    ranges = dict(parse_search_query("is:pr merged:>=2025-02-01 created:<2025-03-01").ranges)
    assert ranges["merged"].lower == datetime(2025, 2, 1, tzinfo=UTC) and ranges["merged"].upper is None
    assert ranges["created"].upper == datetime(2025, 3, 1, tzinfo=UTC)
    single = dict(parse_search_query("merged:2025-02-03").ranges)["merged"]
    assert single.contains(datetime(2025, 2, 3, 23, 59, 59, tzinfo=UTC))
    assert not single.contains(datetime(2025, 2, 4, tzinfo=UTC))


def test_merged_pulls_selects_by_utc_day_whatever_offset_a_merge_time_was_seeded_with(history: FakeHistory) -> None:
    late = new_merged_pull(
        history,
        repo="acme/web-app",
        author=USER,
        merged_at=datetime(2025, 1, 7, 23, 30, tzinfo=timezone(-timedelta(hours=5))),
    )
    seeded = history.with_pulls([late])
    assert late in seeded.merged_pulls(USER, date(2025, 1, 8), date(2025, 1, 8))
    assert late not in seeded.merged_pulls(USER, date(2025, 1, 7), date(2025, 1, 7))


# ------------------------------------------------------------------------- search


def test_search_returns_exactly_the_prs_merged_in_the_window(fake: FakeGitHub, history: FakeHistory) -> None:
    found = client(fake).search_issues(f"is:pr is:merged author:{USER} {JANUARY}")
    got = {(item.repository.full_name, item.number) for item in found}
    expected = {(p.repo, p.number) for p in history.merged_pulls(USER, date(2025, 1, 1), date(2025, 1, 31))}
    assert got == expected
    assert len({repo for repo, _ in got}) >= 2


def test_search_pagination_follows_link_headers(fake: FakeGitHub, history: FakeHistory) -> None:
    expected = len(history.merged_pulls(USER, date(2025, 1, 1), date(2025, 1, 31)))
    items = list(client(fake, per_page=5).search_issues(f"is:pr is:merged author:{USER} {JANUARY}"))
    assert len(items) == expected
    assert fake.request_count("/search/issues") == math.ceil(expected / 5)
    assert len({(i.repository_url, i.number) for i in items}) == expected


def test_link_header_offers_prev_next_last_and_first(fake: FakeGitHub) -> None:
    params = {"q": f"author:{USER} is:merged", "per_page": "5", "page": "2"}
    answer = requests.get(f"{fake.base_url}/search/issues", params=params, headers=auth_headers(), timeout=5)
    links = requests.utils.parse_header_links(answer.headers["Link"])
    by_rel = {link["rel"]: link["url"] for link in links}
    assert set(by_rel) == {"prev", "next", "last", "first"}
    assert all(url.startswith(fake.base_url + "/search/issues?") for url in by_rel.values())
    assert "page=3" in by_rel["next"] and "page=1" in by_rel["first"] and "per_page=5" in by_rel["next"]
    assert "author%3Aocto-demo" in by_rel["next"]


def test_every_search_item_was_merged_within_the_queried_window(fake: FakeGitHub) -> None:
    gh = client(fake, per_page=100)
    windows = {
        "merged:2025-02-10..2025-02-20": (date(2025, 2, 10), date(2025, 2, 20)),
        "merged:>=2025-03-15": (date(2025, 3, 15), date.max),
        "merged:<=2025-01-07": (date.min, date(2025, 1, 7)),
        "merged:2025-01-14": (date(2025, 1, 14), date(2025, 1, 14)),
    }
    for qualifier, (low, high) in windows.items():
        items = list(gh.search_issues(f"is:pr is:merged author:{USER} {qualifier}"))
        assert all(low <= i.pull_request.merged_at.date() <= high for i in items), qualifier
    assert items, "the single-day window is not empty for the default seed"


def test_search_filters_by_repo_and_org(fake: FakeGitHub, history: FakeHistory) -> None:
    gh = client(fake, per_page=100)
    in_repo = list(gh.search_issues(f"is:pr is:merged author:{USER} repo:acme/web-app"))
    assert in_repo and {i.repository.full_name for i in in_repo} == {"acme/web-app"}
    in_org = {i.repository.full_name for i in gh.search_issues(f"is:pr is:merged author:{USER} org:acme")}
    assert in_org == {p.repo for p in history.merged_pulls(USER) if p.repo.startswith("acme/")}


def test_search_for_unknown_author_is_422(fake: FakeGitHub) -> None:
    with pytest.raises(github.GithubException) as caught:
        list(client(fake).search_issues("is:pr is:merged author:no-such-user-xyz"))
    assert caught.value.status == 422
    assert "cannot be searched" in caught.value.data["errors"][0]["message"]


def test_search_caps_results_at_1000() -> None:
    busy = generate_history(prs_per_week=120)
    with FakeGitHub(busy) as fake:
        url = f"{fake.base_url}/search/issues"
        first = requests.get(url, params={"q": f"author:{USER}", "per_page": "100"}, timeout=5).json()
        last = requests.get(url, params={"q": f"author:{USER}", "per_page": "100", "page": "10"}, timeout=5)
        beyond = requests.get(url, params={"q": f"author:{USER}", "per_page": "100", "page": "11"}, timeout=5)
    assert first["total_count"] > 1_000
    assert len(last.json()["items"]) == 100 and 'rel="next"' not in last.headers["Link"]
    assert beyond.status_code == 422


# ------------------------------------------------------------------------- pull requests


def test_pull_details_match_the_history(fake: FakeGitHub, history: FakeHistory) -> None:
    pr = next(
        p
        for p in history.merged_pulls(USER)
        if len(p.files) > 1 and p.reviews and p.review_comments and p.issue_comments
    )
    pull = client(fake, per_page=2).get_repo(pr.repo).get_pull(pr.number)
    assert (pull.title, pull.merged, pull.user.login) == (pr.title, True, pr.author)
    assert (pull.additions, pull.deletions, pull.changed_files) == (pr.additions, pr.deletions, len(pr.files))
    assert pull.merged_at == pr.merged_at and [label.name for label in pull.labels] == list(pr.labels)
    assert [f.filename for f in pull.get_files()] == [f.filename for f in pr.files]
    assert [r.state for r in pull.get_reviews()] == [r.state for r in pr.reviews]
    assert pull.get_review_comments().totalCount == len(pr.review_comments) == pull.review_comments
    assert len(list(pull.get_issue_comments())) == len(pr.issue_comments) == pull.comments


def test_a_repository_lists_every_review_and_conversation_comment_of_its_prs(
    fake: FakeGitHub, history: FakeHistory
) -> None:
    # GET /repos/{o}/{r}/pulls/comments and /issues/comments, as DevLake's REST subtasks read them.
    repo_name = "acme/web-app"
    pulls = history.pulls_in(repo_name)
    repo = client(fake, per_page=100).get_repo(repo_name)
    assert sorted(c.id for c in repo.get_pulls_comments()) == sorted(c.id for p in pulls for c in p.review_comments)
    assert sorted(c.id for c in repo.get_issues_comments()) == sorted(c.id for p in pulls for c in p.issue_comments)
    since = sorted(c.created_at for p in pulls for c in p.issue_comments)[-5]
    recent = repo.get_issues_comments(sort="created", direction="asc", since=since)
    assert [c.created_at for c in recent] == sorted(c.created_at for p in pulls for c in p.issue_comments)[-5:]


def test_a_pull_shows_its_merge_commit_and_its_first_commits_authored_date(
    fake: FakeGitHub, history: FakeHistory
) -> None:
    pr = next(p for p in history.merged_pulls(USER) if p.commits > 1)
    pull = client(fake).get_repo(pr.repo).get_pull(pr.number)
    commits = list(pull.get_commits())
    assert pull.merge_commit_sha == pr.merge_commit_sha
    assert commits[0].commit.author.date == pr.first_commit_at
    assert [c.commit.author.date for c in commits] == sorted(c.commit.author.date for c in commits)


def test_a_repository_shows_its_owner_type_fork_privacy_stars_and_forks(fake: FakeGitHub, history: FakeHistory) -> None:
    gh = client(fake)
    for name in (f"{USER}/dotfiles", "acme/payments-api", "acme/web-app"):
        truth, repo = history.repo(name), gh.get_repo(name)
        assert truth is not None
        assert (repo.owner.type, repo.fork, repo.private) == (owner_type(history, truth), truth.fork, truth.private)
        assert (repo.stargazers_count, repo.forks_count) == (truth.stars, truth.forks)


# The fields of GitHub's REST ``milestone`` object (its OpenAPI description's example, as in a PR or an issue).
MILESTONE_FIELDS = {
    "url",
    "html_url",
    "labels_url",
    "id",
    "node_id",
    "number",
    "state",
    "title",
    "description",
    "creator",
    "open_issues",
    "closed_issues",
    "created_at",
    "updated_at",
    "closed_at",
    "due_on",
}


def test_a_pull_and_its_issue_show_its_milestone_in_githubs_shape(fake: FakeGitHub, history: FakeHistory) -> None:
    pr = next(p for p in history.merged_pulls(USER) if p.milestone is not None)
    truth = pr.milestone
    assert truth is not None
    repo = client(fake).get_repo(pr.repo)
    members = history.milestone_pulls(pr.repo, truth.number)
    for milestone in (repo.get_pull(pr.number).milestone, repo.get_issue(pr.number).milestone):
        assert (milestone.title, milestone.number, milestone.state) == (truth.title, truth.number, truth.state)
        assert (milestone.due_on, milestone.creator.login) == (truth.due_on, truth.creator)
        assert milestone.open_issues + milestone.closed_issues == len(members) > 1
    raw = requests.get(f"{fake.base_url}/repos/{pr.repo}/pulls/{pr.number}", headers=auth_headers(), timeout=5)
    milestone = raw.json()["milestone"]
    assert set(milestone) == MILESTONE_FIELDS
    assert milestone["html_url"] == f"https://github.com/{pr.repo}/milestone/{truth.number}"
    assert requests.get(milestone["url"], headers=auth_headers(), timeout=5).json() == milestone


def test_a_pull_in_no_milestone_shows_none(fake: FakeGitHub, history: FakeHistory) -> None:
    pr = next(p for p in history.merged_pulls(USER) if p.repo == f"{USER}/dotfiles")
    assert client(fake).get_repo(pr.repo).get_pull(pr.number).milestone is None
    missing = requests.get(f"{fake.base_url}/repos/{pr.repo}/milestones/1", headers=auth_headers(), timeout=5)
    assert missing.status_code == 404


def test_a_fork_names_the_repository_it_was_forked_from(fake: FakeGitHub) -> None:
    repo = client(fake).get_repo(f"{USER}/dotfiles")
    assert repo.fork and repo.parent.full_name == repo.source.full_name == "dotbase/dotfiles"


def test_issue_endpoint_leads_back_to_the_pull(fake: FakeGitHub, history: FakeHistory) -> None:
    pr = history.merged_pulls(USER)[0]
    issue = client(fake).get_repo(pr.repo).get_issue(pr.number)
    assert issue.pull_request is not None and issue.pull_request.merged_at == pr.merged_at
    assert issue.as_pull_request().head.ref == pr.head_ref


def test_repo_pull_listing_filters_by_state_and_paginates(fake: FakeGitHub, history: FakeHistory) -> None:
    repo = client(fake, per_page=10).get_repo("acme/web-app")
    closed = list(repo.get_pulls(state="closed", sort="created", direction="asc"))
    expected = [p.number for p in history.pulls_in("acme/web-app") if p.state == "closed"]
    assert [p.number for p in closed] == expected
    assert fake.request_count("/repos/acme/web-app/pulls") == math.ceil(len(expected) / 10)


# ------------------------------------------------------------------------- errors and auth


def test_get_unknown_user_raises_unknown_object(fake: FakeGitHub) -> None:
    with pytest.raises(github.UnknownObjectException):
        client(fake).get_user("no-such-user-xyz")


def test_unknown_repo_is_404(fake: FakeGitHub) -> None:
    with pytest.raises(github.UnknownObjectException) as caught:
        client(fake).get_repo("acme/no-such-repo")
    assert caught.value.status == 404


def test_unknown_pull_is_404(fake: FakeGitHub) -> None:
    with pytest.raises(github.UnknownObjectException):
        client(fake).get_repo("acme/web-app").get_pull(999_999)


def test_bad_token_raises_bad_credentials(fake: FakeGitHub) -> None:
    with pytest.raises(github.BadCredentialsException):
        client(fake, token="wrong").get_user().login  # noqa: B018 - the attribute access fetches


def test_missing_token_requires_authentication(fake: FakeGitHub) -> None:
    answer = requests.get(f"{fake.base_url}/user", timeout=5)
    assert answer.status_code == 401 and answer.json()["message"] == "Requires authentication"


def test_without_token_list_any_token_is_accepted() -> None:
    with FakeGitHub(generate_history(prs_per_week=1)) as open_fake:
        assert client(open_fake, token="anything").get_user().login == USER
        assert requests.get(f"{open_fake.base_url}/rate_limit", timeout=5).status_code == 200


def test_authenticated_user_is_the_first_history_user(fake: FakeGitHub) -> None:
    assert client(fake).get_user().login == USER


def test_unknown_path_is_404_with_github_body(fake: FakeGitHub) -> None:
    answer = requests.get(f"{fake.base_url}/orgs/acme/teams", headers=auth_headers(), timeout=5)
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found" and "documentation_url" in answer.json()


# ------------------------------------------------------------------------- headers


def test_rate_limit_headers_show_in_rate_limiting(fake: FakeGitHub) -> None:
    gh = client(fake)
    gh.get_repo("acme/web-app")
    gh.get_user(USER)
    assert gh.rate_limiting == (4_998, 5_000)
    list(gh.search_issues(f"author:{USER} {JANUARY}"))
    assert gh.rate_limiting == (29, 30)
    overview = gh.get_rate_limit()
    assert overview.resources.core.remaining == 4_998 and overview.resources.search.remaining == 29
    assert gh.rate_limiting_resettime > 0


def test_every_answer_has_rate_limit_headers(fake: FakeGitHub) -> None:
    for path in ("/user", "/users/no-such-user-xyz", "/search/issues?q=author:octo-demo"):
        headers = requests.get(f"{fake.base_url}{path}", headers=auth_headers(), timeout=5).headers
        assert {
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Used",
            "X-RateLimit-Reset",
            "X-RateLimit-Resource",
        } <= set(headers)
        assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_etag_allows_free_conditional_requests(fake: FakeGitHub) -> None:
    url = f"{fake.base_url}/repos/acme/web-app"
    first = requests.get(url, headers=auth_headers(), timeout=5)
    etag = first.headers["ETag"]
    assert etag == f'W/"{hashlib.sha256(first.content).hexdigest()[:32]}"'
    again = requests.get(url, headers={**auth_headers(), "If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"]


def test_server_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with FakeGitHub(generate_history(prs_per_week=1)) as quiet:
        for path in ("/user", "/nope", "/search/issues?q=author:nobody"):
            requests.get(f"{quiet.base_url}{path}", timeout=5)
    assert capfd.readouterr().err == ""
