"""The Great Expectations check of the ``enriched_prs`` table (blocking on what is wrong with the table)."""

from achievement_pipeline.defs.enrich.assets import enriched_prs
from achievement_pipeline.defs.table_checks import table_expectations

enriched_prs_expectations = table_expectations(enriched_prs)
