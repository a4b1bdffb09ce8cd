"""Stage 6, export: the portfolio of a reporting window as JSON, HTML, PDF and an executive summary."""

import json
from datetime import date, timedelta
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from achievement_pipeline.core import figures
from achievement_pipeline.core.fingerprints import code_fingerprint, fingerprint
from achievement_pipeline.core.launched_by import who_started
from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.core.text import md_escape
from achievement_pipeline.core.token_visibility import VisibilityStore
from achievement_pipeline.core.warehouse import Warehouse
from achievement_pipeline.core.windows import parse_window, period_window
from achievement_pipeline.defs.automation.conditions import FOLLOWS_UPSTREAM
from achievement_pipeline.defs.export.audit import trail_materialization
from achievement_pipeline.defs.metadata import OWNERS, window_metadata
from achievement_pipeline.defs.partitions import daily_partitions, run_window, single_run
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.export import privacy
from achievement_pipeline.export.audit import AuditTrail, export_entry, window_records
from achievement_pipeline.export.curation import Choice, CurationStore, apply_curation, curation_file
from achievement_pipeline.export.document import build_portfolio
from achievement_pipeline.export.featuring import Featuring, marks_from, rank_for_featuring, suggest
from achievement_pipeline.export.provenance import generated_by, provenance
from achievement_pipeline.export.subjects import Subject, choose_subject, select_rows
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.storage import ObjectStoreResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.value.reverts import find_reverts
from achievement_pipeline.value.window import apply_window


class PortfolioConfig(Config):
    period: str = Field(
        default="", description="Named reporting period: a year (2025), quarter (2025-Q1) or month (2025-03)"
    )
    window_start: str = Field(default="", description="First merge date (YYYY-MM-DD); empty: the run's partitions")
    window_end: str = Field(default="", description="Last merge date, inclusive (YYYY-MM-DD)")
    person: str = Field(default="", description="GitHub login: a portfolio of this person's PRs only")
    team: str = Field(default="", description="Team name for a portfolio of several people (with members)")
    members: list[str] = Field(default=[], description="GitHub logins of the team; empty: everyone collected")


# The exports a person opens in a browser: (written file, metadata name, label in the headline).
_LINKS = (
    ("html", "portfolio_html", "Open the portfolio"),
    ("pdf", "portfolio_pdf", "PDF"),
    ("summary_html", "executive_summary", "Executive summary"),
    ("json", "portfolio_json", ""),
)


CAPACITY_CHECK = "hours_within_capacity"
# What revert detection reads of the whole collected history.
_REVERT_COLUMNS = ("pr_id", "repo", "title", "body", "merged_at", "merge_commit_sha")
_JOINED = ("validated_achievements", "valuations", "predictions", "enriched_prs", "pull_requests")


def _capacity_check(document: dict) -> AssetCheckResult:
    """Hours against what the calendar allows: the figures a sceptical reader checks first."""
    totals, capacity = document["totals"], document["totals"]["capacity"]
    return AssetCheckResult(
        check_name=CAPACITY_CHECK,
        passed=totals["hours"]["high"] <= capacity["available_hours"] + 0.01,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "available_hours": capacity["available_hours"],
            "estimated_hours": capacity["estimated_hours"],
            "hours_expected": totals["hours"]["expected"],
            "hours_high": totals["hours"]["high"],
            "people": capacity["people"],
            "working_days": capacity["working_days"],
            "scaled": capacity["scaled"],
            "statement": MetadataValue.md(md_escape(capacity["statement"])),
        },
    )


def _featuring(store: Warehouse, subject: Subject, choices: list[Choice], history: list[dict[str, Any]]) -> Featuring:
    """The featuring ranking, learned from the subject's marks over all their collected PRs, not only the window.

    A pin or an exclusion is a timeless choice, so every marked PR the warehouse holds is ground truth;
    reverts come from the whole history, as the window's value rules find them.
    """
    everything = store.read_joined(_JOINED, date.min, date.max, pr_ids=_subjects_prs(store, subject))
    theirs = [row for row in everything if subject.includes(str(row.get("author", "")))]
    return rank_for_featuring(theirs, marks_from(choices, find_reverts(history)))


# The files of an export, by kind, in the order they are written.
_FILES = {
    "json": "portfolio.json",
    "schema": "portfolio.schema.json",
    "html": "portfolio.html",
    "pdf": "portfolio.pdf",
    "summary_md": "executive-summary.md",
    "summary_html": "executive-summary.html",
    "markdown": "portfolio.md",
    "cv_md": "cv.md",
    "cv_text": "cv.txt",
}
# Beside them: the fingerprint of the document (its generation time and who started it aside) and of the
# code that rendered them.
_RENDERED_FROM = ".rendered-from"
_THIS_COPY = ("generated_at", "generated_by")


