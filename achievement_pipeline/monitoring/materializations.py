"""Materialization metadata as metrics: row counts, GitHub budget, LLM spend, rejections, value.

Every stage already reports its figures as materialization metadata; this module maps those
keys to metric families (the tables below are the whole contract) and folds events in as they
arrive, reading only events newer than the last one seen. A partition-range run
writes one materialization per partition with the same run-level figures, so totals count
each (asset, run) once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric


@dataclass(frozen=True)
class Figure:
    """One metadata key of one asset, exported as a metric (with fixed extra labels)."""

    asset: str
    key: str
    metric: str
    help: str
    labels: tuple[tuple[str, str], ...] = ()


# The stages a PR goes through before the portfolio, in order (asset names).
PROCESSING_STAGES = ("pull_requests", "enriched_prs", "predictions", "valuations", "validated_achievements")

# Summed over runs: counters, so Prometheus can take rates and increases.
TOTALS: tuple[Figure, ...] = (
    Figure("pull_requests", "github_requests", "achievement_github_requests", "GitHub API requests made by ingest."),
    Figure("enriched_prs", "llm_calls", "achievement_llm_calls", "Summariser (LLM) calls made by enrich."),
    Figure("enriched_prs", "cache_hits", "achievement_llm_cache_hits", "Summaries served from the cache."),
    Figure("enriched_prs", "cache_misses", "achievement_llm_cache_misses", "Summaries not in the cache."),
    Figure("enriched_prs", "llm_tokens", "achievement_llm_tokens", "LLM tokens used by enrich."),
    Figure("enriched_prs", "llm_cost_usd", "achievement_llm_cost_usd", "LLM spend of enrich, in US dollars."),
    *(
        Figure(
            stage,
            "row_count",
            "achievement_prs_processed",
            "PRs written by each stage's runs (ingest, enrich, predict, value, validate).",
            (("stage", stage),),
        )
        for stage in PROCESSING_STAGES
    ),
    Figure(
        "predictions",
        "inference_seconds",
        "achievement_model_inference_seconds",
        "Time the predictions stage spent in model inference.",
    ),
    Figure(
        "validated_achievements",
        "accepted",
        "achievement_validated",
        "Achievements judged by validate.",
        (("status", "accepted"),),
    ),
    Figure(
        "validated_achievements",
        "rejected",
        "achievement_validated",
        "Achievements judged by validate.",
        (("status", "rejected"),),
    ),
)

# The latest run's figure: gauges.
LATEST: tuple[Figure, ...] = (
    Figure(
        "pull_requests",
        "rate_limit_remaining",
        "achievement_github_rate_limit_remaining",
        "GitHub requests left in the rate-limit window at the end of the latest ingest.",
    ),
    Figure("enriched_prs", "llm_cost_usd", "achievement_llm_last_run_cost_usd", "LLM spend of the latest enrich run."),
    Figure("enriched_prs", "llm_budget_usd", "achievement_llm_budget_usd", "LLM budget of an enrich run (0: none)."),
    Figure(
        "valuations",
        "value_expected_total",
        "achievement_valuation_expected_value",
        "Expected value of the PRs valued by the latest valuations run.",
    ),
    *(
        Figure(
            "validated_achievements",
            status,
            "achievement_last_validation",
            "Accepted and rejected achievements of the latest validate run.",
            (("status", status),),
        )
        for status in ("accepted", "rejected")
    ),
    Figure(
        "predictions",
        "inference_seconds",
        "achievement_model_last_inference_duration_seconds",
        "Time the latest predictions run spent in model inference.",
    ),
    Figure("portfolio", "achievements", "achievement_portfolio_achievements", "Achievements in the latest portfolio."),
    Figure("portfolio", "rejected", "achievement_portfolio_rejected", "Rejected PRs in the latest portfolio."),
    *(
        Figure(
            "portfolio",
            f"value_{estimate}",
            "achievement_portfolio_value",
            "Value of the latest portfolio (low, expected and high estimates), in the ledger's currency.",
            (("estimate", estimate),),
        )
        for estimate in ("low", "expected", "high")
    ),
)
# Keys another stage adds as it grows: until a run reports them they read 0, not absent,
# so rules and dashboards need no special case.
DEFAULT_ZERO = frozenset(
    {("enriched_prs", "llm_tokens"), ("enriched_prs", "llm_cost_usd"), ("enriched_prs", "llm_budget_usd")}
)


@dataclass(frozen=True)
class Materialization:
    """One materialization event reduced to plain values."""

    storage_id: int
    asset: str
    run_id: str
    timestamp: float
    numbers: Mapping[str, float]
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _AssetState:
    events: int = 0
    last_timestamp: float = 0.0
    rows: float | None = None
    model_versions: str | None = None
    runs: set[str] = field(default_factory=set)
    latest: dict[str, float] = field(default_factory=dict)


class MaterializationLedger:
    """Folds materializations (in storage order) into totals and latest values; plain Python."""

    def __init__(self) -> None:
        self.cursor = -1  # storage id of the newest materialization folded in
        self._assets: dict[str, _AssetState] = {}
        self._totals: Counter[Figure] = Counter()

    def update(self, events: Iterable[Materialization]) -> None:
        for event in events:
            if event.storage_id <= self.cursor:
                continue
            self.cursor = event.storage_id
            state = self._assets.setdefault(event.asset, _AssetState())
            state.events += 1
            state.last_timestamp = max(state.last_timestamp, event.timestamp)
            if "row_count" in event.numbers:
                state.rows = event.numbers["row_count"]
            if "model_versions" in event.texts:
                state.model_versions = event.texts["model_versions"]
            state.latest.update(event.numbers)
            if event.run_id in state.runs:
                continue  # a partition-range run reports the same run-level figures per partition
            state.runs.add(event.run_id)
            for figure in TOTALS:
                if figure.asset == event.asset and figure.key in event.numbers:
                    self._totals[figure] += event.numbers[figure.key]

    def families(self) -> Iterator[Metric]:
        yield from self._asset_families()
        yield from self._figure_families(TOTALS, CounterMetricFamily, lambda f: self._totals.get(f))
        yield from self._figure_families(LATEST, GaugeMetricFamily, self._latest)
        yield self._success_ratio()
        info = InfoMetricFamily(
            "achievement_predictions_models", "Model versions used by the latest predictions run.", labels=[]
        )
        state = self._assets.get("predictions")
        if state is not None and state.model_versions is not None:
            info.add_metric([], {"model_versions": state.model_versions})
        yield info

    def _success_ratio(self) -> Metric:
        """The business view of validation: the share of judged PRs that became achievements."""
        ratio = GaugeMetricFamily(
            "achievement_processing_success_ratio",
            "Share of the PRs judged by the latest validate run that were accepted (absent when it judged none).",
        )
        state = self._assets.get("validated_achievements")
        if state is not None:
            accepted, rejected = state.latest.get("accepted", 0.0), state.latest.get("rejected", 0.0)
            if accepted + rejected > 0:
                ratio.add_metric([], accepted / (accepted + rejected))
        return ratio

    def _latest(self, figure: Figure) -> float | None:
        state = self._assets.get(figure.asset)
        return None if state is None else state.latest.get(figure.key)

    def _figure_families(self, figures: tuple[Figure, ...], kind: Any, value_of: Any) -> Iterator[Metric]:
        by_metric: dict[str, list[Figure]] = {}
        for figure in figures:
            by_metric.setdefault(figure.metric, []).append(figure)
        for metric, group in by_metric.items():
            label_names = [name for name, _ in group[0].labels]
            family = kind(metric, group[0].help, labels=label_names)
            for figure in group:
                value = value_of(figure)
                if value is None and (figure.asset, figure.key) in DEFAULT_ZERO:
                    value = 0.0
                if value is not None:
                    family.add_metric([v for _, v in figure.labels], value)
            yield family

    def _asset_families(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            "achievement_asset_last_materialization_timestamp_seconds",
            "When the asset was last materialized.",
            labels=["asset"],
        )
        rows = GaugeMetricFamily(
            "achievement_asset_rows", "Rows written by the asset's latest materialization.", labels=["asset"]
        )
        count = CounterMetricFamily(
            "achievement_asset_materializations", "Materializations (one per partition) of the asset.", labels=["asset"]
        )
        for asset, state in sorted(self._assets.items()):
            last.add_metric([asset], state.last_timestamp)
            count.add_metric([asset], state.events)
            if state.rows is not None:
                rows.add_metric([asset], state.rows)
        yield from (last, rows, count)


def plain_values(metadata: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """Numeric and text metadata values; everything else (Markdown, paths, tables) is ignored."""
    numbers: dict[str, float] = {}
    texts: dict[str, str] = {}
    for key, entry in metadata.items():
        value = getattr(entry, "value", entry)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            numbers[key] = float(value)
        elif isinstance(value, str) and key == "model_versions":
            texts[key] = value
    return numbers, texts
