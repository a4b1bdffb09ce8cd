"""GitHub's own limits on a GraphQL query, applied after ordinary schema validation.

GitHub rejects queries that are valid GraphQL but break its pagination rules: every
connection whose ``nodes`` or ``edges`` are read needs ``first`` or ``last``, at most 100,
and one query may ask for at most 500,000 nodes in total. It also prices each query in
rate-limit points: the number of requests the connections imply, divided by 100 and
rounded, at least one. The rules and the wording of the errors follow GitHub's
"Rate limits and node limits for the GraphQL API"; a collector that passes here passes there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
)

MAX_PAGE = 100
MAX_NODES = 500_000


@dataclass
class QueryLimits:
    """What a query costs and, if GitHub would refuse it, why (errors in GitHub's shape)."""

    nodes: int = 0
    requests: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cost(self) -> int:
        """Rate-limit points: connection requests / 100, rounded, at least 1."""
        return max(1, round(self.requests / 100))


def operation_of(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in operations if o.name and o.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> QueryLimits:
    """Nodes, connection requests and GitHub's pagination errors of an already validated query."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    values = dict(_variable_defaults(operation))
    values.update(variables or {})
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    limits = QueryLimits()
    if root is not None:
        _Walker(schema, fragments, values, limits).walk(operation.selection_set, root, 1, [])
    if not limits.errors and limits.nodes > MAX_NODES:
        limits.errors.append(
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": f"This query requests up to {limits.nodes:,} possible nodes which exceeds the maximum "
                f"limit of {MAX_NODES:,}.",
            }
        )
    return limits


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    return defaults


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        limits: QueryLimits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits

    def walk(self, selection_set: SelectionSetNode | None, parent: Any, multiplier: int, path: list[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, multiplier, path)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(selection.selection_set, target, multiplier, path)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    self.walk(fragment.selection_set, target, multiplier, path)

    def _field(self, node: FieldNode, parent: Any, multiplier: int, path: list[str]) -> None:
        name = node.name.value
        if name.startswith("__") or not (is_object_type(parent) or is_interface_type(parent)):
            return
        definition = parent.fields.get(name)
        if definition is None:
            return
        target = get_named_type(definition.type)
        here = [*path, node.alias.value if node.alias else name]
        if target.name.endswith("Connection"):  # GitHub's naming rule for every paginated list
            self._connection(node, target, multiplier, here)
        else:
            self.walk(node.selection_set, target, multiplier, here)

    def _connection(self, node: FieldNode, target: Any, multiplier: int, path: list[str]) -> None:
        name = node.name.value
        arguments = {argument.name.value: self._value(argument.value) for argument in node.arguments or ()}
        first, last = arguments.get("first"), arguments.get("last")
        reads_nodes = any(
            isinstance(s, FieldNode) and s.name.value in ("nodes", "edges")
            for s in (node.selection_set.selections if node.selection_set else ())
        )
        location = {"line": node.loc.start_token.line, "column": node.loc.start_token.column} if node.loc else None
        self.limits.requests += multiplier
        if reads_nodes and first is None and last is None:
            self._error(
                "MISSING_PAGINATION_BOUNDARIES",
                f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.",
                path,
                location,
            )
            return
        for argument, value in (("first", first), ("last", last)):
            if isinstance(value, int) and not 0 <= value <= MAX_PAGE:
                self._error(
                    "EXCESSIVE_PAGINATION",
                    f"Requesting {value} records on the `{name}` connection exceeds the `{argument}` limit "
                    f"of {MAX_PAGE} records.",
                    path,
                    location,
                )
                return
        page = next((v for v in (first, last) if isinstance(v, int)), 0)
        inner = multiplier
        if reads_nodes:
            self.limits.nodes += multiplier * page
            inner = multiplier * page
        self.walk(node.selection_set, target, inner, path)

    def _value(self, value: Any) -> Any:
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        return getattr(value, "value", None)

    def _error(self, kind: str, message: str, path: list[str], location: dict[str, int] | None) -> None:
        error: dict[str, Any] = {"type": kind, "path": ["query", *path], "message": message}
        if location is not None:
            error["locations"] = [location]
        self.limits.errors.append(error)
