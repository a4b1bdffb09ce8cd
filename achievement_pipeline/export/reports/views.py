"""The view model of the full portfolio: display-ready, already-safe data for the templates.

A template only lays out what these builders return: every string is cleaned and
truncated, every link checked and every number formatted *before* Jinja2 sees it. The
per-achievement and ledger views and the fields shared with the executive summary
(``common_view``) live here; the summary's own view is in ``summary``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from achievement_pipeline.core.authorship import withheld_unverified
from achievement_pipeline.core.predictions import LABEL_BASIS, MODEL_BASIS, PREFIX_BASIS, UNCERTAIN_BASIS
from achievement_pipeline.core.text import clean_text
from achievement_pipeline.export.reports.breakdown_views import issue_views, quarter_views, skill_views
from achievement_pipeline.export.reports.charts import category_chart, category_rows, time_chart
from achievement_pipeline.export.reports.classification import classification_note
from achievement_pipeline.export.reports.coerce import as_dict, as_finite, as_list, as_number, as_range
from achievement_pipeline.export.reports.formatting import (
    category_colour,
    category_label,
    currency_code,
    format_count,
    format_date,
    format_generated,
    format_hours,
    format_hours_range,
    format_money,
    format_money_range,
    format_percent,
    format_window,
    parse_datetime,
    pluralise,
)
from achievement_pipeline.export.reports.provenance_view import how_it_was_made
from achievement_pipeline.export.reports.text import (
    ASSUMPTION_ITEMS,
    EVIDENCE_ITEMS,
    EVIDENCE_LIMIT,
    LABEL_LIMIT,
    NOTE_LIMIT,
    REASON_ITEMS,
    REASON_LIMIT,
    STATEMENT_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    safe_href,
)

_IMPACTS = ("low", "medium", "high")
_STAR_PARTS = (("situation", "Situation"), ("task", "Task"), ("action", "Action"), ("result", "Result"))
STAR_LIMIT = 260
GROUP_PR_LINKS = 12
HEADLINE_ACHIEVEMENTS = 15  # what a reader holds of a quarter; the rest is listed compactly


def _evidence_view(items: list[Any]) -> tuple[list[dict[str, str]], int]:
    shown = []
    for item in items[:EVIDENCE_ITEMS]:
        entry = as_dict(item)
        detail = clean_text(entry.get("detail"), EVIDENCE_LIMIT)
        kind = clean_text(entry.get("kind"), 32).replace("_", " ") or "note"
        if detail:
            shown.append({"kind": kind, "detail": detail})
    return shown, max(0, len(items) - EVIDENCE_ITEMS)


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (number := as_finite(value)) is not None:
        return f"{number:,.0f}" if abs(number) >= 100 else f"{number:g}"
    return clean_text(value, 80)


def assumption_value(value: object, unit: object = "") -> str:
    """Ledger values are numbers, labels or small tables ({xs: 1, s: 3, ...}); render all three inline."""
    if isinstance(value, Mapping):
        text = ", ".join(f"{clean_text(k, 24)} {_scalar_text(v)}" for k, v in list(value.items())[:16])
    elif isinstance(value, list | tuple):
        text = ", ".join(_scalar_text(v) for v in list(value)[:16])
    else:
        text = _scalar_text(value)
    return clean_text(f"{text} {clean_text(unit, 40)}", NOTE_LIMIT)


# How each basis of a value reads on a card.
_BASIS_LABELS = {
    "outcome": "Value from a measured outcome",
    "judgement": "Value by judgement",
    "none": "No value",
    "reverted": "No value: reverted",
    "revert": "No value: a revert",
}


def _area_label(area: str) -> str:
    """An area as a reader names it: enrich's "(root)" is the files at the top of the repository."""
    return "repository root" if area == "(root)" else area


def _one_model(spoken: str) -> str:
    """ "pr-category:3" reads "pr-category v3"; "pr-category-base:vite-2026-08-22" reads
    "pr-category-base (vite-2026-08-22)"."""
    name, _, number = spoken.partition(":")
    name, number = clean_text(name, 40), clean_text(number, 30)
    if not number:
        return name
    return f"{name} v{number}" if number.isdigit() else f"{name} ({number})"


