"""The "How this portfolio was made" note: who generated it and from what, in a few short sentences.

Read from the document's ``generated_by`` and ``provenance`` (``export.provenance``), the same
sentences in the HTML, the PDF and the Markdown. Like every view it degrades instead of failing:
a document without provenance (an older export) still says when it was generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_dict, as_list, as_number
from achievement_pipeline.export.reports.formatting import format_count, format_generated, join_phrases, pluralise

_NOTE = 400
_DIGEST = 12  # characters of a SHA-256 worth printing: enough to compare two exports by eye


def _short(digest: object) -> str:
    return clean_text(digest, 64)[:_DIGEST]


def how_it_was_made(portfolio: Mapping[str, Any], source: str) -> list[str]:
    """Who generated the portfolio and when, then what from: rows, models, ledger, curation, GitHub.

    ``source``: where the PRs came from as the view names it (a host, never a link, or the demo's label).
    """
    by = clean_text(as_dict(portfolio.get("generated_by")).get("text"), 250)
    lines = [f"Generated {format_generated(portfolio.get('generated_at'))}" + (f" by {by}." if by else ".")]
    made = as_dict(portfolio.get("provenance"))
    if not made:
        return lines
    warehouse = as_dict(made.get("warehouse"))
    tables = [as_dict(t) for t in as_list(warehouse.get("tables"))]
    named = [(round(as_number(t.get("rows"))), clean_text(t.get("table"), 40)) for t in tables if t.get("table")]
    if len({rows for rows, _ in named}) == 1:  # the usual case: every stage holds the same PRs
        rows = named[0][0]
        each = "" if len(named) == 1 else "each of "
        read = f"{format_count(rows)} {pluralise(rows, 'row')} from {each}{join_phrases([name for _, name in named])}"
    else:
        read = join_phrases([f"{format_count(rows)} {pluralise(rows, 'row')} from {name}" for rows, name in named])
    lines.append(f"From the warehouse: {read} (digest {_short(warehouse.get('rows_digest'))}).")
    models = [clean_text(m, 150) for m in as_list(made.get("models"))]
    if models:
        lines.append(f"Models: {', '.join(m for m in models if m)}.")
    ledger = as_dict(made.get("assumptions"))
    lines.append(
        f"Assumptions ledger {clean_text(ledger.get('source'), 200)} (SHA-256 {_short(ledger.get('sha256'))})."
    )
    curation = as_dict(made.get("curation"))
    count = max(0, round(as_number(curation.get("choices"))))
    if count:
        kinds = ", ".join(
            f"{format_count(n)} {clean_text(kind, 20)}" for kind, n in as_dict(curation.get("by_kind")).items()
        )
        lines.append(f"Curation choices applied: {format_count(count)} ({kinds}).")
    else:
        lines.append("No curation choices applied.")
    github = as_dict(made.get("github"))
    statement = clean_text(github.get("statement"), _NOTE)
    lines.append(" ".join(part for part in (f"Pull requests from {source}." if source else "", statement) if part))
    return lines
