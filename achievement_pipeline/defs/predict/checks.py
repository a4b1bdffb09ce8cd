"""The Great Expectations check of the ``predictions`` table (blocking on what is wrong with the table)."""

from achievement_pipeline.defs.predict.assets import predictions
from achievement_pipeline.defs.table_checks import table_expectations

predictions_expectations = table_expectations(predictions)
