"""Great Expectations suites for every stage's table, and one call to run them.

The stages hand each other pandas DataFrames (one row per pull request) through the
warehouse. A bad frame caught at the boundary costs one failed asset check; the same
frame caught in the portfolio costs a wrong claim on someone's CV. So every table gets
one declarative suite derived from the row contracts in :mod:`achievement_pipeline.core.records`,
plus two per-partition checks that only the caller can parameterise: every ``merge_date``
lies in the partition window, and every upstream ``pr_id`` made it downstream.

Each expectation is either a row rule (a title present, a value in range: a row breaks it on its
own) or a rule about the table (columns present, one row per PR, complete against upstream).
Failures name the PRs they are about, and :func:`judge` turns a report into the check's verdict:
blocking only for the table as a whole, so one bad PR never stops the others of its window.

This module is plain Python (no Dagster) so it can be unit-tested and reused from a
notebook. ``great_expectations`` (and pandas) are imported inside functions only: importing
GX takes seconds, and Dagster imports every module of a code location on each reload.
"""

from __future__ import annotations

import json
import os
import threading
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from achievement_pipeline.core import records, settings
from achievement_pipeline.core.pr_rules import PR_ID_PATTERN
from achievement_pipeline.core.text import first_of, md_escape

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import PandasDatasource

__all__ = [
    "CheckOutcome",
    "CheckSpec",
    "FailedExpectation",
    "QualityReport",
    "SuiteSpec",
    "TABLES",
    "Verdict",
    "build_suite",
    "check_specs",
    "judge",
    "suite_spec",
    "validate_table",
]

PR_ID_REGEX = PR_ID_PATTERN  # one pattern for the check, the row rules and the portfolio
MERGE_DATE_REGEX = r"^\d{4}-\d{2}-\d{2}$"
REPO_REGEX = r"^[^/\s]+/[^/\s]+$"
ISO_TIMESTAMP_REGEX = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
URL_REGEX = r"^https?://\S+$"
CURRENCY_REGEX = r"^[A-Z]{3}$"
# A JSON array with at least one element: "[]" and "[ ]" fail, '["x"]' passes.
NON_EMPTY_JSON_ARRAY_REGEX = r"^\s*\[\s*[^\]\s]"

SIZE_CLASSES: tuple[str, ...] = ("xs", "s", "m", "l", "xl")
VALIDATION_STATUSES: tuple[str, ...] = ("accepted", "rejected")
MAX_EXAMPLES = 5
# How many offending PR ids a reason names before "and N more".
NAMED_PRS = 20
# A row problem is the row's own; it blocks the table only when every row has one and there are at
# least this many rows: then the source, not a few PRs, is broken (a changed API, a bad migration).
# Below it, a window of one or two bad PRs would block on what is only their own problem.
SYSTEMATIC_MIN_ROWS = 5

# Result details GX keeps per expectation: enough examples for a reason, not the whole column.
_RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
# With a pr_id column, every offending row is named by it (COMPLETE lists them all, not only 20).
_ROW_RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": 20,
    "unexpected_index_column_names": ["pr_id"],
}
_DATASOURCE_NAME = "achievement_pipeline_quality"
_BATCH_DEFINITION_NAME = "whole_dataframe"


# --------------------------------------------------------------------------------------
# Declarative suite specs (no GX import needed to read or test them)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSpec:
    """One expectation, described without importing GX.

    Keeping the spec as data (class name + kwargs) lets the module import fast, lets the
    report describe a check in words even when GX could not evaluate it, and keeps the
    per-table contracts readable in one place.
    """

    expectation: str  # class name in ``great_expectations.expectations``
    kwargs: Mapping[str, Any]
    description: str  # short human wording, shown in reports
    when: tuple[str, object] | None = None  # only rows where column == value
    # A rule each row keeps or breaks on its own (a well-formed title, a value in range): breaking it is
    # that row's problem. The others (columns present, one row per PR, complete against upstream, inside
    # the window) are about the table as a whole.
    per_row: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """The frame columns this check reads, so a missing one can be named in the reason."""
        cols = [self.kwargs[k] for k in ("column", "column_A", "column_B") if k in self.kwargs]
        if self.when is not None:
            cols.append(self.when[0])
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True)
class SuiteSpec:
    """The static quality contract of one warehouse table."""

    table: str
    columns: tuple[str, ...]  # every column of the row contract, in contract order
    json_columns: tuple[str, ...]  # list/dict fields, validated as JSON text
    checks: tuple[CheckSpec, ...]