def _model_text(model: Mapping[str, Any]) -> str:
    """The models behind a card, each by its own version: "pr-category v3, pr-review-sentiment v2"."""
    own = [clean_text(model.get(key), 100) for key in ("category", "sentiment")]
    if any(own):
        return ", ".join(_one_model(spoken) for spoken in own if spoken)
    version = clean_text(model.get("version"), 120)
    if ":" in version:
        pairs = [part.split(":", 1) for part in version.split(",") if ":" in part]
        return ", ".join(f"{clean_text(name, 40)} v{clean_text(number, 10)}" for name, number in pairs[:4])
    name = clean_text(model.get("name"), 40)
    return " ".join(filter(None, [name, f"v{version}" if version else ""]))


def _category_note(basis: str, predicted: str, confidence: float | None) -> str:
    """Beside the category badge: who said it ("your prefix", "label") or the model's measured chance."""
    chance = format_percent(confidence, 1) if confidence is not None else ""
    if basis == PREFIX_BASIS:
        return "your prefix"
    if basis == LABEL_BASIS:
        return "PR label"
    if basis == UNCERTAIN_BASIS:
        return f"best guess {category_label(predicted)}, {chance}" if predicted else "no guess"
    return f"model, {chance}" if chance else "model"


def _scorecard_text(items: list[Any]) -> str:
    """The impact scorecard's points, item by item, so a reader can check each on the PR page."""
    scored = []
    for entry in (as_dict(x) for x in items[:EVIDENCE_ITEMS]):
        evidence, points = clean_text(entry.get("evidence"), EVIDENCE_LIMIT), as_finite(entry.get("points"))
        if evidence and points is not None:
            scored.append((evidence, int(points)))
    if not scored:
        return "0 points: under 250 lines, no measurable claim, no issue closed, a light review"
    total = sum(points for _, points in scored)
    return f"{total} point{'' if total == 1 else 's'}: " + "; ".join(f"{e} +{p}" for e, p in scored)


def _refused_view(items: list[Any]) -> list[str]:
    refused = []
    for entry in (as_dict(x) for x in items[:EVIDENCE_ITEMS]):
        claim, reason = clean_text(entry.get("claim"), EVIDENCE_LIMIT), clean_text(entry.get("reason"), REASON_LIMIT)
        if claim and reason:
            refused.append(f"{claim} ({reason})")
    return refused


