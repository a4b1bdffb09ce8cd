"""Which achievements are worth featuring: the impact scorecard's ranking, or one learned from the person's marks.

Impact is an explained scorecard because a model trained on labels computed from its own inputs is
only a less accurate copy of the rule. A person's curation marks are a different ground truth: what
they chose to feature, what they chose to leave out, and what a later PR reverted. Once a person has
enough of them, a ranking learned from those marks may know something the scorecard does not (one
person features docs, another large refactors). It replaces the scorecard only when it ranks the
person's *newest* marks better, beyond the noise, in the same run; otherwise the scorecard stays and
the portfolio says why.

The ground truth (:func:`marks_from`):

* **pinned** PR → worth featuring;
* **excluded** PR (by its id) → not worth featuring. Excluding a whole repository says nothing about
  one PR's worth (dotfiles, a fork, an employer's code), so it is no mark;
* **reverted** PR (a later PR undid it) → not worth featuring; the person's own pin wins over it;
* **private** is about who may read a PR, not its worth: no mark. Title and statement rewordings
  are no marks either.

Excluded wins over pinned, as in the portfolio itself (``curation.apply_curation`` leaves it out).

Features (``export.featuring_features``) are what a reader can check on the PR and never the marks:
the scorecard's points and the points of each kind of its evidence, lines changed, issues closed,
claims, reviews, the shown category and the length of the title.

The procedure (:func:`rank_for_featuring`): at least :data:`MIN_PER_CLASS` marks of each kind, or
the scorecard ranks. Marks in merge order: the oldest 70% train a regularised logistic regression
(L2, balanced classes, fixed seed), the newest 30% are held out; the model and the scorecard's
points are both scored by ROC-AUC on those held-out marks, with a paired bootstrap interval of the
difference (:func:`compare`, ``export.auc``). The learned ranking is used only when that interval's
lower end is above 0; it is then refit on all marks. The scorecard ranks by its points, ties by
expected value. Same rows and marks, same result, whatever their order.

Suggestions (:func:`suggest`): up to :data:`SUGGESTIONS` achievements the person neither pinned nor
marked, not reverted nor a revert, with a positive signal (the scorecard's medium tier or above; a
learned probability of at least ½), in ranking order. They reorder nothing: pins stay first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from achievement_pipeline.core.intervals import Interval
from achievement_pipeline.export.auc import paired_auc
from achievement_pipeline.export.curation import EXCLUDE, PIN, Choice
from achievement_pipeline.export.featuring_features import features, number

SCORECARD, LEARNED = "scorecard", "learned"
MIN_PER_CLASS = 8  # marks of each kind before a learned ranking is tried
MIN_SLICE_PER_CLASS = 3  # of each kind in both the training part and the held-out part
HELD_OUT_FRACTION = 0.3  # the newest marks, by merge time
SUGGESTIONS = 3  # at most this many achievements suggested to feature
SEED = 0
REGULARISATION = 1.0  # scikit-learn's C: L2, on standardised features
# A positive signal: the scorecard's medium tier starts at 2 points (ml.impact_scorecard.MEDIUM_POINTS,
# which the export stage may not import); a learned ranking's probability of "worth featuring" of ½ or more.
SCORECARD_SIGNAL = 2.0
LEARNED_SIGNAL = 0.5


@dataclass(frozen=True)
class Comparison:
    """The learned ranking and the scorecard's points on the same held-out marks, in the same run."""

    held_out: int  # marks scored
    model_auc: Interval
    scorecard_auc: Interval
    difference: Interval  # learned minus scorecard, paired

    @property
    def learned_wins(self) -> bool:
        """Ahead beyond the noise: the difference's interval lies above 0."""
        return self.difference.low > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "marks": self.held_out,
            "model_auc": self.model_auc.as_dict(4),
            "scorecard_auc": self.scorecard_auc.as_dict(4),
            "difference": self.difference.as_dict(4),
        }

    def text(self) -> str:
        return (
            f"on the newest {self.held_out} marks the learned ranking's AUC is {self.model_auc.text()}, "
            f"the scorecard's {self.scorecard_auc.text()}"
        )