def _exists(col: str) -> CheckSpec:
    return CheckSpec("ExpectColumnToExist", {"column": col}, f"column `{col}` exists")


def _not_null(col: str) -> CheckSpec:
    return CheckSpec("ExpectColumnValuesToNotBeNull", {"column": col}, "no nulls", per_row=True)


def _regex(col: str, regex: str, what: str) -> CheckSpec:
    return CheckSpec("ExpectColumnValuesToMatchRegex", {"column": col, "regex": regex}, what, per_row=True)


def _in_set(col: str, values: Iterable[object], what: str | None = None, *, per_row: bool = True) -> CheckSpec:
    values = list(values)
    shown = ", ".join(str(v) for v in values)
    what = what or f"one of {{{shown}}}"
    return CheckSpec("ExpectColumnValuesToBeInSet", {"column": col, "value_set": values}, what, per_row=per_row)


def _between(col: str, lo: float | None, hi: float | None) -> CheckSpec:
    if hi is None:
        what = f">= {lo:g}"
    elif lo is None:
        what = f"<= {hi:g}"
    else:
        what = f"in [{lo:g}, {hi:g}]"
    kwargs = {"column": col, "min_value": lo, "max_value": hi}
    return CheckSpec("ExpectColumnValuesToBeBetween", kwargs, what, per_row=True)


def _non_empty(col: str) -> CheckSpec:
    return CheckSpec(
        "ExpectColumnValueLengthsToBeBetween", {"column": col, "min_value": 1}, "non-empty text", per_row=True
    )


def _at_least(high: str, low: str) -> CheckSpec:
    return CheckSpec(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": high, "column_B": low, "or_equal": True},
        f"`{low}` <= `{high}`",
        per_row=True,
    )


def _json(col: str) -> CheckSpec:
    return CheckSpec("ExpectColumnValuesToBeJsonParseable", {"column": col}, "valid JSON", per_row=True)


def _contract(table: str) -> tuple[tuple[str, ...], tuple[str, ...], list[CheckSpec]]:
    """The table's record (``records.STAGE_RECORDS``): its columns, its JSON columns, and the checks every
    table shares (all contract columns present and non-null, a unique well-formed key)."""
    record = records.STAGE_RECORDS[table]
    columns = tuple(record.__annotations__)
    checks = [_exists(c) for c in columns]
    checks += [_not_null(c) for c in columns]
    checks += [
        CheckSpec("ExpectColumnValuesToBeUnique", {"column": "pr_id"}, "unique (one row per PR)"),
        _regex("pr_id", PR_ID_REGEX, "looks like `owner/repo#123`"),
        _regex("merge_date", MERGE_DATE_REGEX, "YYYY-MM-DD"),
    ]
    return columns, _json_columns(record), checks


def _json_columns(record: type) -> tuple[str, ...]:
    """Contract fields typed as list/dict: they travel as JSON text in the warehouse."""
    hints = typing.get_type_hints(record)
    return tuple(name for name, hint in hints.items() if typing.get_origin(hint) in (list, dict))


