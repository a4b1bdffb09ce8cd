"""``POST /graphql`` of the fake GitHub, validated against GitHub's real public schema.

A query goes through what GitHub does to it: JSON decoding, parsing, validation against
the published schema (``github-schema.graphql.gz``, GitHub's schema via
@octokit/graphql-schema, MIT), GitHub's pagination and node limits (``graphql_limits``),
pricing in rate-limit points, then execution over the fake history (``graphql_nodes``).
A query GitHub would reject is rejected here, with GitHub's error types, so the
collector's queries are checked by its tests rather than discovered in production.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from achievement_pipeline.fakes.github.graphql_limits import QueryLimits, analyse, operation_of
from achievement_pipeline.fakes.github.graphql_nodes import Graph, GraphQLFailure, Query

SCHEMA_FILE = Path(__file__).with_name("github-schema.graphql.gz")
DOCS = "https://docs.github.com/graphql"

_schema_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load_schema(path: str) -> GraphQLSchema:
    raw = Path(path).read_bytes()
    text = gzip.decompress(raw).decode() if path.endswith(".gz") else raw.decode()
    # GitHub's published SDL repeats two fields; graphql-core accepts it only unvalidated.
    return build_schema(text, assume_valid_sdl=True)


def github_schema(path: Path | str | None = None) -> GraphQLSchema:
    """GitHub's public GraphQL schema, built once per process (about a second)."""
    with _schema_lock:
        return _load_schema(str(path or SCHEMA_FILE))


@dataclass(frozen=True)
class Prepared:
    """A query after parsing and schema validation, with what it costs, ready to execute."""

    document: DocumentNode | None
    limits: QueryLimits
    errors: list[dict[str, Any]]
    operation_name: str | None
    variables: dict[str, Any]


@dataclass(frozen=True)
class GraphQLReply:
    status: int
    body: dict[str, Any]
    cost: int  # rate-limit points charged (0 for queries GitHub refuses before running them)


class GraphQLEndpoint:
    """Prepares and answers GraphQL requests for one fake server."""

    def __init__(self, schema_path: Path | str | None = None) -> None:
        self._schema_path = schema_path
        self._documents: dict[str, tuple[DocumentNode | None, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    @property
    def schema(self) -> GraphQLSchema:
        return github_schema(self._schema_path)

    def prepare(self, raw_body: bytes) -> Prepared | GraphQLReply:
        """Decode and check a request body; a ``GraphQLReply`` when GitHub would answer it right away."""
        try:
            payload = json.loads(raw_body or b"null")
        except ValueError:
            return GraphQLReply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS}, 0)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            message = "A query attribute must be specified and must be a string."
            return GraphQLReply(200, {"errors": [{"message": message}]}, 0)
        variables = payload.get("variables") or {}
        if not isinstance(variables, dict):
            return GraphQLReply(200, {"errors": [{"message": "Variables are invalid JSON."}]}, 0)
        document, errors = self._document(payload["query"])
        name = payload.get("operationName")
        if document is None or errors:
            return Prepared(document, QueryLimits(), errors, name, variables)
        operation = operation_of(document, name)
        if operation is None:
            message = "An operation name is required" if name is None else f'No operation named "{name}"'
            return Prepared(document, QueryLimits(), [{"message": message}], name, variables)
        limits = analyse(self.schema, document, operation, variables)
        return Prepared(document, limits, list(limits.errors), name, variables)

    def answer(self, prepared: Prepared, graph_for: Callable[[int, int], Graph]) -> GraphQLReply:
        """Run a prepared query; ``graph_for(cost, nodes)`` supplies the data it runs over."""
        if prepared.errors or prepared.document is None:
            return GraphQLReply(200, {"errors": prepared.errors}, 0)
        graph = graph_for(prepared.limits.cost, prepared.limits.nodes)
        result = execute_sync(
            self.schema,
            prepared.document,
            root_value=Query(graph),
            variable_values=prepared.variables,
            operation_name=prepared.operation_name,
            field_resolver=_resolve_field,
            type_resolver=_resolve_type,
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_github_error(error) for error in result.errors]
        return GraphQLReply(200, body, prepared.limits.cost)

    def _document(self, query: str) -> tuple[DocumentNode | None, list[dict[str, Any]]]:
        with self._lock:
            cached = self._documents.get(query)
        if cached is not None:
            return cached
        try:
            document: DocumentNode | None = parse(query)
        except GraphQLError as error:
            found: tuple[DocumentNode | None, list[dict[str, Any]]] = (None, [_github_error(error)])
        else:
            assert document is not None
            found = (document, [_github_error(e) for e in validate(self.schema, document)])
        with self._lock:
            if len(self._documents) > 256:
                self._documents.clear()
            self._documents[query] = found
        return found


_MISSING = object()


def _resolve_field(source: Any, info: Any, **args: Any) -> Any:
    """Look a field up by its GitHub name: dict key, attribute, or method taking its arguments."""
    name = info.field_name
    if isinstance(source, dict):
        return source.get(name)
    value = getattr(source, name, _MISSING)
    if value is _MISSING:
        raise NotImplementedError(f"the fake GitHub does not serve {info.parent_type.name}.{name} yet")
    return value(**args) if callable(value) else value


def _resolve_type(value: Any, info: Any, abstract_type: Any) -> str:
    return value.typename


def _github_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's error in GitHub's shape: ``type`` for GitHub's own kinds, then path, locations, message."""
    formatted = dict(error.formatted)
    original = error.original_error
    out: dict[str, Any] = {}
    if isinstance(original, GraphQLFailure):
        out["type"] = original.kind
    elif formatted.get("path") is None and "locations" in formatted:
        out["extensions"] = {"code": "graphqlValidation"}
    if formatted.get("path") is not None:
        out["path"] = formatted["path"]
    if formatted.get("locations"):
        out["locations"] = formatted["locations"]
    out["message"] = formatted["message"]
    return out