def _achievement_view(item: Mapping[str, Any], rank: int, colour_index: dict[str, int]) -> dict[str, Any]:
    currency = currency_code(item.get("currency")) or "USD"
    v_low, v_exp, v_high = as_range(item.get("value"))
    h_low, h_exp, h_high = as_range(item.get("hours"))
    c_low, c_exp, c_high = as_range(item.get("cost"))
    basis = clean_text(item.get("value_basis"), 12).lower()
    title = clean_text(item.get("title"), TITLE_LIMIT) or "(untitled pull request)"
    statement = clean_text(item.get("statement"), STATEMENT_LIMIT)
    category = clean_text(item.get("category"), LABEL_LIMIT)
    colour_index.setdefault(category.lower(), len(colour_index))
    impact = clean_text(item.get("impact"), 16).lower()
    # The value stage's "impact" item repeats the scorecard, which the card lists item by item.
    evidence, evidence_more = _evidence_view(
        [e for e in as_list(item.get("evidence")) if as_dict(e).get("kind") != "impact"]
    )
    assumptions = []
    for entry in (as_dict(a) for a in as_list(item.get("assumptions"))[:ASSUMPTION_ITEMS]):
        name = clean_text(entry.get("name"), 40)
        if name:
            assumptions.append(f"{name} = {assumption_value(entry.get('value'), entry.get('unit'))}")
    model = as_dict(item.get("model"))
    model_text = _model_text(model)
    category_conf = as_finite(item.get("category_confidence"))
    category_basis = clean_text(item.get("category_basis"), 12).lower()
    impact_points = as_finite(item.get("impact_points"))
    additions, deletions = as_number(item.get("additions")), as_number(item.get("deletions"))
    return {
        "rank": rank,
        "heading": statement or title,
        "title": title,
        "show_title": bool(statement),
        "pr_id": clean_text(item.get("pr_id"), 120) or title,
        "author": clean_text(item.get("author"), 39),
        "repo": clean_text(item.get("repo"), 100),
        "href": safe_href(item.get("url")),
        "issues": issue_views(item.get("linked_issues")),
        "merged": format_date(item.get("merged_at")),
        "category": category_label(category),
        "category_colour": category_colour(category, colour_index[category.lower()]),
        "category_confidence": format_percent(category_conf, 1) if category_conf is not None else "",
        "category_note": _category_note(
            category_basis, clean_text(item.get("predicted_category"), LABEL_LIMIT), category_conf
        ),
        "impact": impact if impact in _IMPACTS else "unknown",
        "impact_label": f"{impact.capitalize()} impact" if impact in _IMPACTS else "Impact not assessed",
        "impact_points": ""
        if impact_points is None
        else f"{int(impact_points)} pt{'' if int(impact_points) == 1 else 's'}",
        "impact_scorecard": _scorecard_text(as_list(item.get("impact_evidence"))),
        "summary": clean_text(item.get("summary"), SUMMARY_LIMIT),
        "short": clean_text(statement or title, 140),
        "areas": [_area_label(a) for a in (clean_text(x, LABEL_LIMIT) for x in as_list(item.get("areas"))[:5]) if a],
        "size": clean_text(item.get("size_class"), 4).upper(),
        "lines": f"+{format_count(additions)} / −{format_count(deletions)}",
        "value_expected": format_money(v_exp, currency),
        "value_range": format_money_range(v_low, v_high, currency),
        "value_number": v_exp,
        "hours_expected": format_hours(h_exp),
        "hours_range": format_hours_range(h_low, h_high),
        "cost_expected": format_money(c_exp, currency),
        "cost_range": format_money_range(c_low, c_high, currency),
        "basis": basis,
        "basis_label": _BASIS_LABELS.get(basis, "Value"),
        "arithmetic": clean_text(item.get("arithmetic"), NOTE_LIMIT),
        "reach_note": clean_text(as_dict(item.get("reach")).get("note"), NOTE_LIMIT),
        "refused": _refused_view(as_list(item.get("refused_claims"))),
        "evidence": evidence,
        "evidence_more": evidence_more,
        "assumptions": assumptions,
        # Who classified it matters only where the model did; a stated category names its source in the badge.
        "model": model_text if category_basis in (MODEL_BASIS, UNCERTAIN_BASIS) else "",
    }


def pr_links(pr_ids: list[Any], urls: Mapping[str, Any], limit: int = GROUP_PR_LINKS) -> list[dict[str, Any]]:
    """A group's PRs as link views; a link comes only from the per-PR evidence entry, through safe_href."""
    links = []
    for raw in pr_ids[:limit]:
        pr_id = clean_text(raw, 120)
        if pr_id:
            links.append({"pr_id": pr_id, "href": safe_href(urls.get(str(raw)))})
    return links