def _pull_requests_spec() -> SuiteSpec:
    columns, json_cols, checks = _contract("pull_requests")
    checks += [
        _regex("repo", REPO_REGEX, "looks like `owner/repo`"),
        _regex("url", URL_REGEX, "an http(s) URL"),
        _regex("created_at", ISO_TIMESTAMP_REGEX, "ISO 8601 timestamp"),
        _regex("merged_at", ISO_TIMESTAMP_REGEX, "ISO 8601 timestamp"),
        _between("number", 1, None),
        _between("additions", 0, None),
        _between("deletions", 0, None),
        _between("changed_files", 0, None),
        _non_empty("title"),
        _non_empty("author"),
    ]
    checks += [_json(c) for c in json_cols]
    return SuiteSpec("pull_requests", columns, json_cols, tuple(checks))


def _enriched_prs_spec() -> SuiteSpec:
    columns, json_cols, checks = _contract("enriched_prs")
    checks += [
        _in_set("size_class", SIZE_CLASSES),
        _between("lines_changed", 0, None),
        _between("review_count", 0, None),
        _between("review_comment_count", 0, None),
        _non_empty("clean_title"),
        _non_empty("achievement"),
        _non_empty("summariser"),
    ]
    checks += [_json(c) for c in json_cols]
    return SuiteSpec("enriched_prs", columns, json_cols, tuple(checks))


def _predictions_spec() -> SuiteSpec:
    columns, json_cols, checks = _contract("predictions")
    checks += [
        _in_set("category", records.SHOWN_CATEGORIES, "a known category or 'uncertain' (records.SHOWN_CATEGORIES)"),
        _in_set("category_basis", records.CATEGORY_BASES),
        _in_set("impact", records.IMPACT_TIERS),
        _between("category_confidence", 0, 1),
        _between("impact_points", 0, None),
        _in_set("review_sentiment", (*records.SENTIMENTS, records.NO_REVIEW_TEXT, records.NOT_ASSESSED)),
        _between("sentiment_confidence", 0, 1),
        _between("sentiment_score", -1, 1),
        _between("negative_review_share", 0, 1),
        _between("review_text_count", 0, None),
        _non_empty("model_name"),
        _non_empty("model_version"),
    ]
    checks += [_json(c) for c in json_cols]
    return SuiteSpec("predictions", columns, json_cols, tuple(checks))


def _valuations_spec() -> SuiteSpec:
    columns, json_cols, checks = _contract("valuations")
    figures = ("hours", "cost", "value")
    checks += [_between(f"{figure}_{bound}", 0, None) for figure in figures for bound in ("low", "expected", "high")]
    for figure in figures:
        checks += [_at_least(f"{figure}_expected", f"{figure}_low"), _at_least(f"{figure}_high", f"{figure}_expected")]
    checks += [
        _regex("currency", CURRENCY_REGEX, "3-letter currency code"),
        _in_set("value_basis", records.VALUE_BASES),
        _between("reach", 0, None),
    ]
    checks += [_json(c) for c in json_cols]
    return SuiteSpec("valuations", columns, json_cols, tuple(checks))


def _validated_achievements_spec() -> SuiteSpec:
    columns, json_cols, checks = _contract("validated_achievements")
    # A PR rejected for its malformed id keeps that id (Appendix A names it as collected): the id's
    # form is a rule for what is published, the accepted rows.
    checks = [
        replace(c, when=("status", "accepted"), description="accepted rows look like `owner/repo#123`")
        if c.expectation == "ExpectColumnValuesToMatchRegex" and c.columns == ("pr_id",)
        else c
        for c in checks
    ]
    checks += [
        _in_set("status", VALIDATION_STATUSES),
        *[_json(c) for c in json_cols],
        CheckSpec(
            "ExpectColumnValuesToMatchRegex",
            {"column": "reasons", "regex": NON_EMPTY_JSON_ARRAY_REGEX},
            "rejected rows give at least one reason",
            when=("status", "rejected"),
            per_row=True,
        ),
    ]
    return SuiteSpec("validated_achievements", columns, json_cols, tuple(checks))


