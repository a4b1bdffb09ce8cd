"""The warehouse source: row counts and the confidence of the predictions it holds, per model version."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.monitoring.exporter import build_registry
from achievement_pipeline.monitoring.warehouse import WarehouseSource, model_versions

VERSIONS = "pr-category:3,pr-impact:2,pr-review-sentiment:1"
FAMILY = "achievement_model_prediction_confidence"


def prediction(n: int, *, category: float, sentiment: float, texts: int = 1, versions: str = VERSIONS) -> dict:
    return {
        "pr_id": f"acme/app#{n}",
        "merge_date": "2025-01-02",
        "category": "fix",
        "category_confidence": category,
        "impact": "low",
        "impact_confidence": 0.5,
        "review_sentiment": "positive" if texts else "none",
        "sentiment_confidence": sentiment,
        "sentiment_score": 0.0,
        "negative_review_share": 0.0,
        "review_text_count": texts,
        "model_name": "pr-category",
        "model_version": versions,
    }


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(build_registry([WarehouseSource(url)])).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def write_predictions(url: str, rows: list[dict]) -> None:
    connect(url).replace_window("predictions", date(2025, 1, 2), date(2025, 1, 3), rows)


def test_category_confidence_is_a_distribution_per_model_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    write_predictions(url, [prediction(1, category=0.35, sentiment=0.9), prediction(2, category=0.92, sentiment=0.9)])
    got = scrape(url)
    labels = (("model", "pr-category"), ("version", "3"))
    assert got[(f"{FAMILY}_bucket", (("le", "0.4"), *labels))] == 1
    assert got[(f"{FAMILY}_bucket", (("le", "0.95"), *labels))] == 2
    assert got[(f"{FAMILY}_gcount", labels)] == 2
    assert abs(got[(f"{FAMILY}_gsum", labels)] - 1.27) < 1e-9


def test_each_model_is_labelled_with_its_own_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    write_predictions(url, [prediction(1, category=0.5, sentiment=0.8)])
    got = scrape(url)
    assert got[(f"{FAMILY}_gcount", (("model", "pr-impact"), ("version", "2")))] == 1
    assert got[(f"{FAMILY}_gcount", (("model", "pr-review-sentiment"), ("version", "1")))] == 1


def test_prs_without_review_text_are_left_out_of_the_sentiment_confidence(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    write_predictions(
        url, [prediction(1, category=0.5, sentiment=0.8), prediction(2, category=0.5, sentiment=0, texts=0)]
    )
    got = scrape(url)
    assert got[(f"{FAMILY}_gcount", (("model", "pr-review-sentiment"), ("version", "1")))] == 1
    assert got[(f"{FAMILY}_gcount", (("model", "pr-category"), ("version", "3")))] == 2


def test_a_predictions_table_without_the_sentiment_column_still_reports_the_others(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the table as created before sentiment_confidence existed
        conn.execute(
            sa.text(
                "CREATE TABLE predictions (pr_id VARCHAR(300) PRIMARY KEY, merge_date VARCHAR(10) NOT NULL, "
                "category VARCHAR(30) NOT NULL, category_confidence FLOAT NOT NULL, impact VARCHAR(10) NOT NULL, "
                "impact_confidence FLOAT NOT NULL, model_name VARCHAR(100) NOT NULL, "
                "model_version VARCHAR(100) NOT NULL)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO predictions VALUES ('a#1', '2025-01-02', 'fix', 0.7, 'low', 0.6, 'pr-category', '4')")
        )
    engine.dispose()
    got = scrape(url)
    assert got[("achievement_exporter_source_up", (("source", "warehouse"),))] == 1
    assert got[(f"{FAMILY}_gcount", (("model", "pr-category"), ("version", "4")))] == 1
    assert not [
        labels for name, labels in got if name == f"{FAMILY}_gcount" and ("model", "pr-review-sentiment") in labels
    ]


def test_model_versions_read_the_combined_and_the_bare_form():
    assert model_versions(VERSIONS, "pr-category") == {"pr-category": "3", "pr-impact": "2", "pr-review-sentiment": "1"}
    assert model_versions("7", "pr-category") == {"pr-category": "7"}


def test_the_exporter_only_reads_an_empty_database_stays_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    got = scrape(url)
    assert got[("achievement_exporter_source_up", (("source", "warehouse"),))] == 1
    assert not [name for name, _ in got if name == "achievement_warehouse_rows"]
    assert sa.inspect(sa.create_engine(url)).get_table_names() == []
