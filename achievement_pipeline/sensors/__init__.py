"""Automation: schedules now, the new-PR sensor with incremental ingestion (issue 3)."""
