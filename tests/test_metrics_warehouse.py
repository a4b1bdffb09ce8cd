"""The warehouse source: row counts and the confidence of the predictions it holds, per model version."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from achievement_pipeline.core.records import NO_REVIEW_TEXT, NOT_ASSESSED
from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.monitoring.exporter import build_registry
from achievement_pipeline.monitoring.warehouse import WarehouseSource, model_versions
from tests.factories import prediction_part

VERSIONS = "pr-category:3,impact-scorecard-v1,pr-review-sentiment:1"
FAMILY = "achievement_model_prediction_confidence"


def prediction(
    n: int,
    *,
    category: float,
    sentiment: float,
    texts: int = 1,
    category_version: str = "pr-category:3",
    sentiment_version: str = "pr-review-sentiment:1",
) -> dict:
    """A stored prediction whose models had these confidences; ``texts=0``: nothing to read, sentiment "none"."""
    return prediction_part(
        pr_id=f"acme/app#{n}",
        merge_date="2025-01-02",
        category="fix",
        predicted_category="fix",
        category_confidence=category,
        review_sentiment=("positive" if texts else NO_REVIEW_TEXT) if sentiment_version else NOT_ASSESSED,
        sentiment_confidence=sentiment,
        review_text_count=texts,
        category_model_version=category_version,
        sentiment_model_version=sentiment_version,
    )


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
    write_predictions(url, [prediction(1, category=0.5, sentiment=0.8, sentiment_version="pr-review-sentiment:2")])
    got = scrape(url)
    assert got[(f"{FAMILY}_gcount", (("model", "pr-category"), ("version", "3")))] == 1
    assert got[(f"{FAMILY}_gcount", (("model", "pr-review-sentiment"), ("version", "2")))] == 1
    # Impact is a scorecard, not a model: it has no confidence to report.
    assert {dict(labels)["model"] for name, labels in got if name == f"{FAMILY}_gcount"} == {
        "pr-category",
        "pr-review-sentiment",
    }


def test_the_shipped_base_model_is_the_category_model_s_base_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    base = "pr-category-base:vite-2026-08-22"
    write_predictions(url, [prediction(1, category=0.45, sentiment=0.8, category_version=base)])
    got = scrape(url)
    labels = (("model", "pr-category"), ("version", "base-vite-2026-08-22"))
    assert got[(f"{FAMILY}_gcount", labels)] == 1
    assert abs(got[(f"{FAMILY}_gsum", labels)] - 0.45) < 1e-9


def test_without_a_sentiment_model_no_sentiment_confidence_is_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    write_predictions(url, [prediction(1, category=0.7, sentiment=0.0, texts=3, sentiment_version="")])
    got = scrape(url)
    assert got[(f"{FAMILY}_gcount", (("model", "pr-category"), ("version", "3")))] == 1
    assert not [
        labels for name, labels in got if name == f"{FAMILY}_gcount" and ("model", "pr-review-sentiment") in labels
    ]


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


def test_a_table_from_before_the_per_model_versions_reads_the_combined_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the table as created while impact was a model (schema 1.4)
        conn.execute(
            sa.text(
                "CREATE TABLE predictions (pr_id VARCHAR(300) PRIMARY KEY, merge_date VARCHAR(10) NOT NULL, "
                "category VARCHAR(30) NOT NULL, category_confidence FLOAT NOT NULL, impact VARCHAR(10) NOT NULL, "
                "impact_confidence FLOAT NOT NULL, review_sentiment VARCHAR(10) NOT NULL, "
                "sentiment_confidence FLOAT NOT NULL, sentiment_score FLOAT NOT NULL, "
                "negative_review_share FLOAT NOT NULL, review_text_count INTEGER NOT NULL, "
                "model_name VARCHAR(100) NOT NULL, model_version VARCHAR(100) NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO predictions VALUES ('a#1', '2025-01-02', 'fix', 0.7, 'low', 0.6, 'positive', 0.9, "
                "0.5, 0.0, 2, 'pr-category', 'pr-category:2,pr-impact:2,pr-review-sentiment:1')"
            )
        )
    engine.dispose()
    got = scrape(url)
    assert got[(f"{FAMILY}_gcount", (("model", "pr-category"), ("version", "2")))] == 1
    assert got[(f"{FAMILY}_gcount", (("model", "pr-review-sentiment"), ("version", "1")))] == 1
    assert not [labels for name, labels in got if name == f"{FAMILY}_gcount" and ("model", "pr-impact") in labels]


def test_model_versions_read_the_combined_and_the_bare_form():
    assert model_versions(VERSIONS, "pr-category") == {"pr-category": "3", "pr-review-sentiment": "1"}
    assert model_versions("pr-category-base:vite-2026-08-22,impact-scorecard-v1", "pr-category") == {
        "pr-category": "base-vite-2026-08-22"
    }
    assert model_versions("7", "pr-category") == {"pr-category": "7"}


def test_the_exporter_only_reads_an_empty_database_stays_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    got = scrape(url)
    assert got[("achievement_exporter_source_up", (("source", "warehouse"),))] == 1
    assert not [name for name, _ in got if name == "achievement_warehouse_rows"]
    assert sa.inspect(sa.create_engine(url)).get_table_names() == []