_SPEC_BUILDERS = {
    "pull_requests": _pull_requests_spec,
    "enriched_prs": _enriched_prs_spec,
    "predictions": _predictions_spec,
    "valuations": _valuations_spec,
    "validated_achievements": _validated_achievements_spec,
}
TABLES: tuple[str, ...] = tuple(_SPEC_BUILDERS)
_SPECS: dict[str, SuiteSpec] = {}


def suite_spec(table: str) -> SuiteSpec:
    """The static contract for ``table``; raises ``KeyError`` naming the known tables for a typo."""
    if table not in _SPEC_BUILDERS:
        raise KeyError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    if table not in _SPECS:
        _SPECS[table] = _SPEC_BUILDERS[table]()
    return _SPECS[table]


def _as_date(value: date, *, round_up: bool) -> date:
    """Dagster hands partition windows as datetimes; the contract's merge_date is a calendar date."""
    if isinstance(value, datetime):
        day = value.date()
        return day + timedelta(days=1) if round_up and value.time() != time(0) else day
    return value


def _window_dates(start: date, end: date) -> list[str]:
    if end <= start:
        raise ValueError(f"empty partition window [{start}, {end}): window_end must be after window_start")
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days)]


def check_specs(
    table: str,
    *,
    window_start: date | None = None,
    window_end: date | None = None,
    expected_pr_ids: set[str] | None = None,
) -> list[CheckSpec]:
    """The static checks for ``table`` plus the partition checks for this run.

    The window check enumerates the days of [start, end) for ``ExpectColumnValuesToBeInSet``
    because GX's ``ExpectColumnValuesToBeBetween`` coerces string bounds to ``date`` and
    then refuses to compare them with the contract's ``YYYY-MM-DD`` strings.
    """
    checks = list(suite_spec(table).checks)
    if (window_start is None) != (window_end is None):
        raise ValueError("give both window_start and window_end (the partition window is [start, end))")
    if window_start is not None and window_end is not None:
        start = _as_date(window_start, round_up=False)
        end = _as_date(window_end, round_up=True)
        window = _window_dates(start, end)
        checks.append(_in_set("merge_date", window, f"within partition [{start}, {end})", per_row=False))
    if expected_pr_ids is not None:
        expected = sorted(expected_pr_ids)
        checks += [
            CheckSpec(
                "ExpectColumnDistinctValuesToContainSet",
                {"column": "pr_id", "value_set": expected},
                f"completeness: all {len(expected)} upstream PRs present",
            ),
            _in_set("pr_id", expected, "no rows for PRs absent upstream", per_row=False),
        ]
    return checks


def build_suite(
    table: str,
    *,
    window_start: date | None = None,
    window_end: date | None = None,
    expected_pr_ids: set[str] | None = None,
    name: str | None = None,
) -> ExpectationSuite:
    """A GX ``ExpectationSuite`` for ``table`` (unsaved: it belongs to no context store).

    Each expectation carries its position in ``meta`` so results, which GX may return in a
    different order, can be matched back to the spec that produced them.
    """
    specs = check_specs(table, window_start=window_start, window_end=window_end, expected_pr_ids=expected_pr_ids)
    return _build_suite(name or f"{table}_quality", specs)


def _build_suite(name: str, specs: Sequence[CheckSpec]) -> ExpectationSuite:
    _quiet_gx_env()
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    expectations = []
    for i, spec in enumerate(specs):
        cls = getattr(gx.expectations, spec.expectation)
        kwargs = dict(spec.kwargs)
        if spec.when is not None:
            kwargs["row_condition"] = Column(spec.when[0]) == spec.when[1]
        expectations.append(cls(**kwargs, meta={"check_index": i}))
    return gx.ExpectationSuite(name=name, expectations=expectations)


