"""The row shapes that flow between stages.

Every stage writes plain dict rows to a warehouse table; these TypedDicts are the
contract between the stages, the warehouse schema (``core.warehouse`` derives each
table's columns from them), the quality suites and the reports, so a change to a field
is a change in one place that type checkers can follow. A text field annotated with
:class:`Chars` is stored as a bounded string; plain ``str`` is unbounded text.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from typing import Annotated, TypedDict

from achievement_pipeline.core.predictions import LABEL_BASIS, MODEL_BASIS, PREFIX_BASIS, UNCERTAIN_BASIS


@dataclass(frozen=True)
class Chars:
    """A text field of at most ``length`` characters (VARCHAR in the warehouse)."""

    length: int


@dataclass(frozen=True)
class Default:
    """The value the warehouse stores when a row lacks the field (rows from an older collector)."""

    value: object


def field_defaults(record_type: type) -> dict[str, object]:
    """The fields of ``record_type`` declared with a :class:`Default`, and that default.

    These are fields added after rows were first stored: an older copy lacks them.
    """
    defaults: dict[str, object] = {}
    for name, hint in typing.get_type_hints(record_type, include_extras=True).items():
        extras = typing.get_args(hint)[1:] if typing.get_origin(hint) is Annotated else ()
        found = [extra.value for extra in extras if isinstance(extra, Default)]
        if found:
            defaults[name] = found[0]
    return defaults


def record_problems(value: object, record_type: type, name: str = "") -> list[str]:
    """Why ``value`` is not a ``record_type`` row: a missing field, a value of the wrong kind, text too long.

    A field declared with a :class:`Default` may be absent (older copies lack it). Lists and nested
    records (files, reviews, comments) are checked item by item, since a malformed one fails a later
    stage as surely as a malformed field fails the warehouse insert. Empty when ``value`` is sound.
    """
    if not isinstance(value, dict):
        return [f"{name or 'the record'} is {_kind(value)}, not an object"]
    problems = []
    checks, optional = _checks(record_type)
    for field, check in checks:
        where = f"{name}.{field}" if name else field
        if field in value:
            if check(value[field], ""):  # checked unnamed first: items' paths are spelled out only when wrong
                problems += check(value[field], where)
        elif field not in optional:
            problems.append(f"{where} is missing")
    return problems


# A check of one value: its problems, each starting with ``where`` (the field's path in the record).
_Check = typing.Callable[[object, str], list[str]]


@functools.cache
def _checks(record_type: type) -> tuple[tuple[tuple[str, _Check], ...], frozenset[str]]:
    """``record_type``'s fields with the check of each, and those that may be absent: built once per type,
    since reading the type hints costs more than checking a row."""
    hints = typing.get_type_hints(record_type, include_extras=True)
    return tuple((field, _check(hint)) for field, hint in hints.items()), frozenset(field_defaults(record_type))


def _check(hint: object) -> _Check:
    base, extras = hint, ()
    if typing.get_origin(hint) is Annotated:
        base, *extras = typing.get_args(hint)
    origin = typing.get_origin(base)
    if typing.is_typeddict(base):
        record = typing.cast(type, base)
        return lambda value, where: record_problems(value, record, where)
    if origin is list:
        return _list_check(_check(typing.get_args(base)[0]))
    expected: dict[object, tuple[type, ...]] = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}
    kinds: tuple[type, ...] = (dict,) if origin is dict else expected.get(base, (object,))
    strict_bool, shown = base is not bool, getattr(base, "__name__", base)
    limit = next((extra.length for extra in extras if isinstance(extra, Chars)), None)

    def check(value: object, where: str) -> list[str]:
        if not isinstance(value, kinds) or (strict_bool and isinstance(value, bool)):
            return [f"{where} is {_kind(value)}, not {shown}"]
        if limit is not None and isinstance(value, str) and len(value) > limit:
            return [f"{where} has {len(value)} characters, more than {limit}"]
        return []

    return check


def _list_check(item: _Check) -> _Check:
    def check(value: object, where: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{where} is {_kind(value)}, not a list"]
        for index, element in enumerate(value):
            if item(element, ""):
                return item(element, f"{where}[{index}]")  # the first bad item says enough
        return []

    return check


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


# The key of every stage table: the PR ("owner/repo#123") and its UTC merge day (the partition).
PrId = Annotated[str, Chars(300)]
MergeDate = Annotated[str, Chars(10)]


class FileChange(TypedDict):
    filename: str
    status: str  # added | modified | removed | renamed
    additions: int
    deletions: int


class Review(TypedDict):
    author: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    body: str
    submitted_at: str  # ISO 8601 UTC


class Comment(TypedDict):
    author: str
    body: str
    path: str  # file path for review comments, "" for conversation comments


class PullRequestRecord(TypedDict):
    """One merged pull request as ingested from GitHub (table ``pull_requests``)."""

    pr_id: PrId  # "owner/repo#123": stable across re-runs, the primary key
    repo: Annotated[str, Chars(200)]  # "owner/repo"
    number: int
    title: str
    body: str
    author: Annotated[str, Chars(100)]
    url: str  # html_url on GitHub
    created_at: Annotated[str, Chars(32)]  # ISO 8601 UTC
    merged_at: Annotated[str, Chars(32)]  # ISO 8601 UTC
    merge_date: MergeDate  # YYYY-MM-DD (UTC): the partition key
    base_ref: Annotated[str, Chars(255)]
    head_ref: Annotated[str, Chars(255)]
    additions: int
    deletions: int
    changed_files: int
    commits: Annotated[int, Default(0)]  # commits in the PR, as GitHub counts them
    labels: list[str]
    files: list[FileChange]
    reviews: list[Review]
    review_comments: list[Comment]
    issue_comments: list[Comment]
    linked_issues: list[int]
    # Evidence of effort the calendar can check: the authored date of the PR's first commit (ISO 8601 UTC;
    # "" when unknown), and the merge commit, which a later "This reverts commit <sha>" names.
    first_commit_at: Annotated[str, Chars(32), Default("")]
    merge_commit_sha: Annotated[str, Chars(40), Default("")]
    # Who the work reaches, as GitHub describes the repository: facts, never judgements. "" and 0 mean
    # "not collected" (rows collected before these fields existed).
    repo_owner_type: Annotated[str, Chars(20), Default("")]  # "Organization" | "User"
    repo_is_fork: Annotated[bool, Default(False)]
    repo_is_private: Annotated[bool, Default(False)]
    repo_stars: Annotated[int, Default(0)]
    repo_forks: Annotated[int, Default(0)]
    # The title of the repository's milestone the PR belongs to ("" when none): PRs of one milestone
    # are one piece of work, whatever areas they touch.
    milestone: Annotated[str, Chars(255), Default("")]


class EnrichedRecord(TypedDict):
    """Features and generated text for one PR (table ``enriched_prs``)."""

    pr_id: PrId
    merge_date: MergeDate
    conventional_type: Annotated[str, Chars(20)]  # feat, fix, perf, ... or "" when the title has no prefix
    scope: Annotated[str, Chars(100)]
    clean_title: str  # title without its "type(scope):" prefix
    lines_changed: int
    size_class: Annotated[str, Chars(4)]  # xs | s | m | l | xl
    areas: list[str]  # top-level areas touched, e.g. ["docs", "packages/vite"]
    review_count: int
    review_comment_count: int
    claims: list[str]  # measurable claims quoted from the PR text
    summary: str
    achievement: str  # one line, past tense, outcome first
    star: dict[str, str]  # the STAR story: {"situation", "task", "action", "result"}
    skills: list[str]  # skills the work shows, e.g. ["Python", "caching"]
    flagged_numbers: list[str]  # numbers of a model's text found in neither the PR nor the ledger (that text withheld)
    # Who wrote the text: a litellm model name, "offline" or "offline (fallback: reason)".
    summariser: Annotated[str, Chars(200)]


class PredictionRecord(TypedDict):
    """Category, impact and review sentiment for one PR (table ``predictions``)."""

    pr_id: PrId
    merge_date: MergeDate
    # The category the portfolio shows (one of SHOWN_CATEGORIES) and where it comes from (CATEGORY_BASES):
    # the PR's prefix or a label when one states it, else the model's guess when confident, else "uncertain".
    category: Annotated[str, Chars(30)]
    category_basis: Annotated[str, Chars(10)]
    # The model's own top class and its calibrated confidence (the measured chance it is right),
    # kept even where a prefix or label decided: the evidence of what the model thought.
    predicted_category: Annotated[str, Chars(30)]
    category_confidence: float
    # The impact scorecard: tier, total points, and [{"evidence", "points"}] per item that scored.
    impact: Annotated[str, Chars(10)]  # low | medium | high
    impact_points: int
    impact_evidence: list[dict[str, object]]
    # Review sentiment, aggregated over the PR's human review bodies and review comments:
    # the class with the highest mean probability ("none" when there is no review text),
    # that mean probability, the mean P(positive) - P(negative) in [-1, 1], the share of
    # texts predicted negative, and how many texts were read.
    review_sentiment: Annotated[str, Chars(10)]  # positive | negative | none | unknown (no model)
    sentiment_confidence: float
    sentiment_score: float
    negative_review_share: float
    review_text_count: int
    review_states: dict[str, int]  # how many reviews ended APPROVED, CHANGES_REQUESTED, ...: facts, no model
    model_name: Annotated[str, Chars(100)]
    # Every model that spoke, "pr-category:3,impact-scorecard-v1,pr-review-sentiment:2".
    model_version: Annotated[str, Chars(150)]
    category_model_version: Annotated[str, Chars(100)]  # "pr-category:3" or "pr-category-base:vite-…"
    sentiment_model_version: Annotated[str, Chars(100)]  # "pr-review-sentiment:2" or "" (not assessed)


class ValuationRecord(TypedDict):
    """Cost and value estimates with their evidence, assumptions and arithmetic (table ``valuations``).

    Hours and cost are what the work took; value is what it delivered: from a measured outcome the
    PR states (``value_basis`` "outcome"), else by the ledger's judgement multipliers ("judgement"),
    times the repository's reach. The product of ``value_terms`` is ``value_expected``.
    """

    pr_id: PrId
    merge_date: MergeDate
    hours_low: float
    hours_expected: float
    hours_high: float
    cost_low: float
    cost_expected: float
    cost_high: float
    value_low: float
    value_expected: float
    value_high: float
    currency: Annotated[str, Chars(3)]
    value_basis: Annotated[str, Chars(20)]  # outcome | judgement | none
    value_terms: list[dict[str, object]]  # [{"name", "value", "unit"}]; "hours" scales with the calendar
    reach: float  # the factor on value for who the repository serves
    reach_note: str  # why
    outcomes: list[dict[str, object]]  # measured outcomes valued: [{"kind", "claim", "value", "terms"}]
    refused_claims: list[dict[str, str]]  # claims that cannot be true: [{"claim", "reason"}]
    evidence: list[dict[str, str]]  # [{"kind": "...", "detail": "..."}]
    assumptions: list[dict[str, object]]  # [{"name", "value", "unit", "source"}]


class ValidationRecord(TypedDict):
    """Whether a PR's achievement may be published, and why not (table ``validated_achievements``)."""

    pr_id: PrId
    merge_date: MergeDate
    status: Annotated[str, Chars(10)]  # accepted | rejected
    reasons: list[str]


