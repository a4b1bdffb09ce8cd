"""A person's own choices about their portfolio, kept in the warehouse so they outlast every re-run.

What to leave out (a PR or a whole repository), what to show without its title and details
(private), what to feature (pinned first), and their own words for a title or a statement. The
choices live in the ``curation`` table of the warehouse database, beside the stage tables but
never replaced by them, with who made each choice, when, and from where (the Dagster UI's
launchpad, or ``curation.yaml`` in the home folder). Every export applies them.

Excluded and private work is out of every format and every figure: a reader cannot check a
figure whose PR they cannot see, so a private PR is only listed as "a private change merged on
<date>", and the portfolio's record of the choices names neither what was left out nor what
was made private (the warehouse and the Dagster UI, which are the person's own, do).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from achievement_pipeline.core import settings
from achievement_pipeline.core.warehouse import Warehouse, storable

EXCLUDE, PRIVATE, PIN, TITLE, STATEMENT = "exclude", "private", "pin", "title", "statement"
KINDS = (EXCLUDE, PRIVATE, PIN, TITLE, STATEMENT)
FROM_FILE, FROM_UI = "curation.yaml", "ui"
WITHHELD = "(withheld)"
_WITHHELD_KINDS = (EXCLUDE, PRIVATE)

_PR_ID = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#\d+$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_TEXT_LIMIT = 300

metadata = sa.MetaData()
table = sa.Table(
    "curation",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("target", sa.String(300), primary_key=True),  # a pr_id, or owner/name for a repository
    sa.Column("text", sa.Text, nullable=False),  # the person's words for a title or statement
    sa.Column("set_by", sa.String(100), nullable=False),
    sa.Column("set_at", sa.String(32), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # curation.yaml | ui
)


class CurationError(ValueError):
    """A choice that names nothing a portfolio holds, or a file that cannot be read."""


@dataclass(frozen=True)
class Choice:
    kind: str
    target: str
    text: str = ""
    set_by: str = ""
    set_at: str = ""
    source: str = FROM_UI

    def as_dict(self) -> dict[str, str]:
        """The choice as the portfolio records it: what was left out or made private is not named."""
        target = WITHHELD if self.kind in _WITHHELD_KINDS else self.target
        shown = {"kind": self.kind, "target": target, "set_by": self.set_by, "set_at": self.set_at}
        return {**shown, "source": self.source, **({"text": self.text} if self.text else {})}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def choice(kind: str, target: str, *, text: str = "", by: str, source: str, at: str = "") -> Choice:
    """A checked choice: a known kind, a well-formed target, the person's words within bounds."""
    target = target.strip()
    if kind not in KINDS:
        raise CurationError(f"unknown curation choice {kind!r}: use one of {', '.join(KINDS)}")
    allowed = _REPO.match(target) and kind == EXCLUDE
    if not (_PR_ID.match(target) or allowed):
        what = (
            "a PR id (owner/name#123) or a repository (owner/name)" if kind == EXCLUDE else "a PR id (owner/name#123)"
        )
        raise CurationError(f"{kind} {target!r} is not {what}")
    text = " ".join(text.split())
    if kind in (TITLE, STATEMENT) and not 3 <= len(text) <= _TEXT_LIMIT:
        raise CurationError(f"the new {kind} for {target} must be 3 to {_TEXT_LIMIT} characters")
    return Choice(kind, target, text, by or FROM_UI, at or _now(), source)


def curation_file() -> Path:
    """Where a person writes their choices by hand: ``curation.yaml`` in the home folder."""
    return settings.home() / FROM_FILE


def removal(item: str) -> tuple[str, str]:
    """``"exclude:octo-demo/dotfiles"`` → ("exclude", "octo-demo/dotfiles"), checked like a choice."""
    kind, sep, target = item.partition(":")
    if not sep or kind.strip() not in KINDS or not target.strip():
        raise CurationError(
            f"cannot undo {item!r}: write kind:target with kind one of {', '.join(KINDS)}, "
            "e.g. exclude:octo-demo/dotfiles or pin:acme/web-app#12"
        )
    return kind.strip(), target.strip()