# --------------------------------------------------------------------------------------
# Report types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedExpectation:
    """Why one expectation failed, short enough for an asset-check UI."""

    expectation_type: str  # GX snake_case type, e.g. "expect_column_values_to_be_unique"
    columns: tuple[str, ...]
    reason: str
    examples: tuple[object, ...] = ()  # up to MAX_EXAMPLES unexpected (or missing) values
    pr_ids: tuple[str, ...] = ()  # every PR the failure is about, in row order: the rows to look at
    per_row: bool = False  # a row rule (see CheckSpec.per_row): each named row broke it on its own
    description: str = ""  # what the expectation asks, e.g. "non-empty text"

    @property
    def about_the_table(self) -> bool:
        """True when the table as a whole is wrong: a table rule failed, or a row rule no row can answer for."""
        return not (self.per_row and self.pr_ids)


@dataclass(frozen=True)
class CheckOutcome:
    """One evaluated expectation, passed or not: the rows of :meth:`QualityReport.to_markdown`."""

    expectation_type: str
    columns: tuple[str, ...]
    description: str
    success: bool
    detail: str = ""


@dataclass(frozen=True)
class QualityReport:
    """The verdict on one table's frame, built from GX results but free of GX objects.

    Plain data so it can be pickled across Dagster processes and rendered into metadata.
    """

    table: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation]
    row_count: int
    checks: list[CheckOutcome] = field(default_factory=list)

    def row_problems(self) -> dict[str, list[str]]:
        """Each PR that broke a row rule, with the rules it broke ("`title`: non-empty text")."""
        found: dict[str, list[str]] = {}
        for failure in self.failed:
            if not failure.about_the_table:
                rule = f"{', '.join(f'`{c}`' for c in failure.columns)}: {failure.description}"
                for pr_id in failure.pr_ids:
                    found.setdefault(pr_id, []).append(rule)
        return found

    def to_markdown(self) -> str:
        """A compact table of every expectation with ✅/❌, for Dagster asset-check metadata."""
        passed = sum(c.success for c in self.checks)
        mark = "✅" if self.success else "❌"
        lines = [
            f"**{self.table}** {mark} {passed}/{self.evaluated} expectations passed on {self.row_count} rows",
            "",
            "| | Column(s) | Check | Expectation | Detail |",
            "|---|---|---|---|---|",
        ]
        for c in self.checks:
            cols = ", ".join(f"`{col}`" for col in c.columns)
            # Columns, checks and expectation types are the suite's own words (code spans kept); a detail
            # names PR ids, and a malformed id is anyone's text, so it is escaped.
            lines.append(
                f"| {'✅' if c.success else '❌'} | {_cell(cols)} | {_cell(c.description)} "
                f"| {_cell(c.expectation_type)} | {md_escape(c.detail)} |"
            )
        return "\n".join(lines)


def _cell(text: str) -> str:
    """Our own text kept on one line, a pipe in it not splitting the table."""
    return text.replace("\n", " ").replace("|", "\\|")


# --------------------------------------------------------------------------------------
# GX runtime: one ephemeral context per process
# --------------------------------------------------------------------------------------


def _quiet_gx_env() -> None:
    """Opt out of GX analytics unless the user chose otherwise.

    GX 1.24 sends none, but other 1.x releases allowed by pyproject read this variable at
    import time. ``setdefault`` keeps an explicit user setting intact.
    """
    settings.offline_default("GX_ANALYTICS_ENABLED")


@dataclass
class _GxRuntime:
    """The cached context and one whole-dataframe batch definition per table."""

    pid: int
    context: AbstractDataContext
    datasource: PandasDatasource
    batch_definitions: dict[str, BatchDefinition] = field(default_factory=dict)

    def batch_definition(self, table: str) -> BatchDefinition:
        """Reuse one asset per table: names are unique per datasource, so re-adding would collide."""
        if table not in self.batch_definitions:
            asset = self.datasource.add_dataframe_asset(name=table)
            self.batch_definitions[table] = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)
        return self.batch_definitions[table]

    def forget_batches(self) -> None:
        """Let go of the validated frames: the shared execution engine keeps each table's last batch data,
        which for a year of history is every table's window held for the rest of the process."""
        batches = self.datasource.get_execution_engine().batch_manager
        batches.batch_data_cache.clear()
        batches.reset_batch_cache()


