"""The Great Expectations check of the ``valuations`` table (blocking on what is wrong with the table)."""

from achievement_pipeline.defs.table_checks import table_expectations
from achievement_pipeline.defs.value.assets import valuations

valuations_expectations = table_expectations(valuations)
