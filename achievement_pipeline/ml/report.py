"""What a training run decided, in words and numbers: which version won per model, and by how much.

Plain Python over a :class:`~achievement_pipeline.ml.training.TrainingResult`, so the Dagster
asset check only wraps it and the wording is testable on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from achievement_pipeline.ml.promotion import BASE_MODEL, NO_CHAMPION, SAME_HOLDOUT, UNCHANGED

if TYPE_CHECKING:  # pragma: no cover - typing only
    from achievement_pipeline.ml.training import ModelOutcome, TrainingResult


@dataclass(frozen=True)
class ChampionReport:
    """``passed``: every model trained (or was unchanged) and any champion was compared on the same holdout."""

    passed: bool
    numbers: dict[str, float | str | None]
    markdown: str


def _incumbent(version: str | None) -> str:
    return "the shipped base model" if version == "base" else f"champion v{version}"


def _verdict(outcome: ModelOutcome) -> str:
    if outcome.unchanged:
        kept = outcome.champion_version
        return f"unchanged, {_incumbent(kept) if kept else 'the shipped base model'} kept"
    if outcome.previous_champion_version is None:
        return f"v{outcome.version} is the first champion (holdout macro-F1 {outcome.macro_f1:.3f})"
    margin = outcome.margin
    low, high = outcome.metrics.get("macro_f1_margin_low"), outcome.metrics.get("macro_f1_margin_high")
    noise = "" if low is None or high is None else f" (90% interval [{low:+.3f}, {high:+.3f}])"
    by = "" if margin is None else f" by {margin:+.3f} macro-F1{noise}"
    incumbent = _incumbent(outcome.previous_champion_version)
    if outcome.promoted:
        return f"candidate v{outcome.version} beat {incumbent}{by}"
    candidate = f"{incumbent} kept: candidate v{outcome.version}"
    if margin is None or margin < 0:
        return f"{candidate} trailed{by}"
    if margin == 0:
        return f"{candidate} tied{noise}"
    return f"{candidate} led{by}, within the holdout's noise"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def champion_report(result: TrainingResult) -> ChampionReport:
    """Per model: winner, candidate and champion macro-F1 on the candidate's holdout, margin, basis."""
    numbers: dict[str, float | str | None] = {}
    lines = [
        "| model | winner | candidate | candidate macro-F1 | previous champion | champion macro-F1 | margin | basis |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    passed = True
    for name, outcome in result.models.items():
        fair = outcome.comparison_basis in (SAME_HOLDOUT, BASE_MODEL, NO_CHAMPION, UNCHANGED)
        passed = passed and fair
        numbers.update(
            {
                f"{name}_winner_version": outcome.champion_version,
                f"{name}_candidate_version": outcome.version,
                f"{name}_candidate_macro_f1": outcome.macro_f1,
                f"{name}_champion_macro_f1": outcome.previous_champion_macro_f1,
                f"{name}_margin": outcome.margin,
                f"{name}_basis": outcome.comparison_basis,
            }
        )
        numbers[f"{name}_status"] = "unchanged, champion kept" if outcome.unchanged else "trained"
        winner = f"v{outcome.champion_version} ({'candidate' if outcome.promoted else 'champion'})"
        if outcome.champion_version in (None, "base"):
            winner = "base model"
        previous = {None: "-", "base": "base model"}.get(
            outcome.previous_champion_version, f"v{outcome.previous_champion_version}"
        )
        margin = "-" if outcome.margin is None else f"{outcome.margin:+.3f}"
        candidate = f"v{outcome.version} (unchanged)" if outcome.unchanged else f"v{outcome.version}"
        lines.append(
            f"| {name} | {winner} | {candidate} | {outcome.macro_f1:.3f} | {previous} | "
            f"{_fmt(outcome.previous_champion_macro_f1)} | {margin} | {outcome.comparison_basis} |"
        )
        note = f" ({outcome.comparison_note})" if outcome.comparison_note else ""
        verdicts.append(f"- **{name}**: {_verdict(outcome)}{note}")
    for name, reason in result.skipped.items():
        # A model that could not train is a failed check: predictions go without it (or with an older champion).
        passed = False
        numbers[f"{name}_status"] = "skipped: too little data"
        numbers[f"{name}_skipped_reason"] = reason
        lines.append(f"| {name} | - | - | - | - | - | - | skipped |")
        verdicts.append(f"- **{name}**: skipped, too little data: {reason}")
    markdown = "\n".join([*lines, "", *verdicts])
    return ChampionReport(passed=passed, numbers=numbers, markdown=markdown)
