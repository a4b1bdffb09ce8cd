"""Stage 2, enrich: features, a summary, an achievement line, a STAR story and skills per PR."""

from collections import Counter
from datetime import UTC, datetime

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.core.pr_rules import pr_problems
from achievement_pipeline.core.redaction import redact, redact_all
from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.metadata import OWNERS, preview, warehouse_table_metadata, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.defs.unchanged import window_inputs
from achievement_pipeline.enrich.features import pr_features
from achievement_pipeline.enrich.narrative import pr_facts
from achievement_pipeline.enrich.number_check import evidence_numbers
from achievement_pipeline.enrich.verification import verify
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.warehouse import WarehouseResource


@asset(
    owners=OWNERS,
    code_version="5",
    metadata=warehouse_table_metadata("enriched_prs"),
    deps=["pull_requests"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    retry_policy=STAGE_RETRY,
    group_name="intelligence",
    kinds={"python", "sql"},
    description=(
        "Size, areas, conventional type, measurable claims, and an LLM (or offline) narrative per PR; "
        "generated text with unverified figures or implausible claims is replaced by the offline narrative. "
        "A PR the row rules refuse (no title, impossible dates, a malformed id) is set aside with its reasons."
    ),
)
@fails_clearly
def enriched_prs(
    context: AssetExecutionContext, llm: LLMResource, cache: CacheResource, warehouse: WarehouseResource
) -> MaterializeResult:
    start, end = run_window(context)
    store = warehouse.get()
    ledger = load_ledger()
    # The offline summariser's text is a function of the PR and the code: a window whose PRs, code and ledger
    # are as they were is not written again (defs/unchanged.py), and it is not cached. A model's answers live
    # in the LLM cache, keyed by prompt, which a re-run asks instead (and a fallback is asked again).
    offline = not llm.online
    inputs = window_inputs(
        store,
        "enriched_prs",
        start,
        end,
        upstream=("pull_requests",),
        code=("enrich", "defs/enrich"),
        settings=[llm.name, ledger.entries],
    )
    if offline and inputs.unchanged:  # no narrative written, so none asked for: no call, no cache look-up
        return inputs.result(
            start, end, summariser=llm.name, llm_calls=0, cache_backend=cache.backend, cache_hits=0, cache_misses=0
        )
    writer = llm.writer(cache)
    rows = []
    set_aside = []
    withheld: Counter[str] = Counter()
    now = datetime.now(UTC)
    told = []  # (pr, features, facts) of the PRs that are enriched, in window order
    for pr in store.read_window("pull_requests", start, end):
        # One PR that cannot be told (no title, impossible dates, a malformed id) is set aside with its
        # reasons, which validate turns into a rejection for Appendix A; the rest of the window goes on.
        if problems := pr_problems(pr, now):
            set_aside.append(
                {"pr_id": pr["pr_id"], "merge_date": pr["merge_date"], "stage": "enrich", "reasons": problems}
            )
            context.log.warning(redact(f"{pr['pr_id']} set aside: {'; '.join(problems)}"))
            continue
        features = pr_features(pr)  # type: ignore[arg-type]
        told.append((pr, features, pr_facts(pr, features)))  # type: ignore[arg-type]
    # The narratives are written concurrently (ACHIEVEMENT_LLM_CONCURRENCY) and come back in window order.
    narratives = writer.write_all([facts for _, _, facts in told])
    # The ledger's numbers are the same for every PR: read once per run, not once per PR.
    ledger_numbers = evidence_numbers(ledger.entries)
    for (pr, features, facts), written in zip(told, narratives, strict=True):
        evidence = evidence_numbers(facts, pr["merged_at"], pr["created_at"]) | ledger_numbers
        published = verify(written.narrative, written.summariser, facts, evidence, ledger)
        if published.withheld:
            withheld[published.withheld] += 1
            # The audit quotes the withheld text's numbers and claims: the run log leaves the warehouse too.
            context.log.warning(redact(f"{pr['pr_id']}: text by {written.summariser} {published.audit()}"))
        narrative = published.narrative
        rows.append(
            {
                **features,
                "summary": narrative.summary,
                "achievement": narrative.achievement,
                "star": narrative.star.model_dump(),
                "skills": list(narrative.skills),
                "flagged_numbers": published.flagged_numbers,
                "summariser": published.summariser,
            }
        )
    stats = writer.stats
    # "Merged in the future" reads the clock until the window has passed: only then is its text final.
    final = offline and end <= now.date()
    # The window's rows and what it set aside, in one transaction: a re-run replaces both together.
    written_rows = store.replace_windows(
        start, end, {"enriched_prs": rows, "set_aside": set_aside}, inputs=inputs.inputs if final else ""
    )["enriched_prs"]
    return MaterializeResult(
        metadata={
            **window_metadata(start, end),
            "row_count": written_rows,
            "summariser": llm.name,
            "llm_calls": stats.calls,
            "llm_tokens": stats.tokens,
            "llm_cost_usd": round(stats.cost_usd, 6),
            "llm_budget_usd": llm.budget_usd,
            "llm_budget_exhausted": writer.budget.exhausted,
            "llm_fallbacks": stats.fallbacks,
            # provider -> its first error (an error can quote the prompt, so it is redacted like any PR text)
            "llm_providers_skipped": MetadataValue.json(redact_all(dict(writer.breaker.opened))),
            "llm_invalid_outputs": stats.invalid_outputs,
            "llm_withheld": sum(withheld.values()),
            "llm_withheld_reasons": MetadataValue.json(dict(withheld)),
            "llm_models": MetadataValue.json(dict(stats.models)),
            "cache_backend": cache.backend,
            "cache_hits": stats.cache_hits,
            "cache_misses": 0 if offline else written_rows - stats.cache_hits,  # offline asks no cache
            "flagged_numbers": sum(len(r["flagged_numbers"]) for r in rows),
            # Cells are redacted and escaped by preview: the achievement is model text, untrusted Markdown.
            "preview": preview(rows, ["pr_id", "conventional_type", "size_class", "summariser", "achievement"]),
            "set_aside": len(set_aside),
            "set_aside_prs": preview(set_aside, ["pr_id", "reasons"]),
        }
    )
