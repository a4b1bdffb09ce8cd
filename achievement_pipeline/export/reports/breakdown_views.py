"""View models of the portfolio's other readings: by quarter, by skill, and the issues a PR closed.

Like ``views``, every string is cleaned and every link checked here, before a template sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.coerce import as_dict, as_list, as_number, as_range
from achievement_pipeline.export.reports.formatting import (
    format_count,
    format_hours,
    format_money,
    format_money_range,
    format_window,
    pluralise,
)
from achievement_pipeline.export.reports.text import TITLE_LIMIT, safe_href

ISSUE_LINKS = 10
SKILL_PR_LINKS = 8
QUARTER_HEADLINES = 3
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def issue_views(items: object) -> list[dict[str, Any]]:
    """The issues an achievement closes, as "#140" links; a link only through safe_href."""
    links = []
    for entry in (as_dict(x) for x in as_list(items)[:ISSUE_LINKS]):
        number = round(as_number(entry.get("number")))
        if number > 0:
            links.append({"label": f"#{number}", "href": safe_href(entry.get("url"))})
    return links


def quarter_views(portfolio: Mapping[str, Any], currency: str) -> list[dict[str, Any]]:
    """One row a quarter, with its headline achievements by title; none for a window within one quarter."""
    items = [as_dict(q) for q in as_list(portfolio.get("quarters"))]
    if len(items) < 2:
        return []
    titles = {
        str(as_dict(g).get("id")): clean_text(as_dict(g).get("title"), TITLE_LIMIT)
        for g in as_list(portfolio.get("achievement_groups"))
    }
    rows = []
    for item in items:
        match = _QUARTER.match(clean_text(item.get("quarter"), 10))
        v_low, v_exp, v_high = as_range(item.get("value"))
        prs = max(0, round(as_number(item.get("prs"))))
        ids = [str(x) for x in as_list(item.get("achievement_ids"))[:QUARTER_HEADLINES]]
        rows.append(
            {
                "label": f"Q{match.group(2)} {match.group(1)}" if match else clean_text(item.get("quarter"), 10),
                "dates": format_window(item.get("start"), item.get("end")),
                "prs": format_count(prs),
                "prs_noun": pluralise(prs, "pull request"),
                "hours": format_hours(as_range(item.get("hours"))[1]),
                "value_expected": format_money(v_exp, currency),
                "value_range": format_money_range(v_low, v_high, currency),
                "headlines": [titles[i] for i in ids if titles.get(i)],
            }
        )
    return rows


def skill_views(portfolio: Mapping[str, Any], urls: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
    """Each skill with the PRs that show it, linked, most evidenced first."""
    rows = []
    for item in (as_dict(s) for s in as_list(portfolio.get("skills"))[:limit]):
        name = clean_text(item.get("skill"), 60)
        pr_ids = [clean_text(p, 120) for p in as_list(item.get("prs"))]
        pr_ids = [p for p in pr_ids if p]
        if not name or not pr_ids:
            continue
        rows.append(
            {
                "skill": name,
                "count": format_count(len(pr_ids)),
                "prs": [{"pr_id": p, "href": safe_href(urls.get(p))} for p in pr_ids[:SKILL_PR_LINKS]],
                "prs_more": max(0, len(pr_ids) - SKILL_PR_LINKS),
            }
        )
    return rows
