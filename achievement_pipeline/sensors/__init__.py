"""Automation: the daily and weekly schedules, and the new-PR sensor."""
