"""The four questions the read API answers, each limited to what the caller's token may see.

``list_achievements``, ``get_portfolio``, ``search_prs`` and ``explain_value`` take the token the caller
presented and answer from the portfolio the export would write (:mod:`.reader`). The HTTP API and the
MCP server call these and only translate the outcome: :class:`~.tokens.Unauthenticated` (no token or an
unknown one), :class:`~.tokens.Forbidden` (someone the token does not cover), :class:`NotFound` (a PR the
caller cannot see, never saying whether it exists) and :class:`BadInput` (a malformed window, period,
category or search).

A PR the caller cannot see and one that does not exist get the same answer, so a token cannot probe
for other people's work; nor does a PR its author left out or made private appear anywhere, as in the
exports.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from achievement_pipeline.core.records import SHOWN_CATEGORIES
from achievement_pipeline.core.windows import WindowError, parse_window, period_window
from achievement_pipeline.export.reports.views import HEADLINE_ACHIEVEMENTS
from achievement_pipeline.export.subjects import Subject
from achievement_pipeline.serve.reader import Reader
from achievement_pipeline.serve.tokens import Tokens, visible

VIEWS = ("summary", "full")
MAX_LIMIT = 500
MAX_SEARCH_LIMIT = 100
_SEARCH_LENGTH = 200
_PR_ID = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#\d+$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# What the summary view leaves to list_achievements and explain_value: one entry per PR.
_PER_PR = ("achievements", "rejected")


class BadInput(ValueError):
    """A question that cannot be answered as asked: the message names the input and what to write."""


class NotFound(LookupError):
    """No PR by that id among those the caller may see."""


def window_of(text: str, name: str = "window") -> tuple[date, date]:
    """[start, end) of a named period (2025, 2025-Q1, 2025-03) or an inclusive range (2025-01-01..2025-03-31)."""
    text = text.strip()
    how = "use a year (2025), a quarter (2025-Q1), a month (2025-03) or a range of days (2025-01-01..2025-03-31)"
    if not text:
        raise BadInput(f"{name} is missing: {how}")
    try:
        if found := _RANGE.match(text):
            return parse_window(found[1], found[2], (date.min, date.max))
        return period_window(text)
    except WindowError as exc:
        reason = "it ends before it starts" if "ends before" in str(exc) else "it is not one of those"
        raise BadInput(f"{name} {text!r} cannot be read ({reason}): {how}") from None


def _quarter(day: str) -> tuple[date, date]:
    merged = date.fromisoformat(day)
    return period_window(f"{merged.year}-Q{(merged.month - 1) // 3 + 1}")


def _window(document: dict[str, Any]) -> dict[str, str]:
    return dict(document["window"])


class ReadService:
    """The questions, over one reader and one set of grants."""

    def __init__(self, reader: Reader, tokens: Tokens) -> None:
        self.reader = reader
        self.tokens = tokens

    def _subjects(self, token: str | None, requested: str) -> tuple[Subject, Subject]:
        """Who asks (the token's subject: who reads the answer) and whom the question is about."""
        caller = self.tokens.caller(token)
        return caller, visible(caller, requested)

    def whoami(self, token: str | None) -> dict[str, Any]:
        """Who the token speaks for and which subjects it may name."""
        caller = self.tokens.caller(token)
        return {
            "subject": caller.as_document() | {"members": list(caller.members)},
            "may_see": [caller.login, *(m for m in caller.members if caller.kind == "team")],
        }

    def list_achievements(
        self, token: str | None, subject: str, window: str, category: str = "", limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        """The subject's achievements in the window (related PRs grouped, as the portfolio tells them), optionally
        of one category; pinned first, then by expected value, as the portfolio orders them."""
        caller, chosen = self._subjects(token, subject)
        start, end = window_of(window)
        category = category.strip().lower()
        if category and category not in SHOWN_CATEGORIES:
            raise BadInput(f"category {category!r} is not one of {', '.join(SHOWN_CATEGORIES)} (or leave it empty)")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise BadInput(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")
        document = self.reader.portfolio(chosen, start, end, readers=caller).document
        groups = [g for g in document["achievement_groups"] if not category or g["category"] == category]
        return {
            "subject": document["subject"],
            "window": _window(document),
            "category": category or None,
            "total": len(groups),
            "offset": offset,
            "limit": limit,
            "currency": document["totals"]["currency"],
            "achievements": groups[offset : offset + limit],
        }

    def get_portfolio(self, token: str | None, subject: str, period: str, view: str = "summary") -> dict[str, Any]:
        """The subject's portfolio for the period: the exported document (``full``), or (``summary``) the same
        without its per-PR entries and with the headline achievements only."""
        caller, chosen = self._subjects(token, subject)
        start, end = window_of(period, "period")
        if view not in VIEWS:
            raise BadInput(f"view {view!r} is not one of {', '.join(VIEWS)}")
        document = self.reader.portfolio(chosen, start, end, readers=caller).document
        if view == "full":
            return document
        groups = document["achievement_groups"]
        return {
            **{key: value for key, value in document.items() if key not in _PER_PR},
            "view": "summary",
            "achievement_groups": groups[:HEADLINE_ACHIEVEMENTS],
            "counts": {
                "achievement_groups": len(groups),
                "achievements": len(document["achievements"]),
                "rejected": len(document["rejected"]),
            },
            "more": (
                "list_achievements gives every achievement of the window (by category, in pages); explain_value "
                "a pull request's value with its arithmetic; view=full the whole exported document"
            ),
        }

    def search_prs(self, token: str | None, text: str, limit: int = 20) -> dict[str, Any]:
        """The caller's published PRs whose id, repository, title, statement or summary hold every word of
        ``text`` (any case), newest first. The words are matched against the redacted text the portfolio prints."""
        caller = self.tokens.caller(token)
        words = text.casefold().split()
        if not words or len(text) > _SEARCH_LENGTH:
            raise BadInput(f"text must hold 1 to {_SEARCH_LENGTH} characters of words to look for")
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise BadInput(f"limit must be 1 to {MAX_SEARCH_LIMIT}")
        found = []
        for item in self.reader.catalogue(caller):
            haystack = " ".join(
                str(item[key] or "") for key in ("pr_id", "repo", "title", "statement", "summary")
            ).casefold()
            if all(word in haystack for word in words):
                found.append(item)
        return {"text": text, "total": len(found), "limit": limit, "prs": found[:limit]}

    def explain_value(self, token: str | None, pr_id: str, period: str = "") -> dict[str, Any]:
        """How the PR's value was reached, as its card in the portfolio of ``period`` shows it (by default the
        quarter it merged in: the calendar's bound on hours depends on the window).

        The arithmetic in one line, its factors, the outcome it rests on or the judgement it is, the reach,
        the claims refused, the evidence and the assumptions applied; a rejected PR gives its reasons.
        """
        caller = self.tokens.caller(token)
        pr_id = pr_id.strip()
        if not _PR_ID.match(pr_id):
            raise BadInput(f"pr_id {pr_id!r} is not a pull request id: write owner/repo#123")
        pr = self.reader.pull_request(pr_id)
        unknown = NotFound(f"no pull request {pr_id} among those this token may see")
        if pr is None or not caller.includes(str(pr["author"] or "")):
            raise unknown
        start, end = window_of(period, "period") if period.strip() else _quarter(pr["merge_date"])
        if not start.isoformat() <= pr["merge_date"] < end.isoformat():
            last = end - timedelta(days=1)
            raise BadInput(f"{pr_id} merged on {pr['merge_date']}, outside the period {start}..{last}")
        portfolio = self.reader.portfolio(caller, start, end)
        document = portfolio.document
        card = next((a for a in document["achievements"] if a["pr_id"] == pr_id), None)
        if card is None:
            rejected = next((r for r in document["rejected"] if r["pr_id"] == pr_id), None)
            if rejected is None:
                raise unknown  # left out or kept private by its author's choices: not published
            return {"pr_id": pr_id, "window": _window(document), "status": "rejected", **rejected}
        row = portfolio.rows[pr_id]
        capacity = document["totals"]["capacity"]
        scale = next((a["scale"] for a in capacity["authors"] if a["author"] == card["author"]), 1.0)
        explained = {
            key: card[key]
            for key in (
                "pr_id", "title", "url", "author", "merged_at", "value", "currency", "value_basis", "arithmetic",
                "reach", "outcomes", "refused_claims", "hours", "cost", "evidence", "assumptions",
            )
        }  # fmt: skip
        return {
            **explained,
            "window": _window(document),
            "status": "accepted",
            "value_terms": [
                {"name": str(t.get("name", "")), "value": t["value"], "unit": str(t["unit"])}
                for t in row.get("value_terms") or []
            ],
            "capacity": {"statement": capacity["statement"], "scale": scale},
            **{key: card[key] for key in ("reverted_by", "reverts") if card.get(key)},
        }
