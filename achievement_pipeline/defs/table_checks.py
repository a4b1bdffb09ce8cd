"""Great Expectations suites as Dagster asset checks: each stage declares one for its table.

A check validates the rows of the run's window: schema, nulls, ranges, unique PR ids, and
completeness against the warehouse table the asset depends on (read from the asset's own
``deps``, so the lineage is declared once). What is wrong with the table as a whole (a column
missing, a PR twice, PRs lost against upstream, every row of a batch broken) fails the check with
ERROR severity and blocks the downstream stages. What is wrong with some rows only (a blank title,
impossible dates, a malformed id) fails it with WARN severity, naming the PRs, and the window goes
on: enrich sets such PRs aside and validate rejects them into the portfolio's Appendix A.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetsDefinition,
    MetadataValue,
    asset_check,
)

from achievement_pipeline.core.fingerprints import code_fingerprint, fingerprint
from achievement_pipeline.core.redaction import redact
from achievement_pipeline.core.text import first_of, md_escape
from achievement_pipeline.core.warehouse import TABLES, Warehouse
from achievement_pipeline.defs.partitions import daily_partitions, run_window
from achievement_pipeline.defs.retries import STAGE_RETRY, fails_clearly
from achievement_pipeline.resources.warehouse import WarehouseResource


def upstream_table(asset: AssetsDefinition) -> str | None:
    """The warehouse table ``asset`` is computed from: its one dependency that is a stage table."""
    tables = sorted(key.path[-1] for key in asset.dependency_keys if key.path[-1] in TABLES)
    if len(tables) > 1:
        raise ValueError(f"{asset.key.to_user_string()} depends on several stage tables ({tables}): name one")
    return tables[0] if tables else None


RowRules = Callable[[Sequence[Mapping[str, Any]]], Mapping[str, Sequence[str]]]
_SET_ASIDE = "set_aside"


def _offending(rows: Mapping[str, Sequence[str]], limit: int = 20) -> MetadataValue:
    """The offending PRs as a Markdown list, each with its reasons: PR ids and reasons quote PR text, so both
    are redacted, then escaped."""
    shown = list(rows.items())[:limit]
    lines = [f"- {md_escape(redact(pr_id))}: {md_escape(redact('; '.join(reasons)))}" for pr_id, reasons in shown]
    if len(rows) > limit:
        lines.append(f"- and {len(rows) - limit} more")
    return MetadataValue.md("\n".join(lines) or "_none_")


_CHECKED = "inputs_fingerprint"


def _checked_inputs(store: Warehouse, name: str, tables: Sequence[str], start: date, end: date) -> str:
    """What a check of the window reads (its tables' rows, as recorded by their last write of exactly this
    window) and the code that judges them; "" when a table's window has no record of its own."""
    digests = []
    for table in tables:
        write = store.last_write(table, start, end)
        if write is None:
            return ""
        digests.append([table, write.digest])
    return fingerprint(name, code_fingerprint("validate", "defs"), start, end, digests)


def _same_verdict(context: AssetCheckExecutionContext, key: AssetCheckKey, inputs: str) -> AssetCheckResult | None:
    """The check's last verdict, if it judged the same window's same rows with the same code: the same again.

    A check is a function of the rows it reads, so re-reading two years of unchanged rows only repeats it.
    (A range run's verdict is stored once for the range, not per partition: the latest verdict is read.)
    """
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status

    # The latest verdict given, not this run's own planned evaluations (which are the newest records).
    judged = {Status.SUCCEEDED, Status.FAILED}
    found = context.instance.event_log_storage.get_asset_check_execution_history(key, limit=1, status=judged)
    record = found[0] if found else None
    event = record.event.dagster_event if record is not None and record.event is not None else None
    evaluation = event.event_specific_data if event is not None else None
    if not isinstance(evaluation, AssetCheckEvaluation):
        return None
    checked = evaluation.metadata.get(_CHECKED)
    if checked is None or checked.value != inputs:
        return None
    return AssetCheckResult(
        passed=evaluation.passed,
        severity=evaluation.severity,
        description=evaluation.description,
        metadata={**evaluation.metadata, "unchanged": True},
    )


def table_expectations(
    asset: AssetsDefinition,
    *,
    row_rules: RowRules | None = None,
    row_note: str = "they do not hold up the rest of the window",
    rejects_set_aside: bool = False,
) -> AssetChecksDefinition:
    """A GX check of ``asset``'s table, complete against its upstream stage table if it has one.

    Blocking on what is wrong with the table; a warning naming the PRs for what is wrong with rows
    (``row_rules`` adds problems GX does not express, ``row_note`` says what becomes of those rows).
    PRs an earlier stage set aside (table ``set_aside``) are not expected downstream of it, except in
    the table that rejects them (``rejects_set_aside``: validate's).
    """
    table = asset.key.path[-1]
    upstream = upstream_table(asset)

    @asset_check(
        asset=asset,
        name=f"{table}_expectations",
        blocking=True,
        partitions_def=daily_partitions,
        retry_policy=STAGE_RETRY,  # it reads the warehouse, and reading again is harmless
        description=(
            f"Great Expectations suite for {table}: schema, nulls, ranges, unique pr_id, merge dates inside "
            "the window" + (f", every PR of {upstream} present" if upstream else "") + ". Blocks the later "
            "stages only for what is wrong with the table as a whole; rows that break a row rule are named "
            "in a warning and the window goes on."
        ),
    )
    @fails_clearly
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        from achievement_pipeline.validate.suites import judge, validate_table

        start, end = run_window(context)
        store = warehouse.get()
        name = f"{table}_expectations"
        # The same rows judged by the same code get the same verdict; the row rules of a window that has not
        # ended yet read the clock ("merged in the future"), so its verdict is always worked out again.
        read = [table, *((upstream, _SET_ASIDE) if upstream else ())]
        settled = end <= datetime.now(UTC).date()
        inputs = _checked_inputs(store, name, read, start, end) if settled else ""
        if inputs and (verdict := _same_verdict(context, AssetCheckKey(asset.key, name), inputs)) is not None:
            return verdict
        import pandas as pd  # imported where used: the code location loads without it

        rows = store.read_window(table, start, end)
        expected = None
        if upstream:
            set_aside = {row["pr_id"] for row in store.read_window(_SET_ASIDE, start, end)}
            expected = {row["pr_id"] for row in store.read_window(upstream, start, end)} - set_aside
            expected |= set_aside if rejects_set_aside else set()
        report = validate_table(table, pd.DataFrame(rows), window_start=start, window_end=end, expected_pr_ids=expected)
        verdict = judge(report, row_rules(rows) if row_rules else None, row_note=row_note)
        summary = redact(verdict.summary)  # it quotes titles and ids: PR text leaving the warehouse
        if not verdict.passed:
            log = context.log.error if verdict.blocking else context.log.warning
            log(f"{table}: {summary}")
        return AssetCheckResult(
            passed=verdict.passed,
            severity=AssetCheckSeverity.ERROR if verdict.blocking else AssetCheckSeverity.WARN,
            # The UI renders a check's description as Markdown, and it names PRs: escaped.
            description=md_escape(summary) if summary else None,
            metadata={
                "rows": report.row_count,
                "expectations": report.evaluated,
                "failed": len(report.failed),
                "rows_with_problems": len(verdict.rows),
                "offending_prs": _offending(verdict.rows),
                "offending_pr_ids": MetadataValue.text(redact(first_of(verdict.rows))),
                "result": MetadataValue.md(report.to_markdown()),
                _CHECKED: MetadataValue.text(inputs),
            },
        )

    return _check
