"""The view model of the one-page executive summary: highlights, category mix and sentences.

The summary is read by people who will not open the full portfolio, so it picks a few
highlights with some breadth and says the category mix and the key assumption in plain
sentences. It starts from the same ``common_view`` as the full portfolio, so the two
documents always agree on the headline figures. The Markdown variant of the category
sentence is made literal here (``md_paste``) and marked ``MdSafe`` so the Markdown template passes it through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from achievement_pipeline.core.text import clean_text, md_paste
from achievement_pipeline.export.reports.charts import category_rows, svg_round
from achievement_pipeline.export.reports.coerce import as_dict, as_list, as_range
from achievement_pipeline.export.reports.formatting import (
    category_label,
    currency_code,
    format_money,
    format_money_range,
    join_phrases,
    pluralise,
)
from achievement_pipeline.export.reports.text import HIGHLIGHT_LIMIT, LABEL_LIMIT, MdSafe, safe_href
from achievement_pipeline.export.reports.views import (
    assumption_value,
    common_view,
    pr_links,
    pr_urls,
    sorted_achievements,
    sorted_groups,
)

HIGHLIGHT_PRS = 4


def _highlights(achievements: list[Mapping[str, Any]], count: int = 5) -> list[Mapping[str, Any]]:
    """Pick up to ``count`` highlights by value, at most two per category on the first pass,
    so the summary shows breadth without promoting trivial work over the biggest wins."""
    chosen: list[Mapping[str, Any]] = []
    per_category: dict[str, int] = {}
    for item in achievements:
        key = clean_text(item.get("category"), LABEL_LIMIT).lower()
        if per_category.get(key, 0) < 2:
            chosen.append(item)
            per_category[key] = per_category.get(key, 0) + 1
        if len(chosen) == count:
            return chosen
    for item in achievements:
        if len(chosen) == count:
            break
        if not any(item is c for c in chosen):
            chosen.append(item)
    order = {id(item): index for index, item in enumerate(achievements)}
    return sorted(chosen, key=lambda item: order[id(item)])


def _category_sentence(categories: list[dict[str, Any]], escape: Any = str) -> str:
    """The category mix in one sentence; ``escape`` is applied to the category phrases only,
    so the Markdown variant keeps its own parentheses readable."""
    if not categories:
        return "No categorised work in this window."
    by_value = any(cat["value"] > 0 for cat in categories)
    share = "value_share" if by_value else "pr_share"

    def part(cat: dict[str, Any]) -> str:
        return f"{escape(cat['phrase'])} ({cat[share]}, {cat['prs']} {pluralise(cat['prs'], 'PR')})"

    noun = "value" if by_value else "merged work"
    sentence = f"Most of the {noun} came from {part(categories[0])}"
    if rest := categories[1:3]:
        sentence += ", followed by " + join_phrases([part(cat) for cat in rest])
    return sentence + "."


def _assumption_note(ledger: Mapping[str, Any]) -> str:
    """One line naming the assumption that drives the value (the hourly rate) and how many others exist."""
    if not ledger:
        return "Values are estimates; no assumptions ledger was supplied."
    names = list(ledger)
    lead = "hourly_rate" if "hourly_rate" in ledger else names[0]
    entry = as_dict(ledger[lead])
    value = assumption_value(entry.get("value"), entry.get("unit"))
    if lead == "hourly_rate":
        lead_text = f"an hourly rate of {value}"
    else:
        lead_text = f"{clean_text(lead, LABEL_LIMIT)} = {value}"
    others = len(names) - 1
    more = f" and {others} other documented {pluralise(others, 'assumption')}" if others else ""
    return (
        f"Estimates assume {lead_text}{more}; ranges come from the uncertainty of those inputs, "
        "and the full ledger is in the portfolio appendix."
    )


def summary_view(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    view = common_view(portfolio)
    currency = view["currency"]
    # Highlights cite achievement groups when the document has them (one line per feature,
    # linking every PR behind it); older documents without groups cite single PRs.
    groups = sorted_groups(portfolio)
    urls = pr_urls(portfolio)
    highlights = []
    for item in _highlights(groups or sorted_achievements(portfolio)):
        low, expected, high = as_range(item.get("value"))
        cur = currency_code(item.get("currency")) or currency
        if groups:
            prs = pr_links(as_list(item.get("pr_ids")), urls, HIGHLIGHT_PRS)
            more = max(0, len(as_list(item.get("pr_ids"))) - HIGHLIGHT_PRS)
        else:
            prs = [{"pr_id": clean_text(item.get("pr_id"), 120) or "pull request", "href": safe_href(item.get("url"))}]
            more = 0
        highlights.append(
            {
                "text": clean_text(item.get("statement") or item.get("title"), HIGHLIGHT_LIMIT) or "(untitled)",
                "prs": prs,
                "prs_more": more,
                "value": format_money(expected, cur),
                "range": format_money_range(low, high, cur),
                "category": category_label(item.get("category")),
            }
        )
    categories = category_rows(as_list(portfolio.get("category_mix")), currency)
    by_value = any(cat["value"] > 0 for cat in categories)
    segments, x = [], 0.0
    for cat in categories:
        share = cat["share_of_value"] if by_value else cat["share_of_prs"]
        if share > 0:
            segments.append(
                {
                    "x": svg_round(680 * x),
                    "w": svg_round(680 * share),
                    "colour": cat["colour"],
                    "label": cat["label"],
                    "share": cat["value_share" if by_value else "pr_share"],
                }
            )
            x += share
    view.update(
        {
            "mix_segments": segments,
            "highlights": highlights,
            "category_sentence": _category_sentence(categories),
            "category_sentence_md": MdSafe(_category_sentence(categories, md_paste)),
            "categories": categories,
            "assumption_note": _assumption_note(as_dict(portfolio.get("assumptions"))),
        }
    )
    return view
