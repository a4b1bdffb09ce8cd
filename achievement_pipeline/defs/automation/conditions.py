"""The automation condition every stage after ingest carries: it follows its upstream stage.

Only ingest is started by hand, by the nightly schedule or by the new-PR sensor; every later
stage declares that it follows its upstream stage, so any run of ingest, from any of those or
from a backfill in the UI, is carried through to the portfolio without a hand-made job.
"""

from __future__ import annotations

from dagster import AssetSelection, AutomationCondition

# Model training is not a reason to recompute history: a new champion is used from the next
# run on, and re-predicting past days is a deliberate backfill. Only data updates count.
_UPSTREAM_DATA_UPDATED = AutomationCondition.any_deps_updated().ignore(AssetSelection.assets("pr_models"))

FOLLOWS_UPSTREAM = (
    _UPSTREAM_DATA_UPDATED.since_last_handled()
    & ~AutomationCondition.any_deps_missing()  # predictions wait until pr_models has been trained
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("follows upstream")
