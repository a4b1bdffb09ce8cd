"""The view model of CV bullets: one line per headline achievement, its measured outcome first.

A CV line is read in seconds, so it leads with what changed for someone (a measured outcome
one of the achievement's PRs states, and which the plausibility rules accepted), attributed to
that PR, then what was done. Estimated hours and dollars stay out: they are estimates for a
manager with the ledger at hand, not claims to put on a CV. The Markdown and plain-text CV
are rendered from this one view, so they say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_dict, as_list, as_range
from achievement_pipeline.export.reports.formatting import month_span, pluralise
from achievement_pipeline.export.reports.text import STATEMENT_LIMIT, safe_href
from achievement_pipeline.export.reports.views import HEADLINE_ACHIEVEMENTS, common_view, sorted_groups

_PR_REF = re.compile(r"\s*\(#\d+\)")  # "(#364)": the line names its PR once, in full
_CLAIM_LIMIT = 200


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clause(text: str) -> str:
    """The text without its closing full stop, so a note in parentheses can go before it."""
    return text.rstrip(" ;,:").removesuffix(".").rstrip(" ;,:")


def _outcome(members: list[Mapping[str, Any]]) -> tuple[str, Mapping[str, Any]] | None:
    """The measured outcome of the most valuable member PR that states one, with that PR."""
    for item in sorted(members, key=lambda a: -as_range(a.get("value"))[1]):
        for outcome in (as_dict(o) for o in as_list(item.get("outcomes"))):
            claim = clean_text(outcome.get("claim"), _CLAIM_LIMIT).rstrip(" .")
            if claim:
                return claim, item
    return None


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d.,]*\d|\d", text)


def _split(statement: str, claim: str) -> tuple[str, str]:
    """(what was done, the statement's own clause that reports the outcome, or "").

    The enrich stage writes a measured claim into the statement as a later clause ("...; the PR
    reports that p95 goes from 780 ms to 240 ms"): the clause that holds every number of the
    claim is that one. "(#N)" references go (the line names its PR in full), as does the full stop.
    """
    clauses = [c.strip() for c in statement.split("; ")]
    wanted = _numbers(claim)
    reported = next((c for c in clauses[1:] if wanted and all(n in _numbers(c) for n in wanted)), "")
    done = "; ".join(c for c in clauses if c != reported)
    return _clause(_PR_REF.sub("", done).strip()), _clause(reported)


def _line(group: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    pr_ids = [str(p) for p in as_list(group.get("pr_ids"))]
    members = [by_id[p] for p in pr_ids if p in by_id]
    found = _outcome(members)
    claim, source = found if found else ("", members[0] if members else {})
    statement = clean_text(group.get("statement") or group.get("title"), STATEMENT_LIMIT) or "(untitled achievement)"
    related = len(pr_ids) - 1
    extent = f"+{related} related {pluralise(related, 'pull request')}" if related > 0 else ""
    when = month_span(group.get("first_merged_at"), group.get("last_merged_at"))
    pr_id = clean_text(source.get("pr_id") or (pr_ids[0] if pr_ids else ""), 120)
    done, reported = _split(statement, claim)
    return {
        # The statement's own wording of the outcome when it has one (it already says who reports it).
        "outcome": _upper_first(reported or claim),
        "attributed": bool(reported),
        "done": done,
        "pr_id": pr_id,
        "href": safe_href(source.get("url")),
        "notes": "; ".join(n for n in (extent, when) if n),
    }


def cv_view(portfolio: Mapping[str, Any], limit: int = HEADLINE_ACHIEVEMENTS) -> dict[str, Any]:
    """The headline achievements as CV lines, pinned ones first, in the portfolio's order."""
    view = common_view(portfolio)  # the window and the login, as the other formats write them
    by_id = {str(a.get("pr_id")): a for a in (as_dict(x) for x in as_list(portfolio.get("achievements")))}
    view["lines"] = [_line(g, by_id) for g in sorted_groups(portfolio)[: max(0, limit)]]
    return view
