"""Stage 1, ingest: merged pull requests of the run's window, from GitHub into the warehouse."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.assets._common import preview, run_window, window_metadata
from achievement_pipeline.partitions import daily_partitions, single_run
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource


@asset(
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="ingest",
    kinds={"github", "sql"},
    description="Merged pull requests (files, reviews, review comments, conversation, labels) by UTC merge day.",
)
def pull_requests(
    context: AssetExecutionContext, github: GitHubResource, warehouse: WarehouseResource
) -> MaterializeResult:
    start, end = run_window(context)
    collection = github.collect(start, end)
    written = warehouse.get().replace_window("pull_requests", start, end, collection.prs)
    context.log.info(f"{written} merged PRs for {start}..{end} in {collection.requests} GitHub requests")
    metadata = {
        **window_metadata(start, end),
        "row_count": written,
        "github_requests": collection.requests,
        "github_base_url": MetadataValue.url(github.resolved_base_url()),
        "repositories": len({pr["repo"] for pr in collection.prs}),
        "preview": preview(collection.prs, ["pr_id", "merge_date", "title", "additions", "deletions"]),
    }
    if collection.rate_limit_remaining is not None:
        metadata["rate_limit_remaining"] = collection.rate_limit_remaining
    return MaterializeResult(metadata=metadata)
