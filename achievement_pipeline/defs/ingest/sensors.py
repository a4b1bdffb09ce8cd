"""The new-PR sensor: collects exactly the days whose merged PRs changed.

Every few minutes it asks GitHub (one conditional search per source, free when nothing
changed) which merged PRs are new or were updated since its last tick, and requests one
run of ``collect_prs`` per affected merge day. Its cursor is the watch state of
``sources.github.watch``. The run key names the day and the changes, so a tick that is repeated
after a crash does not launch the same run twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from achievement_pipeline.core import settings
from achievement_pipeline.defs.ingest.schedules import collect_prs
from achievement_pipeline.defs.partitions import daily_partitions
from achievement_pipeline.resources.github import GitHubResource

# How often to ask GitHub; each quiet tick costs one free 304 per source.
POLL_SECONDS = int(settings.number("ACHIEVEMENT_GITHUB_POLL_SECONDS"))


@sensor(
    name="new_merged_prs",
    job=collect_prs,
    minimum_interval_seconds=POLL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description="Polls GitHub for newly merged or updated PRs and collects their merge days; the later stages follow.",
)
def new_merged_prs(context: SensorEvaluationContext, github: GitHubResource) -> SensorResult:
    watched = github.watch(context.cursor)
    now = datetime.now(UTC)
    valid = set(daily_partitions.get_partition_keys(current_time=now))
    by_day: dict[str, list[str]] = {}
    for change in watched.changes:
        by_day.setdefault(change.merge_date, []).append(f"{change.pr_id}@{change.updated_at}")
    outside = sorted(day for day in by_day if day not in valid)
    if outside:
        context.log.info(f"changes merged on days outside the partitions, not run: {', '.join(outside)}")
    requests = []
    for day in sorted(day for day in by_day if day in valid):
        digest = hashlib.sha256("\n".join(sorted(by_day[day])).encode()).hexdigest()[:16]
        requests.append(
            RunRequest(
                partition_key=day,
                run_key=f"new-prs:{day}:{digest}",
                tags={"achievement/trigger": "new-merged-prs", "achievement/changed-prs": str(len(by_day[day]))},
            )
        )
    if requests:
        context.log.info(f"{len(watched.changes)} new or changed merged PRs on {len(requests)} days")
        return SensorResult(run_requests=requests, cursor=watched.cursor)
    if watched.baseline:
        reason = f"first look at {', '.join(watched.baseline)}: watching from now on (backfill history instead)"
    elif watched.not_modified == watched.requests:
        reason = "no merged PR changed (GitHub answered 304 Not Modified)"
    else:
        reason = "no merged PR changed on a partitioned day"
    return SensorResult(skip_reason=SkipReason(reason), cursor=watched.cursor)