def _group_links(item: Mapping[str, Any], urls: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """A group's PR links and how many more it has."""
    pr_ids = as_list(item.get("pr_ids"))
    return pr_links(pr_ids, urls), max(0, len(pr_ids) - GROUP_PR_LINKS)


def _group_view(
    item: Mapping[str, Any], rank: int, urls: Mapping[str, Any], colour_index: dict[str, int]
) -> dict[str, Any]:
    currency = currency_code(item.get("currency")) or "USD"
    v_low, v_exp, v_high = as_range(item.get("value"))
    h_low, h_exp, h_high = as_range(item.get("hours"))
    c_exp = as_range(item.get("cost"))[1]
    title = clean_text(item.get("title"), TITLE_LIMIT) or "(untitled achievement)"
    category = clean_text(item.get("category"), LABEL_LIMIT)
    colour_index.setdefault(category.lower(), len(colour_index))
    impact = clean_text(item.get("impact"), 16).lower()
    star = as_dict(item.get("star"))
    pr_ids = as_list(item.get("pr_ids"))
    links, more = _group_links(item, urls)
    first, last = format_date(item.get("first_merged_at")), format_date(item.get("last_merged_at"))
    reasons = [r for r in (clean_text(x, REASON_LIMIT) for x in as_list(item.get("grouped_by"))[:REASON_ITEMS]) if r]
    return {
        "rank": rank,
        "title": title,
        "statement": clean_text(item.get("statement"), STATEMENT_LIMIT),
        "star": [
            {"label": label, "text": text}
            for key, label in _STAR_PARTS
            if (text := clean_text(star.get(key), STAR_LIMIT))
        ],
        "category": category_label(category),
        "category_colour": category_colour(category, colour_index[category.lower()]),
        "impact": impact if impact in _IMPACTS else "unknown",
        "impact_label": f"{impact.capitalize()} impact" if impact in _IMPACTS else "Impact not assessed",
        "repos": [r for r in (clean_text(x, 100) for x in as_list(item.get("repos"))[:4]) if r],
        "prs": links,
        "prs_more": more,
        "featured": bool(item.get("featured")),
        "suggested": _suggested(item),
        "issues": issue_views(item.get("linked_issues")),
        "pr_count": len(pr_ids),
        "pr_noun": pluralise(len(pr_ids), "pull request"),
        "merged": first if first == last or not last else f"{first} – {last}",
        "reasons": reasons,
        "value_expected": format_money(v_exp, currency),
        "value_range": format_money_range(v_low, v_high, currency),
        "hours_expected": format_hours(h_exp),
        "hours_range": format_hours_range(h_low, h_high),
        "cost_expected": format_money(c_exp, currency),
    }


def sorted_groups(portfolio: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Achievement groups, pinned first, then highest expected value (re-sorted like the per-PR list)."""
    items = [as_dict(g) for g in as_list(portfolio.get("achievement_groups"))]
    return sorted(
        items,
        key=lambda g: (not g.get("featured"), -as_range(g.get("value"))[1], str(g.get("first_merged_at", ""))),
    )


def pr_urls(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    return {str(a.get("pr_id")): a.get("url") for a in (as_dict(x) for x in as_list(portfolio.get("achievements")))}


def sorted_achievements(portfolio: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Highest expected value first (the document promises this; re-sorting costs nothing and is safer)."""
    items = [as_dict(a) for a in as_list(portfolio.get("achievements"))]
    return sorted(items, key=lambda a: (-as_range(a.get("value"))[1], str(a.get("merged_at", ""))))


def _ledger_view(ledger: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, raw in list(ledger.items())[:200]:
        entry = as_dict(raw)
        rows.append(
            {
                "name": clean_text(name, LABEL_LIMIT),
                "value": assumption_value(entry.get("value")),
                "unit": clean_text(entry.get("unit"), 40),
                "note": clean_text(entry.get("note"), NOTE_LIMIT),
            }
        )
    return rows


def _source_label(base_url: object) -> str:
    """Where the data came from, as text: the host of an API URL (never a URL, so nothing is
    linkable or fetchable), or the label the builder used for the built-in demo."""
    text = clean_text(base_url, 200)
    if re.match(r"(?i)https?://", text):
        try:
            return clean_text(urlsplit(text).hostname, 100)
        except ValueError:
            return ""
    return clean_text(text, 60)


def curation_note(portfolio: Mapping[str, Any]) -> str:
    """What the author kept out, in one sentence, so a reader knows the portfolio is curated."""
    curation = as_dict(portfolio.get("curation"))
    excluded = max(0, round(as_number(curation.get("excluded_prs"))))
    private_days = [format_date(as_dict(p).get("merged_on")) for p in as_list(curation.get("private_prs"))[:50]]
    parts = []
    if excluded:
        parts.append(f"left out {format_count(excluded)} {pluralise(excluded, 'pull request')}")
    if private_days:
        n = len(private_days)
        when = ", ".join(private_days[:-1]) + (" and " if n > 1 else "") + private_days[-1]
        parts.append(f"kept {format_count(n)} {pluralise(n, 'change')} private (merged {when})")
    if not parts:
        return ""
    return f"By their own choice, the author {' and '.join(parts)}; these count in no figure here."


def offline_note(portfolio: Mapping[str, Any]) -> str:
    """Says how many texts were written offline because the model's text could not be verified."""
    count = 0
    for item in (as_dict(a) for a in as_list(portfolio.get("achievements"))):
        if withheld_unverified(clean_text(item.get("written_by"), 200)):
            count += 1
    if not count:
        return ""
    texts = "The text of 1 pull request was" if count == 1 else f"The texts of {format_count(count)} pull requests were"
    return (
        f"{texts} written offline because the model's version held figures or claims the evidence "
        "does not support; the model's version was not published."
    )


def _suggested(item: Mapping[str, Any]) -> bool:
    """A "Suggested to feature" marker: never on what the author already featured."""
    return bool(item.get("suggested")) and not item.get("featured")


def featuring_note(portfolio: Mapping[str, Any]) -> str:
    """What the "Suggested to feature" markers rest on: the ranking and why it is the one used."""
    featuring = as_dict(portfolio.get("featuring"))
    note = clean_text(featuring.get("note"), NOTE_LIMIT)
    if not note:
        return ""
    count = len(as_list(featuring.get("suggested")))
    if not count:
        return f"No achievement is suggested to feature. {note}"
    return f"Suggested to feature: {format_count(count)} {pluralise(count, 'pull request')}, marked below. {note}"


def common_view(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    """Fields shared by the full portfolio and the executive summary."""
    subject = as_dict(portfolio.get("subject"))
    window = as_dict(portfolio.get("window"))
    totals = as_dict(portfolio.get("totals"))
    sources = as_dict(portfolio.get("sources"))
    currency = currency_code(totals.get("currency")) or "USD"
    v_low, v_exp, v_high = as_range(totals.get("value"))
    h_low, h_exp, h_high = as_range(totals.get("hours"))
    c_low, c_exp, c_high = as_range(totals.get("cost"))
    capacity = as_dict(totals.get("capacity"))
    kind = clean_text(subject.get("kind"), 20).lower()
    prs = max(0, round(as_number(totals.get("prs"))))
    repos = max(0, round(as_number(totals.get("repositories"))))
    rejected = max(0, round(as_number(totals.get("rejected"), len(as_list(portfolio.get("rejected"))))))
    generated = parse_datetime(portfolio.get("generated_at"))
    return {
        "login": clean_text(subject.get("login"), 80) or "unknown",
        "kind_label": {"organization": "Organization", "team": "Team"}.get(kind, ""),
        # A team's portfolio names its members and, on every achievement, whose it is.
        "members": [m for m in (clean_text(x, 39) for x in as_list(subject.get("members"))[:50]) if m],
        "show_authors": kind in ("team", "organization"),
        "window": format_window(window.get("start"), window.get("end")),
        "generated": format_generated(portfolio.get("generated_at")),
        "generated_iso": f"{generated.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if generated else "",
        "source_host": _source_label(sources.get("github_base_url")),
        "schema_version": clean_text(portfolio.get("schema_version"), 10),
        "currency": currency,
        "prs": prs,
        "prs_text": format_count(prs),
        "prs_noun": pluralise(prs, "pull request"),
        "repos": repos,
        "repos_text": format_count(repos),
        "repos_noun": pluralise(repos, "repository", "repositories"),
        "value_expected": format_money(v_exp, currency),
        "value_range": format_money_range(v_low, v_high, currency),
        "hours_expected": format_hours(h_exp),
        "hours_range": format_hours_range(h_low, h_high),
        "cost_expected": format_money(c_exp, currency),
        "cost_range": format_money_range(c_low, c_high, currency),
        "hours_available": format_hours(capacity.get("available_hours")) if capacity else "",
        "capacity_statement": clean_text(capacity.get("statement"), NOTE_LIMIT),
        "capacity_scaled": bool(capacity.get("scaled")),
        "lines": f"+{format_count(totals.get('additions'))} / −{format_count(totals.get('deletions'))}",
        "rejected_count": rejected,
        "rejected_noun": pluralise(rejected, "pull request"),
        "curation_note": curation_note(portfolio),
        "offline_note": offline_note(portfolio),
        "classification_note": classification_note(portfolio),
        "made": how_it_was_made(portfolio, _source_label(sources.get("github_base_url"))),
    }


def _other_group_view(item: Mapping[str, Any], rank: int, urls: Mapping[str, Any]) -> dict[str, Any]:
    """An achievement beyond the headline ones: one line, its PRs linked."""
    currency = currency_code(item.get("currency")) or "USD"
    links, more = _group_links(item, urls)
    return {
        "rank": rank,
        "title": clean_text(item.get("title"), TITLE_LIMIT) or "(untitled achievement)",
        "prs": links,
        "prs_more": more,
        "category": category_label(clean_text(item.get("category"), LABEL_LIMIT)),
        "value_expected": format_money(as_range(item.get("value"))[1], currency),
    }


def _rejected_intro(count: int) -> str:
    """Appendix A's lead: it names no reason of its own, so it can never contradict a row's."""
    noun = pluralise(count, "merged pull request was", "merged pull requests were")
    return (
        f"{format_count(count)} {noun} left out of the figures, each for the reason given beside it. "
        "They are listed so the portfolio can be checked, not to count against anyone."
    )


def portfolio_view(
    portfolio: Mapping[str, Any], top_n: int, max_rows: int, top_groups: int = HEADLINE_ACHIEVEMENTS
) -> dict[str, Any]:
    view = common_view(portfolio)
    currency = view["currency"]
    colour_index: dict[str, int] = {}
    categories = category_rows(as_list(portfolio.get("category_mix")), currency)
    for cat in categories:
        colour_index.setdefault(cat["key"].lower(), len(colour_index))
    groups = sorted_groups(portfolio)
    urls = pr_urls(portfolio)
    group_views = [_group_view(g, i + 1, urls, colour_index) for i, g in enumerate(groups[:top_groups])]
    other_groups = [_other_group_view(g, top_groups + i + 1, urls) for i, g in enumerate(groups[top_groups:])]
    achievements = sorted_achievements(portfolio)
    top = [_achievement_view(a, i + 1, colour_index) for i, a in enumerate(achievements[:top_n])]
    rest_items = achievements[top_n : top_n + max_rows]
    rest = [_achievement_view(a, top_n + i + 1, colour_index) for i, a in enumerate(rest_items)]

    repo_rows = [as_dict(r) for r in as_list(portfolio.get("repositories"))]
    repo_total = sum(max(0.0, as_number(r.get("value_expected"))) for r in repo_rows)
    repositories = []
    for row in sorted(repo_rows, key=lambda r: -as_number(r.get("value_expected")))[:max_rows]:
        value = max(0.0, as_number(row.get("value_expected")))
        repositories.append(
            {
                "repo": clean_text(row.get("repo"), 100),
                "prs": format_count(row.get("prs")),
                "value": format_money(value, currency),
                "share": format_percent(value, repo_total),
                "top_category": category_label(row.get("top_category")),
            }
        )

    rejected = []
    rejected_items = as_list(portfolio.get("rejected"))
    for row in (as_dict(r) for r in rejected_items[:max_rows]):
        reasons = [clean_text(x, REASON_LIMIT) for x in as_list(row.get("reasons"))[:REASON_ITEMS]]
        rejected.append(
            {
                "pr_id": clean_text(row.get("pr_id"), 120),
                "title": clean_text(row.get("title"), TITLE_LIMIT),
                "href": safe_href(row.get("url")),
                "reasons": [r for r in reasons if r] or ["no reason recorded"],
            }
        )

    view.update(
        {
            "time_chart": time_chart(as_list(portfolio.get("value_over_time")), currency),
            "category_chart": category_chart(categories),
            "groups": group_views,
            "other_groups": other_groups,
            "groups_total": len(groups),
            "top": top,
            "rest": rest,
            "rest_hidden": max(0, len(achievements) - top_n - len(rest)),
            "repositories": repositories,
            "repositories_hidden": max(0, len(repo_rows) - len(repositories)),
            "repo_total_value": format_money(repo_total, currency),
            "quarters": quarter_views(portfolio, currency),
            "skills": skill_views(portfolio, urls, max_rows),
            "rejected": rejected,
            "rejected_intro": _rejected_intro(len(rejected_items)),
            "rejected_hidden": max(0, len(rejected_items) - len(rejected)),
            "ledger": _ledger_view(as_dict(portfolio.get("assumptions"))),
            "top_repo": repositories[0]["repo"] if repositories else "",
            "featuring_note": featuring_note(portfolio),
        }
    )
    return view
