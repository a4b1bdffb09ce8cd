"""Stage 1, ingest: merged pull requests of the run's window, from GitHub into the warehouse."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.core.text import md_escape
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource


@asset(
    owners=OWNERS,
    code_version="2",
    metadata=warehouse_table_metadata("pull_requests"),
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    retry_policy=STAGE_RETRY,
    group_name="ingest",
    kinds={"github", "sql"},
    description="Merged pull requests (files, reviews, review comments, conversation, labels, closed issues, "
    "commit count) by UTC merge day, collected incrementally through GitHub's GraphQL API.",
)
@fails_clearly
def pull_requests(
    context: AssetExecutionContext, github: GitHubResource, warehouse: WarehouseResource
) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    collection = github.collect(start, end, store.engine)
    written = store.replace_window("pull_requests", start, end, collection.prs)
    fetched = sum(report.fetched for report in collection.sources)
    context.log.info(
        f"{written} merged PRs for {start}..{end}: {fetched} fetched in {collection.total_requests} GitHub "
        f"requests ({collection.requests.get('not_modified', 0)} answered 304 Not Modified)"
    )
    set_aside = [vars(item) for item in collection.set_aside]
    for item in set_aside:
        context.log.warning(f"{item['pr_id']} left out: its stored copy was set aside ({item['reason']})")
    metadata = {
        **window_metadata(start, end),
        "row_count": written,
        "github_requests": collection.total_requests,
        "github_graphql_requests": collection.requests.get("graphql", 0),
        "github_rest_requests": collection.requests.get("rest", 0) + collection.requests.get("search", 0),
        "github_not_modified": collection.requests.get("not_modified", 0),
        "github_graphql_points": collection.points,
        "prs_fetched": fetched,
        "github_base_url": MetadataValue.url(github.resolved_base_url()),
        "repositories": len({pr["repo"] for pr in collection.prs}),
        # Private work and what the token could see of each source (the portfolio states both).
        "private_prs": sum(1 for pr in collection.prs if pr.get("repo_is_private")),
        "token_sees": MetadataValue.md(
            "| source | visible | private repositories it could list |\n|---|---|---|\n"
            + "\n".join(
                f"| {md_escape(item.source)} | {'yes' if item.visible else 'no'} | "
                f"{len(item.private_repositories) if item.listed else 'not listed (a user source)'} |"
                for item in collection.visibility
            )
        ),
        "sources": MetadataValue.md(
            "| source | GitHub said | pages | PRs fetched |\n|---|---|---|---|\n"
            + "\n".join(f"| {r.source} | {r.outcome} | {r.pages} | {r.fetched} |" for r in collection.sources)
        ),
        "preview": preview(collection.prs, ["pr_id", "merge_date", "title", "additions", "deletions"]),
        # Stored copies that could not be read as PRs: left out of the table (github_pulls_set_aside keeps them).
        "unreadable_copies": len(set_aside),
        "unreadable_copies_set_aside": MetadataValue.json(set_aside),
    }
    if collection.rate_limit_remaining is not None:
        metadata["rate_limit_remaining"] = collection.rate_limit_remaining
    for resource, state in sorted(collection.rates.items()):
        metadata[f"rate_limit_remaining_{resource}"] = state.remaining
        metadata[f"rate_limit_reset_{resource}"] = state.as_dict()["reset"]
    return MaterializeResult(metadata=metadata)
