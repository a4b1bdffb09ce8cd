"""The curation asset: a person's choices about their portfolio, set from the launchpad or curation.yaml.

Materializing it stores the choices in the warehouse (``export.curation``), where every later
export finds them: re-collecting or re-running any stage leaves them in place. Re-export the
portfolio (materialize ``portfolio`` for your window) to see them applied; the export reads
curation.yaml afresh too, so editing the file needs no materialization of this asset.
"""

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)
from pydantic import Field

from achievement_pipeline.core.text import md_escape
from achievement_pipeline.defs.metadata import OWNERS
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.export.curation import (
    EXCLUDE,
    FROM_UI,
    PIN,
    PRIVATE,
    STATEMENT,
    TITLE,
    CurationStore,
    choice,
    curation_file,
    removal,
    unmatched_targets,
)
from achievement_pipeline.resources.warehouse import WarehouseResource

_HEADER = "| kind | target | text | by | at | from |\n|---|---|---|---|---|---|\n"


class CurationConfig(Config):
    exclude: list[str] = Field(
        default=[], description="PR ids (owner/name#123) or repositories (owner/name) to leave out"
    )
    private: list[str] = Field(default=[], description="PR ids to show without their title and details")
    pin: list[str] = Field(default=[], description="PR ids whose achievements are featured first")
    titles: dict[str, str] = Field(default={}, description="PR id -> your title for it")
    statements: dict[str, str] = Field(default={}, description="PR id -> your one-line statement for it")
    remove: list[str] = Field(
        default=[], description="choices to undo, as kind:target, e.g. exclude:octo-demo/dotfiles"
    )
    by: str = Field(default="", description="who makes these choices (shown with them); empty: ui")


@asset(
    owners=OWNERS,
    code_version="1",
    backfill_policy=BackfillPolicy.single_run(),  # in a range run of every asset, stored once
    retry_policy=STAGE_RETRY,
    group_name="portfolio",
    kinds={"sql", "yaml"},
    description=(
        "Your choices about the portfolio: PRs or repositories left out, PRs shown as private, pinned "
        "achievements, your titles and statements. Set them in the launchpad or in curation.yaml in the home "
        "folder; they are kept in the warehouse with who and when, and every export applies them."
    ),
)
@fails_clearly
def curation(context: AssetExecutionContext, config: CurationConfig, warehouse: WarehouseResource) -> MaterializeResult:
    store = CurationStore(warehouse.get().engine)
    by = config.by.strip() or FROM_UI
    # Every choice is checked before any is stored: a typo fails the run and changes nothing.
    undo = [removal(item) for item in config.remove]
    chosen = [
        *(choice(EXCLUDE, t, by=by, source=FROM_UI) for t in config.exclude),
        *(choice(PRIVATE, t, by=by, source=FROM_UI) for t in config.private),
        *(choice(PIN, t, by=by, source=FROM_UI) for t in config.pin),
        *(choice(TITLE, t, text=text, by=by, source=FROM_UI) for t, text in config.titles.items()),
        *(choice(STATEMENT, t, text=text, by=by, source=FROM_UI) for t, text in config.statements.items()),
    ]
    path = curation_file()
    store.sync_file(path)
    store.set(chosen)
    removed = [item for item in undo if store.remove(*item)]
    current = store.all()
    unmatched = unmatched_targets(current, warehouse.get())
    if unmatched:
        context.log.warning(f"curation choices that match no collected PR or repository: {', '.join(unmatched)}")
    rows = "\n".join(
        f"| {c.kind} | {md_escape(c.target)} | {md_escape(c.text)} | {md_escape(c.set_by)} | {c.set_at} | {c.source} |"
        for c in current
    )
    context.log.info(f"{len(chosen)} choices set, {len(removed)} removed; {len(current)} in force")
    return MaterializeResult(
        metadata={
            "choices": len(current),
            "set_now": len(chosen),
            "removed_now": len(removed),
            "unmatched": MetadataValue.md(", ".join(md_escape(t) for t in unmatched) if unmatched else "_none_"),
            "curation_file": MetadataValue.path(str(path)),
            "in_force": MetadataValue.md(_HEADER + rows if current else "_none_"),
        }
    )


curate_portfolio = define_asset_job(
    "curate_portfolio",
    selection=AssetSelection.assets("curation"),
    description=(
        "Set your choices about the portfolio in the launchpad (exclude, private, pin, titles, statements, "
        "remove); then re-export the portfolio of your window to apply them."
    ),
)
