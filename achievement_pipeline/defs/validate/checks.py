"""The Great Expectations check of the ``validated_achievements`` table (blocking on what is wrong with the table).

Validate holds a row for every valued PR and for every PR enrich set aside (rejected with its reasons),
so the check expects both.
"""

from achievement_pipeline.defs.table_checks import table_expectations
from achievement_pipeline.defs.validate.assets import validated_achievements

validated_achievements_expectations = table_expectations(validated_achievements, rejects_set_aside=True)
