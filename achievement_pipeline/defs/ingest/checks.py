"""The Great Expectations check of the ``pull_requests`` table, with the row rules enrich applies.

Blocking on what is wrong with the table; a PR that breaks a row rule (``core.pr_rules``) is named in a
warning, and the window goes on without it.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from achievement_pipeline.core.pr_rules import pr_problems
from achievement_pipeline.defs.ingest.assets import pull_requests
from achievement_pipeline.defs.table_checks import table_expectations


def _row_rules(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each stored PR the row rules refuse, with why: what enrich will set aside."""
    now = datetime.now(UTC)
    found = {str(row["pr_id"]): pr_problems(row, now) for row in rows}
    return {pr_id: problems for pr_id, problems in found.items() if problems}


pull_requests_expectations = table_expectations(
    pull_requests,
    row_rules=_row_rules,
    row_note="enrich sets them aside and the portfolio lists them in Appendix A with these reasons",
)
