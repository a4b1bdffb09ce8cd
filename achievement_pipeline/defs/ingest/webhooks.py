"""The webhook sensor: collects the merge days of the deliveries ``achievement-webhooks`` stored.

Each tick reads the deliveries stored since its cursor (the table's ``seq``, which follows the
commit order, so none is skipped and none read twice) and requests one run of ``collect_prs`` per
merge day they touch, however many deliveries that day had. The run key names the day and the
last delivery of that day it answers, so a tick evaluated again after a crash asks for the same
runs and Dagster launches them once; a later change of the same day is a new delivery and a new
run. The run reads the day's PRs again through the API (the delivery is only a hint), and the
later stages follow it by their automation conditions, as they follow every ingest run.

It asks GitHub nothing, so it is on from the start; ``new_merged_prs`` stays the fallback for a
delivery GitHub never made (a receiver that was down, a webhook not configured).
"""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from achievement_pipeline.core import settings
from achievement_pipeline.defs.ingest.schedules import collect_prs
from achievement_pipeline.defs.partitions import daily_partitions
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.sources.github.deliveries import DeliveryStore

TICK_SECONDS = int(settings.number("ACHIEVEMENT_WEBHOOK_SENSOR_SECONDS"))
BATCH = 5_000  # deliveries read per tick; more wait for the next one
TRIGGER = "github-webhook"


@sensor(
    name="github_webhooks",
    job=collect_prs,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Collects the merge days of the GitHub webhook deliveries achievement-webhooks stored; "
    "the later stages follow.",
)
def github_webhooks(
    context: SensorEvaluationContext, warehouse: WarehouseResource, github: GitHubResource
) -> SensorResult:
    store = DeliveryStore(warehouse.get().engine)
    after = int(context.cursor or 0)
    newest = store.last_seq()
    if newest < after:  # the table was made anew (an emptied warehouse): its numbering starts again
        context.log.warning(f"the deliveries table restarts below the cursor ({newest} < {after}): reading it anew")
        after = 0
    batch = store.after(after, BATCH)
    if not batch:
        return SensorResult(skip_reason=SkipReason("no webhook delivery since the last tick"), cursor=str(after))
    sources = github.sources()
    valid = set(daily_partitions.get_partition_keys(current_time=datetime.now(UTC)))
    last_of_day: dict[str, int] = {}
    count_of_day: dict[str, int] = {}
    foreign, outside = 0, set()
    for stored in batch:
        delivery = stored.delivery
        if not any(source.covers(delivery.repository, delivery.author) for source in sources):
            foreign += 1
        elif delivery.merge_day not in valid:
            outside.add(delivery.merge_day)
        else:
            last_of_day[delivery.merge_day] = stored.seq
            count_of_day[delivery.merge_day] = count_of_day.get(delivery.merge_day, 0) + 1
    if foreign:
        context.log.info(f"{foreign} deliveries for PRs no configured source covers, not run")
    if outside:
        context.log.info(f"deliveries merged on days outside the partitions, not run: {', '.join(sorted(outside))}")
    cursor = str(batch[-1].seq)
    requests = [
        RunRequest(
            partition_key=day,
            run_key=f"webhook:{day}:{seq}",
            tags={"achievement/trigger": TRIGGER, "achievement/webhook-deliveries": str(count_of_day[day])},
        )
        for day, seq in sorted(last_of_day.items())
    ]
    if not requests:
        return SensorResult(skip_reason=SkipReason(f"{len(batch)} deliveries, none to collect"), cursor=cursor)
    context.log.info(f"{len(batch)} webhook deliveries: collecting {len(requests)} merge days")
    return SensorResult(run_requests=requests, cursor=cursor)
