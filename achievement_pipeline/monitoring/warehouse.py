"""The warehouse as metrics: rows per stage table, the newest merge day, and prediction confidence.

These come from the tables themselves, not from run metadata, so they stay true after a
manual fix in the database or a run that wrote rows but failed to report. The exporter only
reads, with its own engine: it never creates a table (its role is read-only) and reads the tables
and columns that exist, so a warehouse part-way through a migration is still monitored.

Prediction confidence is the distribution of the winning class's probability over the
predictions the warehouse holds now, per model and version: a new version whose predictions are
less sure of themselves shows here before anyone reads a portfolio. Two models predict: the
category model (its calibrated confidence, recorded even where a prefix or label decided the
shown category) and the review-sentiment model; impact is a scorecard, with no confidence. It is
a *gauge* histogram (rows are replaced when a window is re-run, so the counts can fall): read it
with ``histogram_quantile`` or ``_gsum / _gcount``, never with ``rate``.

The storage tiers (``core/archive.py``) show per monthly table: rows in the hot tier (the warehouse
table), and months, rows and bytes in the archive (its catalog); ``hot + archived`` rows is the
table's whole history. The archive's figures are absent while the warehouse has no catalog yet.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric

from achievement_pipeline.core.archive import TierSizes, tier_sizes
from achievement_pipeline.core.partitions_pg import MONTHLY_TABLES
from achievement_pipeline.core.warehouse import TABLES, create_engine
from achievement_pipeline.ml.registry import CATEGORY_MODEL, SENTIMENT_MODEL

# Which model's confidence each predictions column holds, and the column naming the version of that
# model that spoke ("pr-category:3", "pr-category-base:ID"; "" when no model spoke). A table from before
# those columns existed has only the combined model_version, which is read instead.
CONFIDENCE_COLUMNS: dict[str, tuple[str, str]] = {
    "category_confidence": (CATEGORY_MODEL, "category_model_version"),
    "sentiment_confidence": (SENTIMENT_MODEL, "sentiment_model_version"),
}
CONFIDENCE_BUCKETS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


@dataclass
class Confidence:
    """One model version's confidence distribution: cumulative bucket counts, count and sum."""

    buckets: list[int]
    count: int = 0
    total: float = 0.0


def model_versions(model_version: str, model_name: str) -> dict[str, str]:
    """``pr-category:3,pr-review-sentiment:2`` → {model: version}; a bare ``3`` is ``model_name``'s version.

    The shipped base model (``pr-category-base:ID``) is the category model's version ``base-ID``.
    """
    if ":" not in model_version:
        return {model_name: model_version}
    pairs = (part.split(":", 1) for part in model_version.split(",") if ":" in part)
    found = {name.strip(): version.strip() for name, version in pairs}
    if f"{CATEGORY_MODEL}-base" in found:
        found.setdefault(CATEGORY_MODEL, f"base-{found.pop(f'{CATEGORY_MODEL}-base')}")
    return found


def prediction_confidence(engine: sa.Engine) -> dict[tuple[str, str], Confidence]:
    """Confidence distributions per (model, version), one grouped query per confidence column.

    Only predictions a model made count: a sentiment confidence is 0 for a PR without review text
    and for every PR while no sentiment model is trained (``sentiment_model_version`` ""), and
    those rows are left out rather than shown as a version that is never sure. A column the
    database does not have yet (a table created before the column was added) is skipped rather
    than failing the source.
    """
    table = TABLES["predictions"]
    inspector = sa.inspect(engine)
    if not inspector.has_table("predictions"):
        return {}
    present = {column["name"] for column in inspector.get_columns("predictions")}
    out: dict[tuple[str, str], Confidence] = {}
    with engine.connect() as conn:
        for column_name, (model, version_name) in CONFIDENCE_COLUMNS.items():
            if column_name not in present or column_name not in table.c:
                continue
            column = table.c[column_name]
            own_version = version_name in present
            versions = (table.c[version_name],) if own_version else (table.c.model_version, table.c.model_name)
            query = sa.select(
                *versions,
                sa.func.count(),
                sa.func.sum(column),
                *(sa.func.sum(sa.case((column <= bound, 1), else_=0)) for bound in CONFIDENCE_BUCKETS),
            ).group_by(*versions)
            if own_version:
                query = query.where(table.c[version_name] != "")
            if model == SENTIMENT_MODEL and "review_text_count" in present:
                query = query.where(table.c.review_text_count > 0)
            for row in conn.execute(query):
                named, (count, total, *buckets) = row[: len(versions)], row[len(versions) :]
                model_name = model if own_version else str(named[1])
                version = model_versions(str(named[0]), model_name).get(model, "unknown")
                found = out.setdefault((model, version), Confidence([0] * len(CONFIDENCE_BUCKETS)))
                found.count += int(count)
                found.total += float(total or 0.0)
                found.buckets = [a + int(b or 0) for a, b in zip(found.buckets, buckets, strict=True)]
    return out