@dataclass(frozen=True)
class Featuring:
    """Which ranker orders the achievements, on how many marks, how each did on the held-out ones, and why."""

    ranker: str  # scorecard | learned
    positives: int  # marks "worth featuring" (pinned) that name a collected PR
    negatives: int  # marks "not worth featuring" (excluded PR, reverted)
    note: str  # one line a reader understands
    threshold: float  # a score at or above it is a positive signal
    scores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))  # pr_id → score
    order: tuple[str, ...] = ()  # pr_ids, most worth featuring first
    marked: frozenset[str] = frozenset()  # every marked pr_id: the person (or a revert) has decided
    comparison: Comparison | None = None  # None: too few marks to run one

    def summary(self) -> dict[str, Any]:
        """The portfolio's ``featuring`` block (without the suggestions, which :func:`suggest` adds)."""
        found: dict[str, Any] = {
            "ranker": self.ranker,
            "marks": {"worth_featuring": self.positives, "not_worth_featuring": self.negatives},
            "needed_per_kind": MIN_PER_CLASS,
            "note": self.note,
        }
        if self.comparison is not None:
            found["held_out"] = self.comparison.as_dict()
        return found


def marks_from(choices: Iterable[Choice], reverted: Iterable[str]) -> dict[str, bool]:
    """pr_id → worth featuring (True) or not (False), from the person's choices and the reverted PRs."""
    choices = list(choices)
    pinned = {c.target for c in choices if c.kind == PIN}
    excluded = {c.target for c in choices if c.kind == EXCLUDE and "#" in c.target}  # a PR, not a repository
    marks = {pr_id: False for pr_id in reverted if pr_id not in pinned}
    marks.update({pr_id: True for pr_id in pinned})
    marks.update({pr_id: False for pr_id in excluded})
    return marks


def merge_order(row: Mapping[str, Any]) -> tuple[datetime, str]:
    """Sort key: the merge time in UTC (offsets honoured), then the pr_id."""
    text = str(row.get("merged_at") or row.get("merge_date") or "")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = datetime.min
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when, str(row["pr_id"])


def _ordered(rows: Iterable[Mapping[str, Any]], scores: Mapping[str, float]) -> tuple[str, ...]:
    """Highest score first; ties by expected value, then pr_id (stable across runs)."""
    ranked = sorted(rows, key=lambda r: (-scores[str(r["pr_id"])], -number(r.get("value_expected")), str(r["pr_id"])))
    return tuple(str(r["pr_id"]) for r in ranked)


def fit_ranker(rows: Sequence[Mapping[str, Any]], truth: Sequence[bool], *, seed: int = SEED) -> Any:  # noqa: ANN401
    """The learned ranking: L2 logistic regression on standardised features, classes balanced, seeded."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", random_state=seed, max_iter=1000)
    return make_pipeline(StandardScaler(), model).fit([features(r) for r in rows], [bool(y) for y in truth])


def learned_scores(model: Any, rows: Sequence[Mapping[str, Any]]) -> list[float]:  # noqa: ANN401 - fitted pipeline
    """Each row's probability of being worth featuring."""
    return [float(p) for p in model.predict_proba([features(r) for r in rows])[:, 1]] if rows else []


def compare(
    train: Sequence[Mapping[str, Any]],
    train_truth: Sequence[bool],
    held: Sequence[Mapping[str, Any]],
    held_truth: Sequence[bool],
    *,
    seed: int = SEED,
) -> Comparison:
    """Fit on ``train``, then score the learned ranking and the scorecard's points on ``held`` (paired)."""
    learned = learned_scores(fit_ranker(train, train_truth, seed=seed), held)
    points = [number(r.get("impact_points")) for r in held]
    model_auc, scorecard_auc, difference = paired_auc(held_truth, learned, points, seed=seed)
    return Comparison(len(held), model_auc, scorecard_auc, difference)


def _kinds(positives: int, negatives: int) -> str:
    return f"{positives} pinned, {negatives} left out or reverted"


def _marks(n: int) -> str:
    return f"{n} mark" if n == 1 else f"{n} marks"


def _scorecard(
    rows: Sequence[Mapping[str, Any]], truth: Sequence[bool], marked: frozenset[str], note: str, **compared: Any
) -> Featuring:
    scores = {str(r["pr_id"]): number(r.get("impact_points")) for r in rows}
    positives = sum(truth)
    return Featuring(
        SCORECARD,
        positives,
        len(truth) - positives,
        note,
        SCORECARD_SIGNAL,
        MappingProxyType(scores),
        _ordered(rows, scores),
        marked,
        **compared,
    )