# GX keeps the active batch on the datasource's shared execution engine, so validations
# on one context must not interleave; the lock also guards the lazy creation.
_LOCK = threading.RLock()
_RUNTIME: _GxRuntime | None = None


def _reset_after_fork() -> None:
    """A forked child must not inherit a lock held by another thread of its parent."""
    global _LOCK, _RUNTIME
    _LOCK = threading.RLock()
    _RUNTIME = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def cached_runtime() -> _GxRuntime | None:
    """The process's GX context and datasource once the first validation made them, else None."""
    return _RUNTIME


def _runtime() -> _GxRuntime:
    """Create the process's GX context on first use; callers hold ``_LOCK``."""
    global _RUNTIME
    if _RUNTIME is not None and _RUNTIME.pid == os.getpid():
        return _RUNTIME
    _quiet_gx_env()
    import great_expectations as gx
    from great_expectations.data_context import set_context
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.exceptions import DataContextRequiredError

    try:
        previous = project_manager.get_current_project()
    except DataContextRequiredError:
        previous = None
    config = DataContextConfig(
        # No temp data-docs site: nothing here renders docs, so nothing should touch disk.
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    # get_context also makes ours the process-wide "current" context; hand that role back
    # if someone else in the process had one. Our batches resolve through their own context.
    if previous is not None:
        set_context(previous)
    datasource = context.data_sources.add_pandas(name=_DATASOURCE_NAME)
    _RUNTIME = _GxRuntime(pid=os.getpid(), context=context, datasource=datasource)
    return _RUNTIME


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _jsonable(value: object) -> object:
    """Turn numpy containers/scalars into plain Python so ``json.dumps`` can handle them."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()  # numpy arrays (parquet list columns) and numpy scalars
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _is_container(value: object) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset)) or (
        getattr(value, "ndim", 0) > 0 and hasattr(value, "tolist")
    )


def _prepare_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy GX can digest: container cells become JSON text, ``date`` merge_dates ISO strings.

    Lists are unhashable (unique/in-set metrics hash values) and are JSON text in the
    warehouse anyway, so checking the JSON form validates what will be stored. The
    caller's frame is never modified.
    """
    out = df.copy(deep=False)
    for col in out.columns:
        series = out[col]
        if series.dtype != object:
            continue
        if series.map(_is_container).any():
            out[col] = series.map(lambda v: json.dumps(v, default=_jsonable, sort_keys=True) if _is_container(v) else v)
    if "merge_date" in out.columns and out["merge_date"].dtype == object:
        out["merge_date"] = out["merge_date"].map(
            lambda v: v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v
        )
    return out


def _plain(value: object) -> object:
    """Example values as JSON-safe Python (Dagster metadata must serialise)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            value = str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _examples(result: Mapping[str, Any]) -> tuple[object, ...]:
    raw = result.get("partial_missing_list")
    if raw is None:
        raw = result.get("partial_unexpected_list") or []
    seen: list[object] = []
    for value in raw:
        plain = _plain(value)
        if plain not in seen:
            seen.append(plain)
        if len(seen) == MAX_EXAMPLES:
            break
    return tuple(seen)


def _offending_prs(spec: CheckSpec, result: Mapping[str, Any]) -> tuple[str, ...]:
    """The PRs a failed expectation is about, each once in row order: by the rows' pr_id, or the ids themselves.

    Row expectations name their rows through GX's unexpected index list (``pr_id`` as the index
    column); expectations on ``pr_id`` itself (unique, complete, known upstream) name them by value.
    """
    rows = result.get("unexpected_index_list")
    if isinstance(rows, list) and rows and all(isinstance(row, Mapping) and "pr_id" in row for row in rows):
        values: Iterable[object] = (row["pr_id"] for row in rows)
    elif "pr_id" in spec.columns:
        values = result.get("missing_list") or result.get("partial_missing_list") or result.get("unexpected_list") or []
        values = values or result.get("partial_unexpected_list") or []
    else:
        return ()
    # Whole ids, never shortened like examples: a name that is cut names no PR.
    return tuple(dict.fromkeys(_whole(value) for value in values if value is not None))


def _whole(value: object) -> str:
    """A cell as text, numpy scalars unwrapped, never shortened."""
    item = getattr(value, "item", None)
    return str(item() if callable(item) and not isinstance(value, str) else value)


def _exception_message(exception_info: object) -> str | None:
    """GX nests metric errors by metric id; find the first real message at any depth."""
    if not isinstance(exception_info, Mapping):
        return None
    if exception_info.get("raised_exception") and exception_info.get("exception_message"):
        return str(exception_info["exception_message"])
    for value in exception_info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _describe(
    spec: CheckSpec,
    success: bool,
    result: Mapping[str, Any],
    error: str | None,
    missing: list[str],
    pr_ids: Sequence[str] = (),
) -> tuple[str, str]:
    """(detail for the markdown row, reason for a failure) in words a reviewer understands, naming the PRs."""
    detail, reason = _describe_values(spec, success, result, error, missing)
    if pr_ids and not success:
        detail += f": {first_of(pr_ids, MAX_EXAMPLES)}"
        reason += f": {first_of(pr_ids, NAMED_PRS)}"
    return detail, reason


def _describe_values(
    spec: CheckSpec, success: bool, result: Mapping[str, Any], error: str | None, missing: list[str]
) -> tuple[str, str]:
    cols = ", ".join(f"`{c}`" for c in spec.columns)
    if spec.expectation == "ExpectColumnToExist" and not success:
        return "missing", f"column `{spec.kwargs['column']}` is missing from the frame"
    if missing:
        named = ", ".join(f"`{c}`" for c in missing)
        return "not evaluated", f"{cols}: could not check '{spec.description}': column {named} is missing"
    if error:
        return "error", f"{cols}: could not check '{spec.description}': {error.splitlines()[0][:200]}"
    if "missing_count" in result and "element_count" not in result:  # distinct-values set checks
        count = result.get("missing_count") or 0
        detail = f"{count} expected value(s) absent" if count else ""
        return detail, f"{cols}: {spec.description}: {count} expected value(s) absent"
    unexpected = result.get("unexpected_count")
    if unexpected is not None:
        total = result.get("element_count")
        detail = f"{unexpected} of {total} rows unexpected" if unexpected else ""
        return detail, f"{cols}: {spec.description}: {unexpected} of {total} rows unexpected"
    observed = result.get("observed_value")
    detail = f"observed {observed}" if observed is not None else ""
    return detail, f"{cols}: {spec.description} failed" + (f" (observed {observed})" if detail else "")


def validate_table(
    table: str,
    df: pd.DataFrame,
    *,
    window_start: date | None = None,
    window_end: date | None = None,
    expected_pr_ids: set[str] | None = None,
) -> QualityReport:
    """Run ``table``'s suite (plus the partition checks asked for) against ``df``.

    Never raises for bad data: a missing column or an expectation GX cannot evaluate
    becomes a failed expectation with a reason, because the caller is an asset check whose
    job is to report. It does raise for caller mistakes (unknown table, half a window).
    A frame with neither rows nor columns (``pd.DataFrame([])`` of an empty window) counts
    as an empty partition.
    """
    specs = check_specs(table, window_start=window_start, window_end=window_end, expected_pr_ids=expected_pr_ids)
    if df.shape == (0, 0):
        # ``pd.DataFrame([])`` from an empty window's row list carries no schema to check:
        # read it as the empty partition it is, not as a frame missing every column.
        import pandas as pd

        df = pd.DataFrame(columns=list(suite_spec(table).columns))
    frame = _prepare_frame(df)
    with _LOCK:
        runtime = _runtime()
        suite = _build_suite(f"{table}_quality", specs)
        batch = runtime.batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
        result_format = _ROW_RESULT_FORMAT if "pr_id" in frame.columns else _RESULT_FORMAT
        try:
            outcome = batch.validate(suite, result_format=result_format)
        finally:
            runtime.forget_batches()

    present = set(frame.columns)
    by_index: dict[int, Any] = {}
    for res in outcome.results:
        index = (res.expectation_config.meta or {}).get("check_index")
        if isinstance(index, int):
            by_index[index] = res

    checks: list[CheckOutcome] = []
    failed: list[FailedExpectation] = []
    for i, spec in enumerate(specs):
        res = by_index.get(i)
        success = bool(res is not None and res.success)
        result = (res.result if res is not None else None) or {}
        error = _exception_message(res.exception_info) if res is not None else "no result from GX"
        missing = [c for c in spec.columns if c not in present]
        gx_type = res.expectation_config.type if res is not None else spec.expectation
        pr_ids = () if success else _offending_prs(spec, result)
        detail, reason = _describe(spec, success, result, None if success else error, missing, pr_ids)
        if success:
            detail = ""
        checks.append(CheckOutcome(gx_type, spec.columns, spec.description, success, detail))
        if not success:
            failed.append(
                FailedExpectation(
                    gx_type, spec.columns, reason, _examples(result), pr_ids, spec.per_row, spec.description
                )
            )

    return QualityReport(
        table=table,
        success=not failed,
        evaluated=len(checks),
        failed=failed,
        row_count=len(df),
        checks=checks,
    )


# --------------------------------------------------------------------------------------
# The check's verdict: the table as a whole, or some of its rows
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a table's check says, and whether the stages after it must wait.

    ``blocking`` when the table as a whole is wrong (a column missing, a PR twice, PRs lost or
    invented against upstream, every row of a real batch broken); otherwise a failure names the
    rows that broke a row rule, and the rest of the window goes on.
    """

    passed: bool
    blocking: bool
    rows: dict[str, list[str]]  # each offending PR with the rules it broke
    summary: str  # what failed, naming the PRs (the first NAMED_PRS of each list); "" when passed


