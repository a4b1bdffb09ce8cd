"""The materialization ledger: run-level totals counted once per run, latest figures as gauges."""

from __future__ import annotations

from pathlib import Path

from achievement_pipeline.monitoring.materializations import Materialization, MaterializationLedger
from tests.metrics_support import samples

_ids = iter(range(1, 10_000))


def event(asset: str, run_id: str, ts: float = 1_700_000_000.0, texts: dict | None = None, **numbers: float):
    return Materialization(next(_ids), asset, run_id, ts, numbers, texts or {})


def test_a_partition_range_run_counts_its_requests_once():
    ledger = MaterializationLedger()
    # One run over three days writes three materializations, each with the run's figures.
    ledger.update(event("pull_requests", "run-1", github_requests=40, row_count=9) for _ in range(3))
    ledger.update([event("pull_requests", "run-2", github_requests=5, row_count=1)])
    got = samples(ledger)
    assert got[("achievement_github_requests_total", ())] == 45
    assert got[("achievement_asset_materializations_total", (("asset", "pull_requests"),))] == 4


def test_latest_figures_come_from_the_newest_materialization():
    ledger = MaterializationLedger()
    ledger.update([event("pull_requests", "r1", ts=1.0, rate_limit_remaining=4000, row_count=7)])
    ledger.update([event("pull_requests", "r2", ts=2.0, rate_limit_remaining=120, row_count=3)])
    got = samples(ledger)
    assert got[("achievement_github_rate_limit_remaining", ())] == 120
    assert got[("achievement_asset_rows", (("asset", "pull_requests"),))] == 3
    assert got[("achievement_asset_last_materialization_timestamp_seconds", (("asset", "pull_requests"),))] == 2.0


def test_an_event_at_or_before_the_cursor_is_ignored():
    ledger = MaterializationLedger()
    first = event("enriched_prs", "r1", llm_calls=4)
    ledger.update([first])
    ledger.update([first])
    assert ledger.cursor == first.storage_id
    assert samples(ledger)[("achievement_llm_calls_total", ())] == 4


def test_llm_tokens_cost_and_budget_read_zero_until_a_run_reports_them():
    ledger = MaterializationLedger()
    ledger.update([event("enriched_prs", "r1", llm_calls=2, cache_hits=1, cache_misses=1)])
    got = samples(ledger)
    assert got[("achievement_llm_tokens_total", ())] == 0
    assert got[("achievement_llm_cost_usd_total", ())] == 0
    assert got[("achievement_llm_budget_usd", ())] == 0


def test_llm_spend_accumulates_and_the_latest_run_is_compared_with_its_budget():
    ledger = MaterializationLedger()
    ledger.update([event("enriched_prs", "r1", llm_tokens=1000, llm_cost_usd=0.5, llm_budget_usd=2.0)])
    ledger.update([event("enriched_prs", "r2", llm_tokens=3000, llm_cost_usd=1.75, llm_budget_usd=2.0)])
    got = samples(ledger)
    assert got[("achievement_llm_tokens_total", ())] == 4000
    assert got[("achievement_llm_cost_usd_total", ())] == 2.25
    assert got[("achievement_llm_last_run_cost_usd", ())] == 1.75
    assert got[("achievement_llm_budget_usd", ())] == 2.0


def test_validation_and_portfolio_figures_carry_their_labels():
    ledger = MaterializationLedger()
    ledger.update([event("validated_achievements", "r1", accepted=8, rejected=2)])
    ledger.update(
        [event("portfolio", "r1", achievements=8, rejected=2, value_low=10, value_expected=20, value_high=40)]
    )
    got = samples(ledger)
    assert got[("achievement_validated_total", (("status", "rejected"),))] == 2
    assert got[("achievement_last_validation", (("status", "accepted"),))] == 8
    assert got[("achievement_portfolio_value", (("estimate", "low"),))] == 10
    assert got[("achievement_portfolio_value", (("estimate", "high"),))] == 40
    assert got[("achievement_portfolio_achievements", ())] == 8


def test_the_model_versions_of_the_latest_predictions_are_an_info_metric():
    ledger = MaterializationLedger()
    versions = "pr-category:3,impact-scorecard-v1,pr-review-sentiment:2"
    ledger.update([event("predictions", "r1", texts={"model_versions": versions}, row_count=4)])
    got = samples(ledger)
    assert got[("achievement_predictions_models_info", (("model_versions", versions),))] == 1


def test_prs_processed_are_counted_per_stage_once_per_run():
    ledger = MaterializationLedger()
    ledger.update(event("pull_requests", "run-1", row_count=30) for _ in range(3))  # a three-day range run
    ledger.update([event("enriched_prs", "run-1", row_count=30), event("pull_requests", "run-2", row_count=4)])
    got = samples(ledger)
    assert got[("achievement_prs_processed_total", (("stage", "pull_requests"),))] == 34
    assert got[("achievement_prs_processed_total", (("stage", "enriched_prs"),))] == 30


def test_the_processing_success_ratio_is_the_accepted_share_of_the_latest_validation():
    ledger = MaterializationLedger()
    ledger.update([event("validated_achievements", "r1", accepted=1, rejected=1)])
    ledger.update([event("validated_achievements", "r2", accepted=9, rejected=1)])
    assert samples(ledger)[("achievement_processing_success_ratio", ())] == 0.9


def test_the_processing_success_ratio_is_absent_when_nothing_was_judged():
    ledger = MaterializationLedger()
    ledger.update([event("validated_achievements", "r1", accepted=0, rejected=0)])
    assert ("achievement_processing_success_ratio", ()) not in samples(ledger)


def test_inference_time_of_the_predictions_stage_is_a_latest_gauge_and_a_total():
    ledger = MaterializationLedger()
    ledger.update([event("predictions", "r1", inference_seconds=1.5, row_count=10)])
    ledger.update([event("predictions", "r2", inference_seconds=0.5, row_count=2)])
    got = samples(ledger)
    assert got[("achievement_model_last_inference_duration_seconds", ())] == 0.5
    assert got[("achievement_model_inference_seconds_total", ())] == 2.0


STAGE_MODULES = {
    "pull_requests": "ingest",
    "enriched_prs": "enrich",
    "predictions": "predict",
    "valuations": "value",
    "validated_achievements": "validate",
    "portfolio": "export",
}


DEFS = Path(__file__).resolve().parents[1] / "achievement_pipeline" / "defs"


def _reported(asset: str, key: str) -> bool:
    return f'"{key}"' in (DEFS / STAGE_MODULES[asset] / "assets.py").read_text()


def test_every_metadata_key_the_exporter_reads_is_one_its_stage_reports():
    from achievement_pipeline.monitoring.materializations import LATEST, TOTALS

    missing = {f"{f.asset}.{f.key}" for f in (*TOTALS, *LATEST) if not _reported(f.asset, f.key)}
    assert missing == set()


def test_the_predictions_stage_reports_its_inference_time():
    assert _reported("predictions", "inference_seconds")
