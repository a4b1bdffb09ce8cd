"""The Great Expectations check of the ``validated_achievements`` table (blocking: nothing unvalidated flows on)."""

from achievement_pipeline.defs.table_checks import table_expectations
from achievement_pipeline.defs.validate.assets import validated_achievements

validated_achievements_expectations = table_expectations(validated_achievements)
