"""`achievement-demo`: run the whole pipeline on the built-in fake GitHub and say where the portfolio is.

It runs through the Dagster instance in DAGSTER_HOME (the same one `dagster dev` opens),
as three runs a person would launch from the UI: collect and enrich the window as one
backfill run, train the models, then predict, value, validate and export the window.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

from achievement_pipeline.cli.preflight import RunFailed, check_services, check_settings, in_one_line, open_instance
from achievement_pipeline.core import settings

if TYPE_CHECKING:
    from dagster import Definitions, ExecuteInProcessResult

DEMO_START = "2025-01-01"
DEMO_END = "2025-03-31"


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    return {
        ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
        ASSET_PARTITION_RANGE_END_TAG: last.isoformat(),
    }


def succeeded(result: ExecuteInProcessResult) -> ExecuteInProcessResult:
    """``result`` if its run succeeded, else RunFailed with the failed step and its own description."""
    if result.success:
        return result
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            user, error = event.step_failure_data.user_failure_data, event.step_failure_data.error
            said = user.description if user is not None else None
            if not said and error is not None:
                said = next(iter(error.message.strip().splitlines()), "")
            raise RunFailed(f"the {event.step_key} step failed: {said or 'see the run in the Dagster UI'}")
    raise RunFailed(f"run {result.run_id} failed: see it in the Dagster UI")


def run_pipeline(first: date, last: date, *, instance: object, defs: Definitions | None = None) -> dict[str, str]:
    """Materialize every stage for the days first..last (inclusive); return the export locations and link."""
    from dagster import AssetKey

    from achievement_pipeline.definitions import defs as code_location

    defs = defs or code_location()
    job = defs.resolve_implicit_global_asset_job_def()
    tags = partition_range_tags(first, last)
    collect = [AssetKey("pull_requests"), AssetKey("enriched_prs")]
    stages = [AssetKey(k) for k in ("predictions", "valuations", "validated_achievements", "portfolio")]

    quiet = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}

    def run(selection: list[AssetKey], run_tags: dict[str, str]) -> ExecuteInProcessResult:
        return succeeded(
            job.execute_in_process(
                run_config=quiet, instance=instance, tags=run_tags, asset_selection=selection, raise_on_error=False
            )
        )

    run(collect, tags)
    run([AssetKey("pr_models")], {})
    result = run(stages, tags)
    # A range run records one materialization per partition, all with the same export metadata.
    exported = next(m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey("portfolio"))
    metadata = exported.materialization.metadata
    locations = {
        key.removesuffix("_location"): str(value.value) for key, value in metadata.items() if key.endswith("_location")
    }
    if "portfolio_html" in metadata:
        locations["browser"] = str(metadata["portfolio_html"].value)
    return locations


def main(argv: list[str] | None = None) -> int:
    """Run the demo; a configuration mistake or a failed run ends in one line on stderr (exit status 2)."""
    return in_one_line("achievement-demo", lambda: _demo(argv))


def _demo(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="achievement-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--start", default=DEMO_START, help="first merge day (YYYY-MM-DD)")
    parser.add_argument("--end", default=DEMO_END, help="last merge day, inclusive (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        first, last = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        parser.error(f"--start/--end must be dates as YYYY-MM-DD: {exc}")
    if last < first:
        parser.error(f"--end {last} is before --start {first}")
    check_settings()
    if first < date.fromisoformat(settings.start_date()):
        parser.error("--start is before ACHIEVEMENT_START_DATE, the first daily partition")
    if last >= date.today() + timedelta(days=1):
        parser.error("--end is in the future: no partition exists for it yet")

    check_services()
    settings.offline_default("LITELLM_LOCAL_MODEL_COST_MAP")
    settings.dagster_switches()  # a window's per-partition events written in batches (loading the defs does too)
    dagster_home = settings.dagster_home()
    dagster_home.mkdir(parents=True, exist_ok=True)

    with open_instance() as instance:
        locations = run_pipeline(first, last, instance=instance)
    print(f"\nPortfolio for {first}..{last} written:")
    for kind, where in locations.items():
        print(f"  {kind:<13} {where}")
    print(f"\nOpen the Dagster UI on the same runs: make ui   (DAGSTER_HOME={dagster_home})")
    if "browser" in locations:
        print(f"While it runs, the portfolio opens at {locations['browser']} (linked from the portfolio asset)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
