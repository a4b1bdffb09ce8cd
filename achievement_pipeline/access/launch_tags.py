"""Every GraphQL request that launches runs carries the launching person's login, and only that login.

Dagster's webserver takes a launch's tags from the request itself (``executionMetadata.tags`` of
launchRun and launchMultipleRuns, ``extraTags`` of a re-execution, ``tags`` of
launchPartitionBackfill) and knows nothing of who signed in. In front of it,
``achievement-launch-tagger`` rewrites each launch so that its ``user`` tag
(``core/launched_by.py``) is the login the login proxy vouches for: a value the client sent is
dropped, and a launch without a signed-in person is refused.

Only the request's variables are rewritten, where the Dagster UI puts every launch's arguments. A
launch this module cannot rewrite with certainty is refused instead of passed on: its argument
written inline in the document, the launch inside a fragment, a shape GraphQL would coerce in a way
not foreseen here. A variable's default value counts as its value, so a tag cannot hide there. Which
operation runs is decided as graphql-core decides it (the ``operationName``, or the only operation).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    Node,
    VariableNode,
    Visitor,
    get_operation_ast,
    parse,
    value_from_ast_untyped,
    visit,
)

from achievement_pipeline.core.launched_by import LAUNCHED_BY_TAG

EACH = "[]"  # a path step into every item of a list
_EXECUTION_TAGS = ("executionMetadata", "tags")

# Dagster 1.13's mutations that create runs or backfills, each argument that can carry the launch's tags,
# and where in that argument's value the tags are (tests/test_launch_tagging.py checks it against the schema).
LAUNCHES: dict[str, dict[str, tuple[str, ...]]] = {
    "launchRun": {"executionParams": _EXECUTION_TAGS},
    "launchPipelineExecution": {"executionParams": _EXECUTION_TAGS},
    "launchMultipleRuns": {"executionParamsList": (EACH, *_EXECUTION_TAGS)},
    "launchRunReexecution": {"executionParams": _EXECUTION_TAGS, "reexecutionParams": ("extraTags",)},
    "launchPipelineReexecution": {"executionParams": _EXECUTION_TAGS, "reexecutionParams": ("extraTags",)},
    "launchPartitionBackfill": {"backfillParams": ("tags",)},
}

# Mutations that start runs with the tags of an earlier backfill and none from the request: whoever asked
# could not be recorded (the runs would name the earlier backfill's launcher), so they are refused.
REFUSED = {
    name: f"{name} is refused here: it would start runs under the login of whoever launched the earlier "
    "backfill, not yours. Launch a new backfill of the partitions still missing instead (the asset's "
    "partitions page selects them); its runs carry your login."
    for name in ("reexecutePartitionBackfill", "resumePartitionBackfill")
}


class LaunchRefused(Exception):
    """A request that would launch runs whose launcher could not be recorded; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def stamp_launches(
    query: str, variables: Mapping[str, Any] | None, operation_name: str | None, login: str | None
) -> dict[str, Any] | None:
    """The request's variables with every launch of the operation it runs tagged ``user: <login>``.

    None when that operation launches nothing (the request goes on as it is). ``login`` is the
    signed-in person's GitHub login, None when nobody signed in. Raises LaunchRefused for a launch
    without a login and for one that cannot be rewritten with certainty (see the module docstring).
    """
    try:
        document = parse(query)
    except GraphQLError as error:
        raise LaunchRefused(f"the GraphQL document does not parse: {error.message}", 400) from None
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode) and _launch_fields(definition):
            raise LaunchRefused("write a launch mutation in the operation, not in a fragment", 400)
    if not any(_launch_fields(d) for d in document.definitions):
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None:  # graphql-core would run nothing; refused rather than guessed at
        raise LaunchRefused("name the operation to run (operationName): several are defined, or not this one", 400)
    fields = _launch_fields(operation)
    if not fields:
        return None
    for field in fields:
        if field.name.value in REFUSED:
            raise LaunchRefused(REFUSED[field.name.value])
    if login is None:
        raise LaunchRefused(
            "launching runs needs a signed-in person: open Dagster through the operators' login, which passes "
            "your GitHub login on"
        )
    defaults = {d.variable.name.value: d.default_value for d in operation.variable_definitions}
    stamped = copy.deepcopy(dict(variables or {}))
    for field in fields:
        paths = LAUNCHES[field.name.value]
        for argument in field.arguments:
            path = paths.get(argument.name.value)
            if path is None:
                continue  # an argument Dagster does not have: its validation refuses the request
            where = f"{argument.name.value} of {field.name.value}"
            if not isinstance(argument.value, VariableNode):
                raise LaunchRefused(f"pass {where} as a GraphQL variable, as the Dagster UI does", 400)
            name = argument.value.name.value
            if name not in stamped:
                if defaults.get(name) is None:
                    continue  # no value: Dagster refuses a missing required argument, a missing optional one is null
                stamped[name] = value_from_ast_untyped(defaults[name])
            stamped[name] = _stamp(stamped[name], path, login, f"${name} ({where})")
    return stamped


def _stamp(value: Any, path: tuple[str, ...], login: str, where: str) -> Any:
    """``value`` with the tag list at ``path`` holding ``user: login`` and no other ``user`` tag."""
    if value is None:
        return None  # a null argument launches nothing through it (or Dagster refuses it)
    if path[0] == EACH:  # GraphQL takes a single item where a list is expected: a list of one
        items = value if isinstance(value, list) else [value]
        return [_stamp(item, path[1:], login, where) for item in items]
    if not isinstance(value, dict):
        raise LaunchRefused(f"{where} must be an input object, not {type(value).__name__}", 400)
    key, rest = path[0], path[1:]
    if rest:
        return {**value, key: _stamp(value.get(key) or {}, rest, login, where)}
    tags = value.get(key)
    tags = [] if tags is None else tags if isinstance(tags, list) else [tags]
    kept = [tag for tag in tags if not (isinstance(tag, dict) and tag.get("key") == LAUNCHED_BY_TAG)]
    return {**value, key: [*kept, {"key": LAUNCHED_BY_TAG, "value": login}]}


def mentions_launch(query: str) -> bool:
    """Whether a document holds a launch mutation anywhere (or does not parse, so cannot be told)."""
    try:
        document = parse(query)
    except GraphQLError:
        return True
    return any(_launch_fields(definition) for definition in document.definitions)


def _launch_fields(node: Node) -> list[FieldNode]:
    """The fields under ``node`` that launch runs (by field name, aliases notwithstanding)."""
    found: list[FieldNode] = []

    class _Find(Visitor):
        def enter_field(self, field: FieldNode, *_: object) -> None:
            if field.name.value in LAUNCHES or field.name.value in REFUSED:
                found.append(field)

    visit(node, _Find())
    return found
