"""The fake GitHub's GraphQL API and its faults, driven by PyGithub's requester over HTTP.

A query GitHub would refuse must be refused here too, for GitHub's reasons: not in the
published schema, a connection read without ``first``/``last`` or with more than 100,
more than 500,000 nodes. Faults must look on the wire the way GitHub's look.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import github
import pytest
import requests
from github import Auth

from achievement_pipeline.fakes.github import FakeGitHub, FakeHistory, generate_history
from achievement_pipeline.fakes.github.faults import Fault
from achievement_pipeline.fakes.github.graphql_api import SCHEMA_FILE
from achievement_pipeline.fakes.github.model import legacy_node_id
from achievement_pipeline.fakes.github.payloads import timestamp
from achievement_pipeline.sources.github.queries import Continuation, PageShape, page_query, search_query
from tests.github_support import app_keys

SHARED_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "github-graphql" / "schema.graphql"
QUERY = "is:pr is:merged author:octo-demo sort:created-asc"


@pytest.fixture(scope="module")
def history() -> FakeHistory:
    return generate_history()


@pytest.fixture(scope="module")
def server(history: FakeHistory) -> Iterator[FakeGitHub]:
    with FakeGitHub(history, tokens={"t"}) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeGitHub) -> FakeGitHub:
    server.faults.clear()
    server.reset_counts()
    server.reset_rate_limits()
    return server


def post(fake: FakeGitHub, query: str, variables: dict[str, Any] | None = None, token: str | None = "t") -> Any:
    headers = {"Authorization": f"bearer {token}"} if token else {}
    return requests.post(
        f"{fake.base_url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


def test_the_packaged_schema_is_githubs_published_schema():
    if not SHARED_SCHEMA.exists():
        pytest.skip("../shared is not checked out next to the project")
    assert gzip.decompress(SCHEMA_FILE.read_bytes()) == SHARED_SCHEMA.read_bytes()


def test_the_collectors_page_query_is_accepted_and_returns_prs(fake: FakeGitHub, history: FakeHistory):
    gh = github.Github(base_url=fake.base_url, auth=Auth.Token("t"), seconds_between_writes=None)
    _, data = gh.requester.graphql_query(search_query(PageShape()), {"q": QUERY, "first": 100, "after": None})
    search = data["data"]["search"]
    assert search["issueCount"] == len(history.merged_pulls("octo-demo"))
    assert {n["number"] for n in search["nodes"]} == {p.number for p in history.merged_pulls("octo-demo")}


def test_the_collectors_page_query_costs_6_points_per_100_prs(fake: FakeGitHub):
    # 1 search + 100 PRs x 6 lists (commits, labels, files, reviews, comments, closing issues) = 601 requests
    # -> 6 points. The repository's facts, the merge commit and the first commit are single objects or a list
    # already counted: nodes, not points. Review comments are looked up per review, with the next page.
    gh = github.Github(base_url=fake.base_url, auth=Auth.Token("t"), seconds_between_writes=None)
    _, data = gh.requester.graphql_query(search_query(PageShape()), {"q": QUERY, "first": 100, "after": None})
    assert data["data"]["rateLimit"]["cost"] == 6


PULL_COMMITS = """query($id: ID!) { node(id: $id) { ... on PullRequest {
  mergeCommit { oid authoredDate }
  commits(first: 1) { totalCount nodes { commit { authoredDate } } }
} } }"""
REPOSITORY_FACTS = """query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
  isFork isPrivate stargazerCount forkCount owner { __typename login }
} }"""


def test_a_merged_pull_request_answers_its_merge_commit_and_its_first_commits_authored_date(
    fake: FakeGitHub, history: FakeHistory
):
    pr = history.merged_pulls("octo-demo")[0]
    node = post(fake, PULL_COMMITS, {"id": legacy_node_id("PullRequest", pr.id)}).json()["data"]["node"]
    assert node["mergeCommit"] == {"oid": pr.merge_commit_sha, "authoredDate": timestamp(pr.merged_at)}
    assert node["commits"]["totalCount"] == pr.commits
    assert node["commits"]["nodes"][0]["commit"]["authoredDate"] == timestamp(pr.first_commit_at)


PULL_MILESTONE = """query($id: ID!) { node(id: $id) { ... on PullRequest {
  milestone { title number state dueOn url creator { login } pullRequests(first: 100) { totalCount nodes { number } } }
} } }"""


def test_a_pull_request_answers_its_milestone_and_the_milestone_its_pull_requests(
    fake: FakeGitHub, history: FakeHistory
):
    pr = next(p for p in history.merged_pulls("octo-demo") if p.milestone is not None)
    truth = pr.milestone
    assert truth is not None
    node = post(fake, PULL_MILESTONE, {"id": legacy_node_id("PullRequest", pr.id)}).json()["data"]["node"]
    members = [p.number for p in history.milestone_pulls(pr.repo, truth.number)]
    assert node["milestone"] == {
        "title": truth.title,
        "number": truth.number,
        "state": truth.state.upper(),
        "dueOn": timestamp(truth.due_on),
        "url": f"https://github.com/{pr.repo}/milestone/{truth.number}",
        "creator": {"login": truth.creator},
        "pullRequests": {"totalCount": len(members), "nodes": [{"number": n} for n in members]},
    }


def test_a_pull_request_in_no_milestone_answers_null(fake: FakeGitHub, history: FakeHistory):
    pr = next(p for p in history.merged_pulls("octo-demo") if p.milestone is None)
    node = post(fake, PULL_MILESTONE, {"id": legacy_node_id("PullRequest", pr.id)}).json()["data"]["node"]
    assert node == {"milestone": None}


def test_a_pull_request_not_merged_has_no_merge_commit(fake: FakeGitHub, history: FakeHistory):
    pr = next(p for p in history.pulls if p.merged_at is None)
    node = post(fake, PULL_COMMITS, {"id": legacy_node_id("PullRequest", pr.id)}).json()["data"]["node"]
    assert node["mergeCommit"] is None


def test_a_timestamp_is_written_in_utc_with_z_or_with_the_offset_it_was_seeded_with():
    eastern = timezone(timedelta(hours=-5))
    assert timestamp(datetime(2025, 1, 8, 4, 30, tzinfo=UTC)) == "2025-01-08T04:30:00Z"
    assert timestamp(datetime(2025, 1, 7, 23, 30, tzinfo=eastern)) == "2025-01-07T23:30:00-05:00"
    assert timestamp(datetime(2025, 1, 8, 4, 30)) == "2025-01-08T04:30:00Z"  # naive: UTC


@pytest.mark.parametrize("name", ["octo-demo/dotfiles", "acme/payments-api", "acme/web-app"])
def test_a_repository_answers_its_owner_type_fork_privacy_and_reach(fake: FakeGitHub, history: FakeHistory, name: str):
    repo, (owner, _, short) = history.repo(name), name.partition("/")
    assert repo is not None
    answer = post(fake, REPOSITORY_FACTS, {"owner": owner, "name": short}).json()["data"]["repository"]
    assert answer == {
        "isFork": repo.fork,
        "isPrivate": repo.private,
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "owner": {"__typename": "User" if owner == "octo-demo" else "Organization", "login": owner},
    }


def test_a_field_github_does_not_have_is_refused(fake: FakeGitHub):
    body = post(fake, "{ viewer { login favouriteColour } }").json()
    assert "data" not in body and "favouriteColour" in body["errors"][0]["message"]


def test_a_connection_read_without_first_or_last_is_refused(fake: FakeGitHub):
    body = post(fake, '{ search(query: "is:pr", type: ISSUE) { nodes { __typename } } }').json()
    assert body["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"


def test_a_connection_counted_without_reading_nodes_needs_no_first(fake: FakeGitHub):
    query = '{ repository(owner: "acme", name: "web-app") { pullRequests { totalCount } } }'
    assert post(fake, query).json()["data"]["repository"]["pullRequests"]["totalCount"] > 0


def test_more_than_100_records_per_page_are_refused(fake: FakeGitHub):
    query = 'query($n: Int!) { search(query: "is:pr", type: ISSUE, first: $n) { nodes { __typename } } }'
    body = post(fake, query, {"n": 101}).json()
    assert body["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_more_than_500000_nodes_are_refused(fake: FakeGitHub):
    query = (
        '{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest { '
        "reviews(first: 100) { nodes { comments(first: 100) { nodes { body } } } } } } } }"
    )
    assert post(fake, query).json()["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"


def test_a_query_costs_its_connection_requests_over_100_in_points(fake: FakeGitHub):
    # GitHub's example: 1 + 100 + 100 x 50 = 5,101 requests -> 51 points.
    query = (
        '{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest { '
        "reviews(first: 50) { nodes { comments(first: 60) { nodes { body } } } } } } } "
        "rateLimit { cost remaining } }"
    )
    answer = post(fake, query)
    assert answer.json()["data"]["rateLimit"]["cost"] == 51
    assert answer.headers["X-RateLimit-Resource"] == "graphql"
    assert answer.headers["X-RateLimit-Used"] == "51"


def test_connections_inside_named_fragments_are_priced_like_inline_ones(fake: FakeGitHub):
    # 1 search + 100 x reviews + 100 x 10 reviews' comments = 1,101 requests -> 11 points, however it is spelled.
    inline = (
        '{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest { '
        "reviews(first: 10) { nodes { comments(first: 10) { nodes { body } } } } } } } rateLimit { cost } }"
    )
    named = (
        '{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ...Pull } } rateLimit { cost } }\n'
        "fragment Pull on PullRequest { reviews(first: 10) { nodes { ...Review } } }\n"
        "fragment Review on PullRequestReview { comments(first: 10) { nodes { body } } }"
    )
    assert [post(fake, q).json()["data"]["rateLimit"]["cost"] for q in (inline, named)] == [11, 11]


REVIEW_COMMENTS = """query($id: ID!, $after: String) { node(id: $id) { ... on PullRequestReview {
  comments(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { body path } }
} } rateLimit { cost } }"""


def test_a_reviews_comments_page_on_from_its_cursor_through_a_node_lookup(fake: FakeGitHub, history: FakeHistory):
    pr = next(p for p in history.merged_pulls("octo-demo") if len(p.review_comments) >= 3)
    review_id = Counter(c.review_id for c in pr.review_comments).most_common(1)[0][0]
    truth = [c.body for c in pr.review_comments if c.review_id == review_id]
    bodies, after, costs = [], None, []
    while True:
        answer = post(fake, REVIEW_COMMENTS, {"id": legacy_node_id("PullRequestReview", review_id), "after": after})
        data = answer.json()["data"]
        comments = data["node"]["comments"]
        assert comments["totalCount"] == len(truth)
        bodies += [n["body"] for n in comments["nodes"]]
        costs.append(data["rateLimit"]["cost"])
        if not comments["pageInfo"]["hasNextPage"]:
            break
        after = comments["pageInfo"]["endCursor"]
    assert bodies == truth and len(costs) == -(-len(truth) // 2) and set(costs) == {1}


def test_the_collectors_page_with_a_review_lookup_per_review_of_the_page_before_costs_7_points(fake: FakeGitHub):
    # 1 search + 100 PRs x 6 lists + 142 lookups (the demo's 1.42 reviews per PR) = 743 requests -> 7 points.
    pr = next(p for p in fake.history.merged_pulls("octo-demo") if p.reviews)
    review = legacy_node_id("PullRequestReview", pr.reviews[0].id)
    items = [Continuation(pr.pr_id, review, "review_comments", None)] * 142
    query, variables = page_query(PageShape(), items)
    answer = post(fake, query, {**variables, "q": QUERY, "first": 100, "after": None}).json()
    assert answer["data"]["rateLimit"]["cost"] == 7
    comments = [answer["data"][f"c{i}"]["comments"]["nodes"] for i in range(142)]
    assert (
        comments[0]
        == comments[141]
        == [
            {"author": {"login": c.user}, "body": c.body, "path": c.path}
            for c in pr.review_comments
            if c.review_id == pr.reviews[0].id
        ]
    )


def test_search_pages_with_cursors_and_stops_at_1000_results():
    history = generate_history(prs_per_week=100, repos_per_user=2)
    merged = len(history.merged_pulls("octo-demo"))
    assert merged > 1_000
    query = "query($after: String) { search(query: $q, type: ISSUE, first: 100, after: $after) { issueCount "
    query = query.replace("$q", '"is:pr is:merged author:octo-demo"')
    query += "pageInfo { hasNextPage endCursor } nodes { ... on PullRequest { number } } } }"
    with FakeGitHub(history) as fake:
        seen, after = 0, None
        while True:
            search = post(fake, query, {"after": after}).json()["data"]["search"]
            seen += len(search["nodes"])
            if not search["pageInfo"]["hasNextPage"]:
                break
            after = search["pageInfo"]["endCursor"]
    assert search["issueCount"] == merged and seen == 1_000


def test_graphql_needs_a_token(fake: FakeGitHub):
    answer = post(fake, "{ viewer { login } }", token=None)
    assert answer.status_code == 401 and "authenticated" in answer.json()["message"]


def test_a_missing_repository_is_not_found_inside_a_200(fake: FakeGitHub):
    body = post(fake, '{ repository(owner: "acme", name: "nope") { name } }').json()
    assert body["data"] == {"repository": None} and body["errors"][0]["type"] == "NOT_FOUND"


def test_enterprise_paths_serve_rest_under_api_v3_and_graphql_under_api(fake: FakeGitHub):
    gh = github.Github(base_url=fake.enterprise_url, auth=Auth.Token("t"), seconds_between_writes=None)
    assert gh.requester.graphql_url.endswith("/api/graphql")
    assert gh.get_user("octo-demo").login == "octo-demo"
    _, data = gh.requester.graphql_query("{ viewer { login } }", {})
    assert data["data"]["viewer"]["login"] == "octo-demo"


def test_requests_are_counted_by_kind(fake: FakeGitHub):
    post(fake, "{ viewer { login } }")
    requests.get(f"{fake.base_url}/search/issues", params={"q": QUERY}, headers={"Authorization": "token t"})
    requests.get(f"{fake.base_url}/users/octo-demo", headers={"Authorization": "token t"})
    assert fake.requests.counts_by_kind() == {"graphql": 1, "search": 1, "rest": 1}


def test_a_conditional_search_with_the_etag_is_a_free_304(fake: FakeGitHub):
    url, auth = f"{fake.base_url}/search/issues", {"Authorization": "token t"}
    first = requests.get(url, params={"q": QUERY, "per_page": 1}, headers=auth)
    again = requests.get(
        url, params={"q": QUERY, "per_page": 1}, headers={**auth, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"]
    assert fake.requests.counts_by_kind()["not_modified"] == 1


# ------------------------------------------------------------------------ faults


def test_a_primary_limit_fault_answers_403_until_its_reset(fake: FakeGitHub):
    fake.faults.inject(Fault("primary_rate_limit", target="graphql", reset_in=60))
    answer = post(fake, "{ viewer { login } }")
    assert answer.status_code == 403 and answer.json()["message"].startswith("API rate limit exceeded")
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert int(answer.headers["X-RateLimit-Reset"]) >= int(time.time()) + 58
    assert post(fake, "{ viewer { login } }").status_code == 403  # still spent: the reset has not come


def test_a_primary_limit_fault_can_answer_graphql_with_a_rate_limited_error_instead(fake: FakeGitHub):
    fake.faults.inject(Fault("primary_rate_limit", target="graphql", reset_in=60, graphql_200=True))
    answer = post(fake, "{ viewer { login } }")
    assert answer.status_code == 200 and answer.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert answer.headers["X-RateLimit-Remaining"] == "0"


def test_a_secondary_limit_fault_answers_403_with_retry_after(fake: FakeGitHub):
    fake.faults.inject(Fault("secondary_rate_limit", target="rest", retry_after=7))
    answer = requests.get(f"{fake.base_url}/users/octo-demo", headers={"Authorization": "token t"})
    assert answer.status_code == 403 and answer.headers["Retry-After"] == "7"
    assert answer.json()["message"].startswith("You have exceeded a secondary rate limit")


def test_server_error_faults_hit_every_nth_matching_request_the_given_number_of_times(fake: FakeGitHub):
    fake.faults.inject(Fault("server_error", target="graphql", every=2, times=2))
    statuses = [post(fake, "{ viewer { login } }").status_code for _ in range(6)]
    assert statuses == [502, 200, 502, 200, 200, 200]


def test_a_heavy_query_fault_spares_lighter_queries(fake: FakeGitHub):
    fake.faults.inject(Fault("server_error", target="graphql", min_nodes=1_000, times=None))
    heavy = '{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest { files(first: 20) { nodes { path } } } } } }'  # noqa: E501
    light = heavy.replace("first: 100", "first: 10")
    assert post(fake, heavy).status_code == 502
    assert post(fake, light).status_code == 200


@pytest.mark.parametrize("mid_body", [True, False], ids=["mid-body", "before-answering"])
def test_a_dropped_connection_fault_hangs_up(fake: FakeGitHub, mid_body: bool):
    fake.faults.inject(Fault("drop_connection", target="graphql", mid_body=mid_body))
    with pytest.raises(requests.exceptions.RequestException):  # ConnectionError, or ChunkedEncodingError mid-body
        post(fake, "{ viewer { login } }")
    assert post(fake, "{ viewer { login } }").status_code == 200


def test_a_slow_fault_delays_the_answer(fake: FakeGitHub):
    fake.faults.inject(Fault("slow", target="graphql", delay=0.3))
    started = time.monotonic()
    assert post(fake, "{ viewer { login } }").status_code == 200
    assert time.monotonic() - started >= 0.3


# ------------------------------------------------------------------------ GitHub Apps


def test_a_github_app_installation_token_is_issued_for_a_signed_jwt_and_accepted(history: FakeHistory):
    private, public = app_keys()
    with FakeGitHub(history, tokens={"someone-else"}, apps={123: public}, installations={456: 123}) as fake:
        auth = Auth.AppAuth(123, private).get_installation_auth(456)
        gh = github.Github(base_url=fake.base_url, auth=auth, seconds_between_writes=None)
        _, data = gh.requester.graphql_query("{ viewer { login } }", {})
        assert data["data"]["viewer"]["login"] == "octo-demo"
        assert fake.requests.count(kind="app", status=201) == 1


# ------------------------------------------------------------------------ live changes


def test_the_control_endpoint_merges_new_prs_and_labels_old_ones(history: FakeHistory):
    with FakeGitHub(history) as fake:
        merged = requests.post(f"{fake.base_url}/_fake/pulls", json={"repo": "acme/web-app", "count": 2}).json()
        old = history.merged_pulls("octo-demo")[0]
        requests.post(f"{fake.base_url}/_fake/pulls", json={"pr": old.pr_id, "label": "late"})
        found = requests.get(
            f"{fake.base_url}/search/issues",
            params={"q": "is:pr is:merged author:octo-demo sort:updated-desc", "per_page": 3},
        ).json()["items"]
    by_id = {f"{i['repository_url'].rsplit('/repos/', 1)[1]}#{i['number']}": i for i in found}
    assert set(by_id) == {*merged["merged"], old.pr_id}
    assert "late" in [label["name"] for label in by_id[old.pr_id]["labels"]]
