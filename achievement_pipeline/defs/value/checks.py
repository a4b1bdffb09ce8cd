"""The Great Expectations check of the ``valuations`` table (blocking: nothing unvalidated flows on)."""

from achievement_pipeline.defs.table_checks import table_expectations
from achievement_pipeline.defs.value.assets import valuations

valuations_expectations = table_expectations(valuations)