def _too_few(truth: Sequence[bool], cut: int) -> str:
    """Why no comparison can be run on these marks, or "" when one can."""
    positives, negatives = sum(truth), len(truth) - sum(truth)
    if positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        return (
            f"Ranked by the impact scorecard: a ranking learned from your own marks needs at least {MIN_PER_CLASS} "
            f"pinned and {MIN_PER_CLASS} left out or reverted pull requests; there {'is' if len(truth) == 1 else 'are'}"
            f" {_marks(len(truth))} so far ({_kinds(positives, negatives)})."
        )
    older, newest = truth[:cut], truth[cut:]
    slices = ((sum(older), len(older) - sum(older)), (sum(newest), len(newest) - sum(newest)))
    if min(min(counts) for counts in slices) < MIN_SLICE_PER_CLASS:
        return (
            f"Ranked by the impact scorecard: of your {_marks(len(truth))} the older {len(older)} hold "
            f"{_kinds(*slices[0])} and the newest {len(newest)} hold {_kinds(*slices[1])}; at least "
            f"{MIN_SLICE_PER_CLASS} of each are needed in both to test a learned ranking."
        )
    return ""


def rank_for_featuring(rows: Sequence[Mapping[str, Any]], marks: Mapping[str, bool], *, seed: int = SEED) -> Featuring:
    """Score every row for featuring: learned from ``marks`` where that beats the scorecard on the newest marks.

    ``rows`` are joined PR rows (enrich, predict, value); a mark naming no row is not counted.
    """
    rows = sorted(rows, key=merge_order)
    marked_rows = [r for r in rows if str(r["pr_id"]) in marks]
    truth = [bool(marks[str(r["pr_id"])]) for r in marked_rows]
    marked = frozenset(str(r["pr_id"]) for r in marked_rows)
    cut = len(truth) - max(1, round(len(truth) * HELD_OUT_FRACTION))
    if note := _too_few(truth, cut):
        return _scorecard(rows, truth, marked, note)

    comparison = compare(marked_rows[:cut], truth[:cut], marked_rows[cut:], truth[cut:], seed=seed)
    if not comparison.learned_wins:
        note = (
            f"Ranked by the impact scorecard: {comparison.text()}; the difference, "
            f"{comparison.difference.text(signed=True)}, is not above 0, so the learned ranking is not used."
        )
        return _scorecard(rows, truth, marked, note, comparison=comparison)

    probabilities = learned_scores(fit_ranker(marked_rows, truth, seed=seed), rows)
    scores = {str(r["pr_id"]): round(p, 4) for r, p in zip(rows, probabilities, strict=True)}
    positives = sum(truth)
    note = (
        f"Ranked by what your own {_marks(len(truth))} ({_kinds(positives, len(truth) - positives)}) teach: "
        f"{comparison.text()}, a lead of {comparison.difference.text(signed=True)}."
    )
    return Featuring(
        LEARNED,
        positives,
        len(truth) - positives,
        note,
        LEARNED_SIGNAL,
        MappingProxyType(scores),
        _ordered(rows, scores),
        marked,
        comparison,
    )


def _suggestable(item: Mapping[str, Any], featuring: Featuring) -> bool:
    """Not already featured, not decided by the person, not undone, and a positive signal."""
    pr_id = str(item.get("pr_id"))
    if item.get("pinned") or item.get("reverted_by") or item.get("reverts") or pr_id in featuring.marked:
        return False
    return featuring.scores.get(pr_id, -math.inf) >= featuring.threshold


def suggest(document: Mapping[str, Any], featuring: Featuring, *, top: int = SUGGESTIONS) -> dict[str, Any]:
    """A copy of the portfolio with up to ``top`` achievements marked ``suggested`` and the ``featuring`` block.

    Only a suggestion: pinned achievements stay first and nothing is reordered or left out.
    """
    by_id = {str(a["pr_id"]): a for a in document.get("achievements") or []}
    chosen = [pr_id for pr_id in featuring.order if pr_id in by_id and _suggestable(by_id[pr_id], featuring)][:top]
    achievements = [{**a, "suggested": str(a["pr_id"]) in chosen} for a in document.get("achievements") or []]
    groups = [
        {**g, "suggested": not g.get("featured") and any(pr_id in chosen for pr_id in g.get("pr_ids") or [])}
        for g in document.get("achievement_groups") or []
    ]
    block = {**featuring.summary(), "suggested": chosen}
    return {**document, "achievements": achievements, "achievement_groups": groups, "featuring": block}
