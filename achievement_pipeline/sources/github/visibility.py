"""Ask GitHub what the token can see of each configured source: one GraphQL query, about 1 point.

A search only returns what the token may read, so a portfolio cannot tell from the PRs alone that
an organisation's private repositories were out of the token's reach. For each organisation
source this lists the private repositories the token can see (``repositories(privacy: PRIVATE)``,
100 a page), for each repository source whether it is private; user sources need no question
(see ``core.token_visibility``). The answer is recorded for the export to state.

``repositoryOwner`` answers null rather than an error for a login nobody can see, so one missing
organisation does not cost the answer for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from achievement_pipeline.core.token_visibility import SourceVisibility
from achievement_pipeline.sources.github.client import GitHubClient
from achievement_pipeline.sources.github.sources import Source

_PAGE = 100
_PRIVATE_REPOSITORIES = (
    "repositories(privacy: PRIVATE, first: %d, after: $%s) { totalCount pageInfo { hasNextPage endCursor } "
    "nodes { nameWithOwner owner { login } } }"
)


def _query(sources: Sequence[Source], after: dict[str, str | None]) -> tuple[str, dict[str, Any]]:
    """One query asking about each source (aliases ``s0``, ``s1``, ...), organisations from their cursor."""
    declared, fields, variables = [], [], {}
    for index, source in enumerate(sources):
        alias = f"s{index}"
        if source.kind == "org":
            declared += [f"$login{index}: String!", f"$after{index}: String"]
            variables[f"login{index}"], variables[f"after{index}"] = source.name, after.get(source.key)
            listing = _PRIVATE_REPOSITORIES % (_PAGE, f"after{index}")
            fields.append(f"{alias}: repositoryOwner(login: $login{index}) {{ login {listing} }}")
        elif source.kind == "repo":
            owner, name = source.name.split("/", 1)
            declared += [f"$owner{index}: String!", f"$name{index}: String!"]
            variables[f"owner{index}"], variables[f"name{index}"] = owner, name
            fields.append(
                f"{alias}: repository(owner: $owner{index}, name: $name{index}) {{ nameWithOwner isPrivate }}"
            )
    query = f"query Visibility({', '.join(declared)}) {{\n  " + "\n  ".join(fields) + "\n  rateLimit { cost }\n}"
    return query, variables


def what_the_token_sees(client: GitHubClient, sources: Sequence[Source]) -> list[SourceVisibility]:
    """What the token can see of each source, in the sources' order (user sources: seen, nothing listed).

    Organisations with more than 100 private repositories the token can see are read on, a query
    per further page, for them alone. GitHub's errors (a repository that went private since the
    search, say) raise ``GitHubServerError`` as every other query's do.
    """
    asked = [source for source in sources if source.kind in ("org", "repo")]
    private: dict[str, list[str]] = {source.key: [] for source in asked}
    visible: dict[str, bool] = {}
    after: dict[str, str | None] = {}
    pending = asked
    while pending:
        query, variables = _query(pending, after)
        data = client.graphql(query, variables)
        more = []
        for index, source in enumerate(pending):
            answer = data.get(f"s{index}")
            visible[source.key] = answer is not None
            if answer is None:
                continue
            if source.kind == "repo":
                if answer.get("isPrivate"):
                    private[source.key].append(str(answer["nameWithOwner"]))
                continue
            listing = answer.get("repositories") or {}
            owner = str(answer.get("login") or source.name).lower()
            private[source.key] += [
                str(node["nameWithOwner"])
                for node in listing.get("nodes") or ()
                if node and str((node.get("owner") or {}).get("login", "")).lower() == owner
            ]
            page = listing.get("pageInfo") or {}
            if page.get("hasNextPage") and page.get("endCursor"):
                after[source.key] = page["endCursor"]
                more.append(source)
        pending = more
    return [
        SourceVisibility(source.key, visible=True)
        if source.kind == "user"
        else SourceVisibility(
            source.key,
            visible=visible.get(source.key, False),
            listed=True,
            private_repositories=tuple(sorted(set(private[source.key]))),
        )
        for source in sources
    ]
