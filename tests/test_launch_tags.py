"""The rewrite that writes who launches a run into the GraphQL request, and the answer read back from a run's tags.

Dagster's own GraphQL schema is the reference: the table of launch mutations must name every mutation of
Dagster 1.13 that starts runs, and each tag path must end at Dagster's list of ExecutionTag.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, get_named_type

from achievement_pipeline.access.launch_tags import (
    EACH,
    LAUNCHES,
    REFUSED,
    LaunchRefused,
    mentions_launch,
    stamp_launches,
)
from achievement_pipeline.core.launched_by import LAUNCHED_BY_TAG, UNKNOWN, Launcher, is_login, who_started

ROOT = Path(__file__).resolve().parents[1]
SELECTOR = {"repositoryLocationName": "loc", "repositoryName": "__repository__", "jobName": "day_job"}
FORGED = {"key": "user", "value": "mallory"}
KEPT = {"key": "dagster/partition", "value": "2025-01-02"}
OURS = {"key": "user", "value": "octocat"}

LAUNCH_RUN = "mutation L($p: ExecutionParams!) { launchPipelineExecution(executionParams: $p) { __typename } }"
BACKFILL = "mutation B($b: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $b) { __typename } }"
MULTIPLE = "mutation M($l: [ExecutionParams!]!) { launchMultipleRuns(executionParamsList: $l) { __typename } }"
REEXECUTE = "mutation R($r: ReexecutionParams) { launchRunReexecution(reexecutionParams: $r) { __typename } }"


def params(*tags: dict[str, str]) -> dict:
    return {"selector": SELECTOR, "executionMetadata": {"tags": list(tags)}}


def test_a_launch_gets_the_login_in_place_of_the_one_the_client_sent():
    stamped = stamp_launches(LAUNCH_RUN, {"p": params(FORGED, KEPT)}, None, "octocat")
    assert stamped == {"p": params(KEPT, OURS)}


def test_a_launch_without_tags_gets_the_login():
    stamped = stamp_launches(LAUNCH_RUN, {"p": {"selector": SELECTOR}}, None, "octocat")
    assert stamped == {"p": {"selector": SELECTOR, "executionMetadata": {"tags": [OURS]}}}


def test_the_request_it_was_given_is_left_as_it_was():
    variables = {"p": params(FORGED)}
    stamp_launches(LAUNCH_RUN, variables, None, "octocat")
    assert variables == {"p": params(FORGED)}


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        (BACKFILL, {"b": {"partitionNames": ["d"], "tags": [FORGED]}}, {"partitionNames": ["d"], "tags": [OURS]}),
        (REEXECUTE, {"r": {"parentRunId": "x"}}, {"parentRunId": "x", "extraTags": [OURS]}),
        (MULTIPLE, {"l": [params(FORGED), params(KEPT)]}, [params(OURS), params(KEPT, OURS)]),
        # GraphQL takes one item where a list is expected: the item is stamped as the list of one it becomes.
        (MULTIPLE, {"l": params(FORGED)}, [params(OURS)]),
        (BACKFILL, {"b": {"tags": FORGED}}, {"tags": [OURS]}),
    ],
    ids=["backfill", "re-execution", "multiple-runs", "one-item-for-a-list", "one-tag-for-a-list"],
)  # fmt: skip
def test_every_kind_of_launch_is_stamped(query, variables, expected):
    (name,) = variables
    assert stamp_launches(query, variables, None, "octocat") == {name: expected}


def test_an_aliased_launch_is_stamped():
    query = "mutation ($p: ExecutionParams!) { innocent: launchRun(executionParams: $p) { __typename } }"
    assert stamp_launches(query, {"p": params(FORGED)}, None, "octocat") == {"p": params(OURS)}


def test_a_tag_hidden_in_a_variables_default_value_is_replaced():
    query = (
        'mutation ($p: ExecutionParams = {selector: {jobName: "day_job"}, '
        'executionMetadata: {tags: [{key: "user", value: "mallory"}]}}) '
        "{ launchRun(executionParams: $p) { __typename } }"
    )
    stamped = stamp_launches(query, {}, None, "octocat")
    assert stamped == {"p": {"selector": {"jobName": "day_job"}, "executionMetadata": {"tags": [OURS]}}}


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            'mutation { launchRun(executionParams: {selector: {jobName: "j"}, '
            'executionMetadata: {tags: [{key: "user", value: "mallory"}]}}) { __typename } }',
            {},
            "pass executionParams of launchRun as a GraphQL variable",
        ),
        (
            "mutation ($t: [ExecutionTag!]) { launchRun(executionParams: {executionMetadata: {tags: $t}}) "
            "{ __typename } }",
            {"t": [FORGED]},
            "as a GraphQL variable",
        ),
        (
            "mutation ($p: ExecutionParams!) { ...F } "
            "fragment F on Mutation { launchRun(executionParams: $p) { __typename } }",
            {"p": params(FORGED)},
            "not in a fragment",
        ),
        (LAUNCH_RUN + " query Q { version }", {"p": params(FORGED)}, "name the operation to run"),
        ("mutation { launchRun(", {}, "does not parse"),
        (LAUNCH_RUN, {"p": "not an object"}, "must be an input object"),
        (MULTIPLE, {"l": [params(), 3]}, "must be an input object"),
    ],
    ids=["inline", "inline-with-variable-inside", "fragment", "ambiguous-operation", "unparseable", "string", "list"],
)
def test_a_launch_that_cannot_be_rewritten_with_certainty_is_refused(query, variables, message):
    with pytest.raises(LaunchRefused, match=message) as refused:
        stamp_launches(query, variables, None, "octocat")
    assert refused.value.status == 400


def test_a_launch_without_a_signed_in_person_is_refused():
    with pytest.raises(LaunchRefused, match="needs a signed-in person") as refused:
        stamp_launches(LAUNCH_RUN, {"p": params(KEPT)}, None, None)
    assert refused.value.status == 403


@pytest.mark.parametrize("mutation", sorted(REFUSED))
def test_continuing_a_backfill_is_refused_because_its_runs_would_name_someone_else(mutation):
    argument = "reexecutionParams: $r" if mutation == "reexecutePartitionBackfill" else "backfillId: $r"
    kind = "ReexecutionParams" if mutation == "reexecutePartitionBackfill" else "String!"
    query = f"mutation ($r: {kind}) {{ {mutation}({argument}) {{ __typename }} }}"
    with pytest.raises(LaunchRefused, match="Launch a new backfill"):
        stamp_launches(query, {"r": None}, None, "octocat")


def test_a_request_that_launches_nothing_goes_on_as_it_is():
    assert stamp_launches("{ version }", None, None, None) is None
    assert stamp_launches(LAUNCH_RUN + " query Q { version }", {}, "Q", None) is None  # the launch is not run


def test_the_operation_named_is_the_one_stamped():
    query = LAUNCH_RUN + " query Q { version }"
    assert stamp_launches(query, {"p": params(FORGED)}, "L", "octocat") == {"p": params(OURS)}


def test_a_websocket_subscription_naming_a_launch_is_recognised():
    assert mentions_launch(LAUNCH_RUN)
    assert mentions_launch("mutation { launchRun(")  # cannot tell: treated as one
    assert not mentions_launch('subscription { pipelineRunLogs(runId: "x") { __typename } }')


@pytest.fixture(scope="module")
def schema():
    from dagster_graphql.schema import create_schema

    return create_schema().graphql_schema


def _named(field_type):
    return get_named_type(field_type)


def _is_tag_list(field_type) -> bool:
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    return isinstance(inner, GraphQLList) and _named(inner).name == "ExecutionTag"


def test_each_path_of_the_table_ends_at_dagsters_list_of_execution_tags(schema):
    mutation = schema.mutation_type
    for name, arguments in LAUNCHES.items():
        assert name in mutation.fields, name
        for argument, path in arguments.items():
            current = mutation.fields[name].args[argument].type
            for step in path[:-1]:
                if step == EACH:
                    inner = current.of_type if isinstance(current, GraphQLNonNull) else current
                    assert isinstance(inner, GraphQLList), (name, argument)
                    current = inner.of_type
                    continue
                named = _named(current)
                assert isinstance(named, GraphQLInputObjectType), (name, argument, step)
                current = named.fields[step].type
            last = _named(current)
            assert _is_tag_list(last.fields[path[-1]].type), (name, argument, path)


# Dagster 1.13's mutations that touch runs, backfills or automation but start no run: they stop, delete, free
# slots, report events, pause automation, or evaluate a tick without launching it (the UI then launches its
# run requests with launchMultipleRuns, which is stamped).
STARTS_NO_RUN = {
    "terminatePipelineExecution", "terminateRun", "terminateRuns", "deletePipelineRun", "deleteRun",
    "cancelPartitionBackfill", "freeConcurrencySlotsForRun", "freeConcurrencySlots", "reportRunlessAssetEvents",
    "stopRunningSchedule", "setAutoMaterializePaused", "sensorDryRun", "scheduleDryRun",
}  # fmt: skip


def test_every_mutation_of_dagster_that_could_start_runs_is_stamped_refused_or_known_not_to(schema):
    """A Dagster upgrade that adds a way to start runs fails here until the table says how to treat it."""
    mutation = schema.mutation_type

    def carries_tags(input_type, seen=()) -> bool:
        named = _named(input_type)
        if not isinstance(named, GraphQLInputObjectType) or named.name in seen:
            return False
        return any(_is_tag_list(f.type) or carries_tags(f.type, (*seen, named.name)) for f in named.fields.values())

    suspects = {
        name
        for name, field in mutation.fields.items()
        if re.search(r"launch|execut|backfill|run|resume|retry|materiali", name, re.IGNORECASE)
        or any(carries_tags(arg.type) for arg in field.args.values())
    }
    assert suspects - set(LAUNCHES) - set(REFUSED) - STARTS_NO_RUN == set()


def test_no_other_type_has_a_field_named_like_a_launch(schema):
    """The tagger finds launches by field name: that name must mean the mutation wherever it appears."""
    names = set(LAUNCHES) | set(REFUSED)
    for type_name, graphql_type in schema.type_map.items():
        if type_name != "Mutation" and hasattr(graphql_type, "fields") and not type_name.startswith("__"):
            assert not names & set(graphql_type.fields), type_name


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"user": "octocat", "dagster/backfill": "abc"}, Launcher("user", "octocat")),
        ({"dagster/schedule_name": "nightly_collect"}, Launcher("schedule", "nightly_collect")),
        ({"dagster/sensor_name": "follow_ingest", "dagster/backfill": "abc"}, Launcher("sensor", "follow_ingest")),
        ({"dagster/backfill": "abc"}, Launcher("backfill", "abc")),
        ({"user": "", "dagster/partition": "2025-01-02"}, Launcher("unknown")),
        ({}, Launcher("unknown")),
    ],
    ids=["user-over-backfill", "schedule", "sensor-over-backfill", "backfill", "empty-user", "none"],
)
def test_who_started_a_run(tags, expected):
    assert who_started(tags) == expected


def test_who_started_reads_as_a_sentence():
    assert [str(who_started(t)) for t in ({"user": "octocat"}, {"dagster/sensor_name": "s"}, {})] == [
        "octocat",
        "sensor s",
        UNKNOWN,
    ]


def test_the_tags_read_are_dagsters_own():
    from dagster._core.storage import tags

    from achievement_pipeline.core import launched_by

    assert launched_by.LAUNCHED_BY_TAG == tags.USER_TAG
    assert launched_by.SCHEDULE_TAG == tags.SCHEDULE_NAME_TAG
    assert launched_by.SENSOR_TAG == tags.SENSOR_NAME_TAG
    assert launched_by.BACKFILL_TAG == tags.BACKFILL_ID_TAG


@pytest.mark.parametrize(
    ("value", "valid"),
    [("octocat", True), ("a-b-c", True), ("x" * 39, True), ("x" * 40, False), ("-a", False), ("a-", False),
     ("a--b", False), ("a b", False), ("a@example.com", False), ("", False), ("a\nb", False)],
)  # fmt: skip
def test_a_login_is_a_github_login(value, valid):
    assert is_login(value) is valid


def test_nothing_the_project_starts_by_itself_claims_a_person():
    """Schedules, sensors and jobs carry their own tags; none of them may carry the launcher's."""
    from achievement_pipeline import definitions as code_location

    defs = code_location.defs()
    carried = [("job", job.name, job.run_tags) for job in defs.resolve_all_job_defs()]
    carried += [("schedule", s.name, s.tags) for s in defs.schedules or []]
    carried += [("sensor", s.name, getattr(s, "run_tags", None) or {}) for s in defs.sensors or []]
    assert [entry for entry in carried if LAUNCHED_BY_TAG in (entry[2] or {})] == []
    # Run requests are built at tick time: no module of the wiring names the tag.
    written = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "achievement_pipeline" / "defs").rglob("*.py")
        if re.search(r"""["']user["']\s*:|LAUNCHED_BY_TAG""", path.read_text())
    ]
    assert written == []
