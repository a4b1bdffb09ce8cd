"""The Great Expectations check of the ``pull_requests`` table (blocking: nothing unvalidated flows on)."""

from achievement_pipeline.defs.ingest.assets import pull_requests
from achievement_pipeline.defs.table_checks import table_expectations

pull_requests_expectations = table_expectations(pull_requests)
