"""What the GitHub token could see when it last collected each source, for the portfolio to say.

A token only ever returns what it may read: PRs of a private repository it has no access to are
simply absent from every search, and nothing in the answer says so. The collector therefore asks,
whenever it fetched something, what the token can list for each configured organisation or
repository (``sources.github.visibility``) and records it here, one row per GitHub and source,
replaced by the next check. The export reads it (it may not import the collector) and the
portfolio says it: "the token saw 2 private repositories of acme and none of northwind".

A user source (``author:``) is recorded as seen without a list: GitHub has no question that names
every private repository a person's PRs went into, so their private work is counted from the PRs
themselves (``repo_is_private``). Only names and counts are kept: never the token, never a URL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()
visibility_table = sa.Table(
    "github_token_visibility",
    metadata,
    sa.Column("server", sa.String(300), primary_key=True),  # the collector's identity of the GitHub
    sa.Column("source", sa.String(300), primary_key=True),  # "org:acme", "repo:acme/api", "user:octo-demo"
    sa.Column("visible", sa.Boolean, nullable=False),
    sa.Column("listed", sa.Boolean, nullable=False),  # False: GitHub has no list for this kind of source
    sa.Column("private_repositories", sa.JSON, nullable=False),  # owner/name of each private one it could list
    sa.Column("checked_at", sa.String(32), nullable=False),
)


@dataclass(frozen=True)
class SourceVisibility:
    """What the token could see of one source: whether at all, and which private repositories it could list."""

    source: str  # the source's key, "kind:name"
    visible: bool
    listed: bool = False
    private_repositories: tuple[str, ...] = ()
    checked_at: str = ""

    @property
    def kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.source.split(":", 1)[1]

    def as_document(self) -> dict[str, object]:
        """The portfolio's record of it: counts, not names (a private repository's name is not for every reader).

        Not when it was checked: every collection that fetched anything checks again, and a portfolio whose
        data did not change must stay the same document (its files are then kept, not rendered again).
        """
        found: dict[str, object] = {"source": self.source, "visible": self.visible}
        if self.listed:
            found["private_repositories_visible"] = len(self.private_repositories)
        return found


class VisibilityStore:
    """The visibility table on the warehouse's engine; created if missing."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)  # checks first: creates only what is missing

    def save(self, server: str, seen: Iterable[SourceVisibility], at: datetime | None = None) -> None:
        """Replace the records of these sources of ``server`` with what the token could see now."""
        when = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = [
            {
                "server": server,
                "source": item.source,
                "visible": item.visible,
                "listed": item.listed,
                "private_repositories": sorted(item.private_repositories),
                "checked_at": when,
            }
            for item in seen
        ]
        if not rows:
            return
        table = visibility_table
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(table).where(table.c.server == server, table.c.source.in_([r["source"] for r in rows]))
            )
            conn.execute(sa.insert(table), rows)

    def read(self, server: str, sources: Collection[str] | None = None) -> list[SourceVisibility]:
        """The last record of each source of ``server`` (of ``sources`` only, when given), by source."""
        table = visibility_table
        query = sa.select(table).where(table.c.server == server).order_by(table.c.source)
        if sources is not None:
            query = query.where(table.c.source.in_(sorted(sources)))
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().all()
        return [
            SourceVisibility(
                source=row["source"],
                visible=bool(row["visible"]),
                listed=bool(row["listed"]),
                private_repositories=tuple(row["private_repositories"] or ()),
                checked_at=row["checked_at"],
            )
            for row in found
        ]