def choices_from_file(path: Path) -> list[Choice]:
    """The choices written in a curation file (missing file: none). Its format::

    exclude: [acme/web-app#12, octo-demo/dotfiles]   # a PR, or a whole repository
    private: [acme/web-app#31]                       # shown without its title and details
    pin: [acme/infra#1307]                           # featured first
    titles: {acme/web-app#499: Fixed checkout rounding}
    statements: {acme/web-app#499: Cut checkout errors by a third by fixing rounding.}
    """
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise CurationError(f"curation file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise CurationError(f"curation file {path} must map exclude/private/pin/titles/statements to entries")
    unknown = sorted(set(data) - {"exclude", "private", "pin", "titles", "statements"})
    if unknown:
        raise CurationError(f"curation file {path} has unknown keys {', '.join(unknown)}")
    found = []
    for kind in (EXCLUDE, PRIVATE, PIN):
        found += [choice(kind, str(t), by=FROM_FILE, source=FROM_FILE) for t in data.get(kind) or []]
    for key, kind in (("titles", TITLE), ("statements", STATEMENT)):
        for target, text in (data.get(key) or {}).items():
            found.append(choice(kind, str(target), text=str(text), by=FROM_FILE, source=FROM_FILE))
    return found


class CurationStore:
    """The curation table on the warehouse's engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def all(self) -> list[Choice]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.kind, table.c.target)).mappings()
            return [Choice(**dict(row)) for row in rows]

    def sync_file(self, path: Path) -> list[Choice]:
        """Take in the curation file's current choices, then return every choice in force."""
        self.replace_file_choices(choices_from_file(path))
        return self.all()

    def replace_file_choices(self, choices: Iterable[Choice]) -> None:
        """The file is the truth for what it says: its previous choices go, its current ones are set."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.source == FROM_FILE))
            self._put(conn, list(choices))

    def set(self, choices: Iterable[Choice]) -> None:
        with self.engine.begin() as conn:
            self._put(conn, list(choices))

    def remove(self, kind: str, target: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(sa.delete(table).where(table.c.kind == kind, table.c.target == target))
        return bool(done.rowcount)

    @staticmethod
    def _put(conn: sa.Connection, choices: list[Choice]) -> None:
        for item in choices:
            conn.execute(sa.delete(table).where(table.c.kind == item.kind, table.c.target == item.target))
        if choices:
            conn.execute(sa.insert(table), [storable(c.__dict__) for c in choices])  # a person's text, as stage rows


def unmatched_targets(choices: Iterable[Choice], warehouse: Warehouse) -> list[str]:
    """Targets that name no collected PR or repository: most likely a typo, worth a warning."""
    known: set[str] = set()
    for row in warehouse.read_columns("pull_requests", ["pr_id", "repo"]):
        known.update((str(row["pr_id"]), str(row["repo"])))
    return sorted({c.target for c in choices} - known)


@dataclass
class Curated:
    """The rows a portfolio may publish after the person's choices, and what it says of the rest."""

    rows: list[dict[str, Any]]
    choices: list[Choice] = field(default_factory=list)
    excluded: int = 0
    private_merged_on: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The ``curation`` section of the portfolio: every choice that shaped it."""
        return {
            "excluded_prs": self.excluded,
            "private_prs": [{"merged_on": day} for day in self.private_merged_on],
            "choices": [c.as_dict() for c in self.choices],
        }


def apply_curation(rows: Iterable[Mapping[str, Any]], choices: Iterable[Choice]) -> Curated:
    """Leave out, hold back as private, pin and reword as chosen; rows come back as copies."""
    choices = list(choices)
    by_kind: dict[str, dict[str, Choice]] = {kind: {} for kind in KINDS}
    for item in choices:
        by_kind[item.kind][item.target] = item
    kept, excluded, private = [], 0, []
    for source in rows:
        row = dict(source)
        if row["pr_id"] in by_kind[EXCLUDE] or row.get("repo") in by_kind[EXCLUDE]:
            excluded += 1
            continue
        if row["pr_id"] in by_kind[PRIVATE]:
            private.append(str(row.get("merged_at") or "")[:10])
            continue
        rewritten = []
        if (title := by_kind[TITLE].get(row["pr_id"])) is not None:
            row["title"], row["clean_title"] = title.text, title.text
            rewritten.append(TITLE)
        if (statement := by_kind[STATEMENT].get(row["pr_id"])) is not None:
            row["achievement"] = statement.text
            rewritten.append(STATEMENT)
        row["rewritten"] = rewritten
        row["pinned"] = row["pr_id"] in by_kind[PIN]
        kept.append(row)
    return Curated(rows=kept, choices=choices, excluded=excluded, private_merged_on=sorted(private))
