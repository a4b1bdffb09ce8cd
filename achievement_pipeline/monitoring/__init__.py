"""Prometheus metrics for the pipeline, read from where the pipeline already records its state.

Nothing in the pipeline pushes metrics: the Dagster instance (runs; the event log's
materialization metadata and step ends), the warehouse (rows, prediction confidence) and the
MLflow registry (model versions and their holdout scores) already hold every figure an operator
needs, so the exporter (:mod:`achievement_pipeline.monitoring.exporter`) reads them when Prometheus
scrapes. Each source is one module (:mod:`.runs`, :mod:`.events`, :mod:`.warehouse`,
:mod:`.model_registry`); :mod:`.sources` isolates their failures so a database outage shows as
``achievement_exporter_source_up == 0`` rather than a failed scrape.
"""