def judge(
    report: QualityReport, row_problems: Mapping[str, Sequence[str]] | None = None, *, row_note: str = ""
) -> Verdict:
    """The verdict on ``report``, with the row problems found outside GX (``core.pr_rules``) added.

    ``row_note`` says what becomes of rows with problems ("enrich sets them aside ..."), so the
    message tells a reader where to look next.
    """
    rows = report.row_problems()
    for pr_id, reasons in (row_problems or {}).items():
        found = rows.setdefault(pr_id, [])
        found += [reason for reason in reasons if reason not in found]
    about_table = [failure.reason for failure in report.failed if failure.about_the_table]
    systematic = bool(rows) and report.row_count >= SYSTEMATIC_MIN_ROWS and len(rows) >= report.row_count
    if systematic:
        about_table.append(
            f"every one of the {report.row_count} rows breaks a row rule: the source, not a few PRs, is broken"
        )
    sentences = list(about_table)
    if rows:
        named = first_of((f"{pr_id} ({'; '.join(reasons)})" for pr_id, reasons in rows.items()), NAMED_PRS)
        note = f"; {row_note}" if row_note and not systematic else ""
        sentences.append(f"{len(rows)} of {report.row_count} rows break a row rule{note}: {named}")
    return Verdict(
        passed=not sentences,
        blocking=bool(about_table),
        rows=rows,
        summary=". ".join(sentence.rstrip(".") for sentence in sentences) + ("." if sentences else ""),
    )
