"""Stage 2, enrich: features, a summary and a one-line achievement statement per PR."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from achievement_pipeline.assets._common import preview, run_window, window_metadata
from achievement_pipeline.assets.ingest import pull_requests
from achievement_pipeline.features import pr_features
from achievement_pipeline.partitions import daily_partitions, single_run
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.warehouse import WarehouseResource


@asset(
    deps=[pull_requests],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="intelligence",
    kinds={"python", "sql"},
    description="Size, areas, conventional type, measurable claims, and an LLM (or offline) summary per PR.",
)
def enriched_prs(
    context: AssetExecutionContext, llm: LLMResource, cache: CacheResource, warehouse: WarehouseResource
) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    rows = []
    cache_hits = 0
    for pr in store.read_window("pull_requests", start, end):
        features = pr_features(pr)  # type: ignore[arg-type]
        summary, cached = llm.summarise(pr, features, cache)  # type: ignore[arg-type]
        cache_hits += int(cached)
        rows.append(
            {
                **features,
                "summary": summary.summary,
                "achievement": summary.achievement,
                "summariser": summary.summariser,
            }
        )
    written = store.replace_window("enriched_prs", start, end, rows)
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written,
            "summariser": llm.name,
            "llm_calls": llm.calls,
            "llm_fallbacks": llm.fallbacks,
            "cache_backend": cache.backend,
            "cache_hits": cache_hits,
            "cache_misses": written - cache_hits,
            "preview": preview(rows, ["pr_id", "conventional_type", "size_class", "areas", "achievement"]),
        }
    )