def confidence_family(confidence: dict[tuple[str, str], Confidence]) -> Metric:
    family = GaugeHistogramMetricFamily(
        "achievement_model_prediction_confidence",
        "Confidence in the predicted class (the category model's calibrated), over the predictions in the "
        "warehouse, per model version.",
        labels=["model", "version"],
    )
    for (model, version), found in sorted(confidence.items()):
        buckets = [(f"{bound:g}", float(n)) for bound, n in zip(CONFIDENCE_BUCKETS, found.buckets, strict=True)]
        buckets.append(("+Inf", float(found.count)))
        family.add_metric([model, version], buckets, gsum_value=found.total)
    return family


def warehouse_figures(engine: sa.Engine) -> tuple[dict[str, int], float | None]:
    """Rows per existing table, and the newest ``merge_date`` of pull_requests as a Unix time (None if empty)."""
    existing = set(sa.inspect(engine).get_table_names())
    rows: dict[str, int] = {}
    newest = None
    with engine.connect() as conn:
        for name, table in TABLES.items():
            if name in existing:
                rows[name] = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        if "pull_requests" in existing:
            newest = conn.execute(sa.select(sa.func.max(TABLES["pull_requests"].c.merge_date))).scalar_one()
    if newest is None:
        return rows, None
    return rows, datetime.fromisoformat(newest).replace(tzinfo=UTC).timestamp()


def tier_families(sizes: TierSizes, cataloged: bool) -> list[Metric]:
    """The storage tiers' gauges: hot rows per monthly table; archived months, rows and bytes (with a catalog)."""
    hot = GaugeMetricFamily(
        "achievement_warehouse_hot_rows",
        "Rows of each monthly table in the warehouse itself (the hot tier; absent while the table does not exist).",
        labels=["table"],
    )
    for name, rows in sizes.hot_rows.items():
        hot.add_metric([name], rows)
    families = [hot]
    if not cataloged:
        return families
    for figure, helptext, values in (
        ("months", "Months of each monthly table archived to Parquet in the object store.", sizes.archived_months),
        ("rows", "Rows of each monthly table in its archived months.", sizes.archived_rows),
        ("bytes", "Bytes of each monthly table's archived Parquet files.", sizes.archived_bytes),
    ):
        family = GaugeMetricFamily(f"achievement_warehouse_archived_{figure}", helptext, labels=["table"])
        for name in sizes.hot_rows:
            family.add_metric([name], values.get(name, 0))
        families.append(family)
    return families


class WarehouseSource:
    """The ``warehouse`` source; connects on first use so a database outage is a source failure."""

    name = "warehouse"

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> sa.Engine:
        if self._engine is None:
            # As the pipeline's: a malformed URL or an outage is reported naming ACHIEVEMENT_WAREHOUSE_URL.
            self._engine = create_engine(self.url, sqlite_timeout=30)
        return self._engine

    def collect(self) -> list[Metric]:
        with self._lock:
            engine = self.engine()
            rows, newest = warehouse_figures(engine)
            confidence = prediction_confidence(engine)
            with engine.connect() as conn:
                sizes = tier_sizes(conn, MONTHLY_TABLES, counted=rows)
                cataloged = sa.inspect(conn).has_table("archived_months")
        table_rows = GaugeMetricFamily(
            "achievement_warehouse_rows", "Rows in each stage table (absent while it does not exist).", labels=["table"]
        )
        for name, n in rows.items():
            table_rows.add_metric([name], n)
        latest = GaugeMetricFamily(
            "achievement_warehouse_latest_merge_timestamp_seconds",
            "Start (UTC midnight) of the newest merge day in pull_requests (absent when empty).",
        )
        if newest is not None:
            latest.add_metric([], newest)
        return [table_rows, latest, confidence_family(confidence), *tier_families(sizes, cataloged)]
