"""The automation condition every stage after ingest carries: it follows its upstream stage.

Only ingest is started by hand, by the nightly schedule or by the new-PR sensor; every later
stage declares that it follows its upstream stage, so any run of ingest, from any of those or
from a backfill in the UI, is carried through to the portfolio without a hand-made job.
"""

from __future__ import annotations

from dagster import AssetSelection, AutomationCondition

# Model training is not a reason to recompute history: a new champion is used from the next
# run on, and re-predicting past days is a deliberate backfill. Nor is a curation choice: it
# is applied when the portfolio of a window is exported again. Only data updates count.
_UPSTREAM_DATA_UPDATED = AutomationCondition.any_deps_updated().ignore(AssetSelection.assets("pr_models", "curation"))

FOLLOWS_UPSTREAM = (
    _UPSTREAM_DATA_UPDATED.since_last_handled()
    # Predictions wait until pr_models has been trained; a portfolio needs no curation to exist.
    & ~AutomationCondition.any_deps_missing().ignore(AssetSelection.assets("curation"))
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("follows upstream")
