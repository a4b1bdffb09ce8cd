"""GitHub requests, GraphQL points, speed and memory of four collectors over the same 10,000 merged PRs.

    .venv/bin/python bench/github_ingest.py [--prs 10000] [--repos 20] [--only ours,ours-org,pygithub,perceval,devlake]

The fake GitHub serves, on loopback, 10,000 merged PRs over 20 repositories shaped like
vitejs/vite's (see ``github_corpus``; needs ../shared/data/vite-prs.jsonl), with rate
limits high enough never to stop anyone. Each collector fetches every merged PR of the
20 repositories, then fetches again with nothing changed:

- ``ours``: the pipeline's collector (GraphQL pages of 100, conditional probes, cursors in a
  SQLite warehouse), one source per repository; the second pass is its ordinary incremental run.
- ``ours-org``: the same collector with the organisation as its one source: one search of
  10,000 results, ten times GitHub's 1,000-result cap.
- ``pygithub``: the straightforward PyGithub loop: ``get_pulls``, then per PR ``get_files``,
  ``get_reviews``, ``get_review_comments`` and ``get_issue_comments``; no incremental mode,
  so the second pass is the same loop.
- ``perceval``: GrimoireLab's Perceval GitHub backend (``pull_request`` category, pointed at
  the fake through ``base_url``, its ``--enterprise-url``); the second pass uses its own
  incremental mode, ``from_date`` = the newest ``updated_on`` it saw.
- ``devlake``: Apache DevLake's ``github_graphql`` pattern, replayed request for request: its PR
  query (``repository.pullRequests(first: 10)`` newest first, each PR with labels, assignees,
  commits, reviews and review requests; the same connections and ``first`` values as its
  ``pr_collector.go``), then the repository's conversation comments and review comments over
  REST (``issues/comments``, ``pulls/comments``, 100 a page), as its REST subtasks do; the
  second pass is its incremental mode (newest PRs until one older than the last run, comments
  ``since`` then).

Each pass runs in a child process (so peak memory is that collector's own RSS); requests
and GraphQL points (each query's cost as GitHub counts it, ``fakes.github.graphql_limits``)
are counted by the server, retries and all. Results: bench/results/github_ingest.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-token"
COLLECTORS = ("ours", "ours-org", "pygithub", "perceval", "devlake")


# ---------------------------------------------------------------------- the three collectors (child side)


def collect_ours(
    base_url: str, repos: list[str], window: tuple[date, date], state: Path, mode: str, org: bool = False
) -> list[str]:
    """The pipeline's collector as the ingest asset runs it, minus Dagster (a thin wrapper around it)."""
    import sqlalchemy as sa
    from github import Auth

    from achievement_pipeline.sources.github.client import open_client
    from achievement_pipeline.sources.github.collect import Collector
    from achievement_pipeline.sources.github.sources import sources_from
    from achievement_pipeline.sources.github.store import GitHubStore

    client = open_client(base_url, Auth.Token(TOKEN))
    store = GitHubStore(sa.create_engine(f"sqlite:///{state / 'ours.db'}"))
    sources = sources_from(orgs=sorted({name.split("/")[0] for name in repos})) if org else sources_from(repos=repos)
    collection = Collector(client, store, base_url).collect(sources, *window)
    return [pr["pr_id"] for pr in collection.prs]


def collect_ours_org(base_url: str, repos: list[str], window: tuple[date, date], state: Path, mode: str) -> list[str]:
    """The pipeline's collector with the organisation as one source: one search far over the 1,000 cap."""
    return collect_ours(base_url, repos, window, state, mode, org=True)


