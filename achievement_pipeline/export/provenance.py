"""How a portfolio was made: who generated it, and from which inputs.

Two records answer "where did this come from", and they split the question on purpose:

- The **document** (every export) carries the *inputs*: the warehouse rows it was computed from
  (counts per table and one digest of the rows read), the model versions that spoke, the
  assumptions ledger's hash, how many curation choices shaped it, and what the GitHub token could
  see. The same inputs give the same section, so an export asked for again with nothing changed
  is the same document and its files are not rendered again. Beside it, ``generated_by`` says who
  started the run that rendered these files (with ``generated_at``, when): both describe this
  copy, so neither makes a new document of an unchanged one.
- The **audit trail** (``export.audit``) records every export *run*: who asked, when, for which
  subject and window, from which inputs, and whether the files were rendered or reused. Asking
  again for an unchanged portfolio is an export event too; only the trail records it.

Only names and counts: never a token, never a URL's password (``core.redaction`` runs over it all).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from achievement_pipeline.core.fingerprints import rows_digest
from achievement_pipeline.core.launched_by import Launcher
from achievement_pipeline.core.ledger import Ledger
from achievement_pipeline.core.predictions import SCORECARD_VERSION
from achievement_pipeline.core.redaction import redact, redact_all
from achievement_pipeline.core.warehouse import TABLES
from achievement_pipeline.export.curation import Choice

_MODEL_FIELDS = ("category_model_version", "sentiment_model_version")


def generated_by(launcher: Launcher) -> dict[str, str]:
    """Who started the run that rendered a portfolio, as the document names it (redacted: tags are free text)."""
    return {"kind": launcher.kind, "name": redact(launcher.name), "text": redact(str(launcher))}


def without_credentials(url: str) -> str:
    """``url`` with no user, password, query or fragment: what may be written down about where data came from."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if not parts.scheme or not parts.hostname:
        return redact(url)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def model_versions(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every model version that spoke for these rows, and the impact scorecard's version, sorted."""
    found = {SCORECARD_VERSION}
    for row in rows:
        found |= {str(row[name]) for name in _MODEL_FIELDS if row.get(name)}
    return sorted(found)


def table_counts(rows: Sequence[Mapping[str, Any]], tables: Sequence[str]) -> list[dict[str, Any]]:
    """How many of the joined ``rows`` each stage table contributed: those holding a column only that table has."""
    columns = {table: {column.name for column in TABLES[table].columns} for table in tables}
    counts = []
    for table in tables:
        others = set().union(*(columns[other] for other in tables if other != table))
        own = sorted(columns[table] - others)
        counts.append({"table": table, "rows": sum(1 for row in rows if not own or own[0] in row)})
    return counts


def curation_counts(choices: Iterable[Choice]) -> dict[str, Any]:
    """How many choices shaped the portfolio, by kind; what they name stays with the person (``curation``)."""
    by_kind = Counter(choice.kind for choice in choices)
    return {"choices": sum(by_kind.values()), "by_kind": dict(sorted(by_kind.items()))}


def provenance(
    *,
    rows: Sequence[Mapping[str, Any]],
    tables: Sequence[str],
    ledger: Ledger,
    choices: Sequence[Choice],
    github_base_url: str,
    privacy: Mapping[str, Any],
) -> dict[str, Any]:
    """The document's ``provenance`` section: what this portfolio was computed from, nothing about this run.

    ``rows``: the joined warehouse rows read for the subject and window (before any was left out);
    ``privacy``: ``export.privacy.document`` (private repositories included and left out, what the token saw).
    """
    return redact_all(
        {
            "warehouse": {"tables": table_counts(rows, tables), "rows_digest": rows_digest(rows)},
            "models": model_versions(rows),
            "assumptions": {"source": ledger.source, "sha256": ledger.digest},
            "curation": curation_counts(choices),
            "github": {"base_url": without_credentials(github_base_url), **privacy},
        }
    )