def _rendered(storage: ObjectStoreResource, folder: str, document: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """Every export of ``document`` in ``folder``, rendered again only when it or the renderers changed.

    Rendering is most of an export's time (the PDF of a busy year, seconds); a window exported again with
    nothing changed keeps its files, generation time and generator included, so the JSON and the pages still
    agree. Returns where each file is, and whether they were rendered now (False: kept).
    """
    from achievement_pipeline.export import reports

    keys = {kind: f"{folder}/{name}" for kind, name in _FILES.items()}
    content = {key: value for key, value in document.items() if key not in _THIS_COPY}
    stamp = fingerprint(content, code_fingerprint("export", "defs/export")).encode()
    if storage.read(f"{folder}/{_RENDERED_FROM}") == stamp and all(storage.exists(key) for key in keys.values()):
        return {kind: storage.location(key) for kind, key in keys.items()}, False
    storage.put(f"{folder}/{_RENDERED_FROM}", b"")  # a render stopped half-way is never taken for a finished one
    html = reports.render_html(document)
    summary_md, summary_html = reports.render_executive_summary(document)
    cv_md, cv_text = reports.render_cv(document)
    data = {
        "json": lambda: json.dumps(document, indent=2).encode(),
        "schema": lambda: json.dumps(reports.load_schema(), indent=2).encode(),
        "html": html.encode,
        "pdf": lambda: reports.render_pdf(html),
        "summary_md": summary_md.encode,
        "summary_html": summary_html.encode,
        "markdown": lambda: reports.render_markdown(document).encode(),
        "cv_md": cv_md.encode,
        "cv_text": cv_text.encode,
    }
    written = {kind: storage.put(key, data[kind]()) for kind, key in keys.items()}
    storage.put(f"{folder}/{_RENDERED_FROM}", stamp)
    return written, True


def _subjects_prs(store: Warehouse, subject: Subject, start: date = date.min, end: date = date.max) -> list[str] | None:
    """The ids of the subject's collected PRs merged in [start, end), None for everyone: a person's year is read
    without the rest of the history."""
    if not subject.members:
        return None
    authors = store.read_columns("pull_requests", ("pr_id", "author"), start, end)
    return [row["pr_id"] for row in authors if subject.includes(str(row["author"] or ""))]


def _everyone(github: GitHubResource) -> Subject:
    """With nothing chosen, the portfolio holds every PR collected, named after the sources."""
    kinds = [source.kind for source in github.sources()]
    kind = "user" if kinds == ["user"] else "organization" if set(kinds) == {"org"} else "team"
    return Subject(login=github.subject(), kind=kind)


@asset(
    owners=OWNERS,
    code_version="6",  # 6: who generated it and from what (provenance); private repositories by subject
    deps=["validated_achievements", "curation"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    automation_condition=FOLLOWS_UPSTREAM,
    retry_policy=STAGE_RETRY,
    group_name="portfolio",
    kinds={"html", "pdf", "json"},
    check_specs=[
        AssetCheckSpec(
            CAPACITY_CHECK,
            asset="portfolio",
            description=(
                "The portfolio's hours, high end included, within what the calendar allows the people in it "
                "(working days × hours per day × the share of time that goes into PR work)."
            ),
        )
    ],
    description=(
        "The portfolio of the reporting window (the run's partitions unless configured): JSON with its "
        "schema, a self-contained HTML portfolio, its PDF, the portfolio in Markdown, CV bullets (Markdown and "
        "text), and an executive summary, in the object store."
    ),
)
@fails_clearly
def portfolio(
    context: AssetExecutionContext,
    config: PortfolioConfig,
    warehouse: WarehouseResource,
    storage: ObjectStoreResource,
    github: GitHubResource,
) -> MaterializeResult:
    from achievement_pipeline.export import reports

    if config.period:
        start, end = period_window(config.period)
    else:
        start, end = parse_window(config.window_start, config.window_end, run_window(context))
    subject = choose_subject(config.person, config.team, config.members, default=_everyone(github))
    store = warehouse.get()
    ledger = load_ledger()
    # Only the subject's PRs are read; with none, every row of the window is, so the error names who is there.
    ids = _subjects_prs(store, subject, start, end)
    joined = store.read_joined(_JOINED, start, end, pr_ids=ids)
    if ids is not None and not joined:
        joined = store.read_joined(_JOINED, start, end)
    rows = select_rows(joined, subject, f"{start}..{end - timedelta(days=1)}")
    # Privacy by subject: a private repository's PRs only where every reader could see that repository.
    visible = privacy.visible_to_readers(store, subject, rows)
    seen = VisibilityStore(store.engine).read(github.server_key(), [source.key for source in github.sources()])
    choices = CurationStore(store.engine).sync_file(curation_file())
    curated = apply_curation(visible.rows, choices)
    history = store.read_columns("pull_requests", _REVERT_COLUMNS)
    window = apply_window(curated.rows, history, start, end, ledger)
    base_url = "demo (built-in fake GitHub)" if github.demo else github.resolved_base_url()
    document = build_portfolio(
        window.rows,
        subject=subject.as_document(),
        window_start=start,
        window_end=end,
        github_base_url=base_url,
        ledger_entries=ledger.entries,
        capacity=window.capacity,
        curation=curated.document(),
        generated_by=generated_by(who_started(context.run.tags)),
        provenance=provenance(
            rows=rows,
            tables=_JOINED,
            ledger=ledger,
            choices=choices,
            github_base_url=base_url,
            privacy=privacy.document(visible, subject, seen),
        ),
    )
    document = suggest(document, _featuring(store, subject, choices, history))
    reports.validate_portfolio(document)
    folder = f"{subject.login}/{document['window']['start']}_{document['window']['end']}"
    written, rendered = _rendered(storage, folder, document)
    # Every export is recorded, files reused or not: who asked, when, for whom, from what (export.audit).
    trail = AuditTrail(store.engine)
    entry = trail.append(
        export_entry(
            run_id=context.run.run_id,
            tags=context.run.tags,
            subject=subject,
            document=document,
            window_records=window_records(store, _JOINED, start, end),
            choices=choices,
            rendered=rendered,
            location=storage.location(folder),
        )
    )
    context.log_event(trail_materialization(trail))
    links = [(name, label, storage.browser_url(written[kind])) for kind, name, label in _LINKS]
    totals = document["totals"]
    opened = " · ".join(f"[{label}]({url})" for _, label, url in links if url and label)
    currency = totals["currency"]
    headline = (
        f"**{subject.login}**, {document['window']['start']} to {document['window']['end']}: {totals['prs']} PRs in "
        f"{totals['repositories']} repositories; value ≈ {figures.money(totals['value']['expected'], currency)} "
        f"({figures.money_range(totals['value']['low'], totals['value']['high'], currency)}), cost ≈ "
        f"{figures.money(totals['cost']['expected'], currency)} for {md_escape(totals['capacity']['statement'])}; "
        f"{totals['rejected']} rejected.\n\n"
        + "\n".join(
            f"- {md_escape(a['statement'])}" + ("" if a["pr_id"] in a["statement"] else f" ({md_escape(a['pr_id'])})")
            for a in document["achievements"][:5]
        )
        + (f"\n\n{opened}" if opened else "")
    )
    context.log.info(f"portfolio written: {written['html']}")
    return MaterializeResult(
        check_results=[_capacity_check(document)],
        metadata={
            # First what a person opens: the headline with its links, then the links one by one.
            "headline": MetadataValue.md(headline),
            **{name: MetadataValue.url(url) for name, _, url in links if url},
            **window_metadata(start, end),
            "row_count": len(rows),
            "achievements": totals["prs"],
            "rejected": totals["rejected"],
            "value_low": totals["value"]["low"],
            "value_expected": totals["value"]["expected"],
            "value_high": totals["value"]["high"],
            "cost_expected": totals["cost"]["expected"],
            "hours_expected": totals["hours"]["expected"],
            "hours_available": totals["capacity"]["available_hours"],
            # Which ranking suggests what to feature, on how many marks, and how it did on the newest ones.
            "featuring_ranker": document["featuring"]["ranker"],
            "featuring_note": MetadataValue.text(document["featuring"]["note"]),
            "featuring": MetadataValue.json(document["featuring"]),
            # Who asked, what the files are (rendered now or kept), and what was left out for privacy.
            "launched_by": entry.launched_by,
            "files": "rendered" if rendered else "reused (nothing changed)",
            "audit_entry": entry.seq,
            "private_prs_left_out": visible.left_out_prs,
            "private_repositories": MetadataValue.text(document["provenance"]["github"]["statement"]),
            # Where the files are, for scripts and shells: a path, or the s3:// URI (not a browser link).
            **{
                f"{kind}_location": MetadataValue.text(where)
                if where.startswith("s3://")
                else MetadataValue.path(where)
                for kind, where in written.items()
            },
        },
    )