class SetAsideRecord(TypedDict):
    """A PR a stage could not process, and why (table ``set_aside``, beside the stage tables).

    Enrich sets aside the PRs the row rules (``core.pr_rules``) refuse, so the rest of the window goes
    on; validate rejects them with these reasons, which is how they reach the portfolio's Appendix A.
    """

    pr_id: PrId
    merge_date: MergeDate
    stage: Annotated[str, Chars(30)]  # the stage that set it aside, e.g. "enrich"
    reasons: list[str]


# Which record each stage table holds, in pipeline order.
STAGE_RECORDS: dict[str, type] = {
    "pull_requests": PullRequestRecord,
    "enriched_prs": EnrichedRecord,
    "predictions": PredictionRecord,
    "valuations": ValuationRecord,
    "validated_achievements": ValidationRecord,
}
# Tables beside the stage tables, keyed and replaced by window like them, but no stage's output.
SIDE_RECORDS: dict[str, type] = {"set_aside": SetAsideRecord}

CATEGORIES: tuple[str, ...] = (
    "feature",
    "fix",
    "performance",
    "security",
    "reliability",
    "refactor",
    "docs",
    "test",
    "build/ci",
    "chore",
)
# What the portfolio shows when no one stated a category and the model is not confident enough.
UNCERTAIN = "uncertain"
SHOWN_CATEGORIES: tuple[str, ...] = (*CATEGORIES, UNCERTAIN)
# Where a shown category comes from: the title's conventional prefix, a GitHub label, or the model
# (confident, or not: then the category reads "uncertain").
CATEGORY_BASES: tuple[str, ...] = (PREFIX_BASIS, LABEL_BASIS, MODEL_BASIS, UNCERTAIN_BASIS)
IMPACT_TIERS: tuple[str, ...] = ("low", "medium", "high")
# What a valuation's value rests on: a measured outcome, a judgement on cost, or nothing (no evidence).
VALUE_BASES: tuple[str, ...] = ("outcome", "judgement", "none")
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
NO_REVIEW_TEXT = "none"  # review_sentiment of a PR nobody reviewed in words
NOT_ASSESSED = "unknown"  # review_sentiment when no sentiment model has been trained (too few review texts)