def collect_pygithub(base_url: str, repos: list[str], window: tuple[date, date], state: Path, mode: str) -> list[str]:
    import github

    gh = github.Github(
        base_url=base_url,
        auth=github.Auth.Token(TOKEN),
        per_page=100,
        retry=github.GithubRetry(),
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    found = []
    for name in repos:
        for pr in gh.get_repo(name).get_pulls(state="closed"):
            if pr.merged_at is None:
                continue
            details = (pr.get_files(), pr.get_reviews(), pr.get_review_comments(), pr.get_issue_comments())
            for listing in details:
                list(listing)
            found.append(f"{name}#{pr.number}")
    return found


def collect_perceval(base_url: str, repos: list[str], window: tuple[date, date], state: Path, mode: str) -> list[str]:
    import logging

    from perceval.backends.core.github import CATEGORY_PULL_REQUEST, GitHub

    logging.disable(logging.WARNING)
    marks_file = state / "perceval-marks.json"
    marks = json.loads(marks_file.read_text()) if mode == "again" and marks_file.exists() else {}
    found, newest = [], {}
    for name in repos:
        owner, repo = name.split("/")
        backend = GitHub(owner=owner, repository=repo, api_token=[TOKEN], base_url=base_url, max_items=100)
        since = datetime.fromtimestamp(marks[name], UTC) if name in marks else datetime(1980, 1, 1, tzinfo=UTC)
        for item in backend.fetch(category=CATEGORY_PULL_REQUEST, from_date=since):
            newest[name] = max(newest.get(name, 0.0), item["updated_on"])
            if item["data"].get("merged_at"):
                found.append(f"{name}#{item['data']['number']}")
    if mode == "first":
        marks_file.write_text(json.dumps(newest))
    return found


# DevLake's PR query (backend/plugins/github_graphql/tasks/pr_collector.go): the same connections with the same
# ``first`` values, so the same cost; the accounts are read as ``login`` only, and a team's ``name`` under an alias
# (GraphQL's validation refuses ``name`` from User and Team in one selection: String against String!). Its
# ``databaseId`` (32-bit) cannot hold the bench's ids, so answers carry errors beside the data, as GitHub's do for
# ids past 2^31; the replay reads the data, as the pages are what is counted.
DEVLAKE_PRS = """query($owner: String!, $name: String!, $pageSize: Int!, $skipCursor: String) {
  rateLimit { cost }
  repository(owner: $owner, name: $name) {
    pullRequests(first: $pageSize, after: $skipCursor, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { endCursor hasNextPage }
      totalCount
      nodes {
        databaseId number state title body url
        labels(first: 100) { nodes { id name } }
        author { login }
        assignees(first: 1) { nodes { login } }
        closedAt mergedAt updatedAt createdAt
        mergeCommit { oid }
        headRefName headRefOid baseRefName baseRefOid
        commits(first: 100) {
          pageInfo { endCursor hasNextPage }
          totalCount
          nodes { commit { oid message author { name email date } committer { date email name } } url }
        }
        reviews(first: 100) { totalCount nodes { body author { login } state databaseId commit { oid } submittedAt } }
        mergedBy { login }
        reviewRequests(first: 10) {
          nodes {
            requestedReviewer { ... on User { databaseId login name } ... on Team { databaseId teamName: name slug } }
          }
        }
      }
    }
  }
}"""
DEVLAKE_PAGE_SIZE = 10  # its CollectPrs' GraphqlCollectorArgs.PageSize


def collect_devlake(base_url: str, repos: list[str], window: tuple[date, date], state: Path, mode: str) -> list[str]:
    """DevLake's ``github_graphql`` requests for PRs, conversation comments and review comments, in order."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"bearer {TOKEN}"
    mark_file = state / "devlake-since.txt"
    since = datetime.fromisoformat(mark_file.read_text()) if mode == "again" and mark_file.exists() else None
    started = datetime.now(UTC)
    found = []
    for name in repos:
        owner, repo = name.split("/")
        cursor: str | None = None
        while True:  # newest first; an incremental run stops at the first PR created before its last run
            variables = {"owner": owner, "name": repo, "pageSize": DEVLAKE_PAGE_SIZE, "skipCursor": cursor}
            answer = session.post(f"{base_url}/graphql", json={"query": DEVLAKE_PRS, "variables": variables})
            answer.raise_for_status()
            pulls = answer.json()["data"]["repository"]["pullRequests"]
            nodes = pulls["nodes"]
            found += [f"{name}#{n['number']}" for n in nodes if n["mergedAt"]]
            old = since is not None and any(datetime.fromisoformat(n["createdAt"]) <= since for n in nodes)
            if old or not pulls["pageInfo"]["hasNextPage"]:
                break
            cursor = pulls["pageInfo"]["endCursor"]
        for listing in ("issues/comments", "pulls/comments"):  # CollectApiComments, CollectPrReviewComments
            params: dict[str, Any] = {"direction": "asc", "per_page": 100, "page": 1}
            if listing == "issues/comments":
                params["state"] = "all"
            if since is not None:
                params["since"] = since.isoformat()
            while True:
                answer = session.get(f"{base_url}/repos/{name}/{listing}", params=params)
                answer.raise_for_status()
                if 'rel="next"' not in answer.headers.get("Link", ""):
                    break
                params["page"] += 1
    if mode == "first":
        mark_file.write_text(started.isoformat())
    return found


_IMPORTS = {
    "ours": ("sqlalchemy", "achievement_pipeline.sources.github.collect"),
    "ours-org": ("sqlalchemy", "achievement_pipeline.sources.github.collect"),
    "pygithub": ("github",),
    "perceval": ("perceval.backends.core.github",),
    "devlake": ("requests",),
}


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (``VmHWM``; ``ru_maxrss`` survives exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    import importlib

    for module in _IMPORTS[args.child]:  # imports are not part of the measured time
        importlib.import_module(module)
    window = (date.fromisoformat(args.start), date.fromisoformat(args.end))
    collector = {
        "ours": collect_ours,
        "ours-org": collect_ours_org,
        "pygithub": collect_pygithub,
        "perceval": collect_perceval,
        "devlake": collect_devlake,
    }[args.child]
    started = time.perf_counter()
    prs = collector(args.base_url, args.repos.split(","), window, Path(args.state), args.mode)
    seconds = time.perf_counter() - started
    Path(args.out).write_text(json.dumps({"prs": prs, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


# ---------------------------------------------------------------------- the driver


def run_pass(name: str, mode: str, fake: Any, repos: list[str], window: tuple[date, date], state: Path) -> dict:
    out = state / f"{name}-{mode}.json"
    command = [
        sys.executable, __file__, "--child", name, "--mode", mode, "--base-url", fake.base_url,
        "--repos", ",".join(repos), "--start", window[0].isoformat(), "--end", window[1].isoformat(),
        "--state", str(state), "--out", str(out),
    ]  # fmt: skip
    fake.reset_counts()
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{name} ({mode}) failed with exit code {completed.returncode}")
    result = json.loads(out.read_text())
    counts = fake.requests.counts_by_kind()
    requests = len(fake.requests)
    return {
        "collector": name,
        "pass": mode,
        "prs": len(result["prs"]),
        "pr_ids": sorted(set(result["prs"])),
        "seconds": round(result["seconds"], 2),
        "requests": requests,
        "requests_by_kind": counts,
        "points": fake.requests.points(),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prs", type=int, default=10_000)
    parser.add_argument("--repos", default="20")
    parser.add_argument("--only", default=",".join(COLLECTORS))
    parser.add_argument("--child"), parser.add_argument("--mode"), parser.add_argument("--base-url")
    parser.add_argument("--start"), parser.add_argument("--end"), parser.add_argument("--state")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    from github_corpus import vite_history

    from achievement_pipeline.fakes.github.graphql_api import github_schema
    from achievement_pipeline.fakes.github.server import FakeGitHub

    started = time.perf_counter()
    history = vite_history(prs=args.prs, repos=int(args.repos))
    built = time.perf_counter() - started
    repos = [r.full_name for r in history.repos]
    window = (history.start, history.end + timedelta(days=1))
    truth = sorted(p.pr_id for p in history.pulls if p.merged_at is not None)
    unlimited = 10**9
    passes: list[dict] = []
    github_schema()  # the fake's one-off schema load (~1 s) is not any collector's time
    with (
        FakeGitHub(history, rate_limit=unlimited, search_rate_limit=unlimited, graphql_rate_limit=unlimited) as fake,
        tempfile.TemporaryDirectory() as scratch,
    ):
        for name in args.only.split(","):
            state = Path(scratch) / name
            state.mkdir()
            for mode in ("first", "again"):
                result = run_pass(name, mode, fake, repos, window, state)
                print(
                    f"{name:9} {mode:6} {result['prs']:6} PRs {result['requests']:7} requests "
                    f"{result['points']:6} points {result['seconds']:8.1f} s {result['peak_rss_mb']:7.1f} MB  "
                    f"{result['requests_by_kind']}",
                    flush=True,
                )
                passes.append(result)
    report(passes, truth, len(repos), built, args)


def report(passes: list[dict], truth: list[str], sources: int, built: float, args: argparse.Namespace) -> None:
    prs = len(truth)
    firsts = {p["collector"]: p for p in passes if p["pass"] == "first"}
    same = {name: p["pr_ids"] == truth for name, p in firsts.items()}
    for p in passes:
        p["requests_per_100_prs"] = round(100 * p["requests"] / prs, 2)
        p["points_per_100_prs"] = round(100 * p["points"] / prs, 2)
        p["requests_per_source"] = round(p["requests"] / sources, 2)
        p["prs_per_second"] = round(p["prs"] / p["seconds"], 1) if p["seconds"] else None
    ours = {p["pass"]: p for p in passes if p["collector"] == "ours"}
    ratios = {
        name: round(p["requests"] / ours["first"]["requests"], 1)
        for name, p in firsts.items()
        if name != "ours" and "first" in ours
    }
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/github_ingest.py" + ("" if args.prs == 10_000 else f" --prs {args.prs}")
    command += "" if args.repos == "20" else f" --repos {args.repos}"
    command += "" if args.only == ",".join(COLLECTORS) else f" --only {args.only}"
    lines = [
        f"# GitHub ingestion: {prs:,} merged PRs over {sources} repositories",
        "",
        f"Measured {when} with `{command}` (2 cores; the fake GitHub on loopback in the driver process,",
        "each pass in its own child process). PRs shaped like vitejs/vite's (../shared/data/vite-prs.jsonl),",
        "dealt over the repositories; reviews and comments drawn at the demo's rates. Requests are counted",
        "by the server (retries included); GraphQL points are each query's cost as GitHub counts it (connection",
        "requests over 100, rounded, at least 1; named fragments included). Peak memory is the collector",
        'process\'s peak RSS (VmHWM, imports included; seconds exclude the imports). "again" is a second',
        "collection with nothing changed on the server.",
        "",
        "| collector | pass | PRs | requests | requests / 100 PRs | GraphQL points / 100 PRs | requests / source "
        "| seconds | PRs / s | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in passes:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(p["requests_by_kind"].items()))
        lines.append(
            f"| {p['collector']} | {p['pass']} | {p['prs']:,} | {p['requests']:,} ({kinds}) | "
            f"{p['requests_per_100_prs']} | {p['points_per_100_prs']} ({p['points']:,}) | {p['requests_per_source']} | "
            f"{p['seconds']} | {p['prs_per_second']} | {p['peak_rss_mb']} MB |"
        )
    lines += [
        "",
        "- Same set of merged PRs as the server's, first pass: "
        + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in same.items())
        + ".",
    ]
    if ratios:
        lines.append(
            "- Requests on a first collection, relative to ours: "
            + ", ".join(f"{name} {ratio}x" for name, ratio in ratios.items())
            + "."
        )
    lines += [
        "- ours: GraphQL pages of 100 PRs with 6 lists each (files, labels, reviews, conversation comments,",
        "  closing issues, the first commit): 601 connection requests, 6 points. Review comments are read per",
        "  review (`node(id:)`, one request each) in the same query as the next page; lists longer than a page",
        "  continue the same way; files beyond 100 come over REST. ours-org: one search of 10,000 results is read",
        "  past GitHub's 1,000-result cap by continuing from the creation time the cap stopped at, so no page is",
        "  fetched twice.",
        "- ours, again: one conditional search per source, answered 304 Not Modified (free on GitHub);",
        "  the PRs are then read from the warehouse. PyGithub's loop has no incremental mode. Perceval's",
        "  `from_date` re-reads each repository's issue list from its newest update and re-fetches the PRs",
        "  updated at that moment, with their details. DevLake's incremental run reads each repository's",
        "  newest PRs and its comments since the last run.",
        "- What each fetches: ours and the PyGithub loop fetch files, reviews, review comments and conversation",
        "  comments. Perceval's `pull_request` category fetches neither files nor conversation comments (it",
        "  makes its requests for the PR, reviews, review comments, commits and users). DevLake fetches no",
        "  files (it clones the repository), reads at most 100 reviews and commits per PR without paging, and",
        "  takes the closing issues from a regular expression on the body.",
        "- Request counts and points are exact and repeat run to run; seconds and PRs/s are wall-clock on a",
        "  shared 2-core machine and moved by up to about 30% between runs.",
        f"- Building the {prs:,}-PR history: {built:.1f} s (not part of any pass).",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "github_ingest.md").write_text("\n".join(lines) + "\n")
    for p in passes:
        p.pop("pr_ids")
    summary = {"measured": when, "prs": prs, "sources": sources, "same_prs": same, "ratios": ratios, "passes": passes}
    (RESULTS / "github_ingest.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
