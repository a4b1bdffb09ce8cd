"""Category labels: what the author or a reviewer said a PR is, never what its own text looks like.

A PR's category label comes from an explicit, deliberate signal: the conventional-commit type of
its title (``fix(ssr): …``) or a GitHub label a person put on it (``type: bug``). Neither is a
model input: the title reaches the model with its ``type(scope):`` prefix stripped, and the
category model does not read labels at all (``ml.inputs``), so the model learns the *words,
bodies and changed files* behind those signals and carries them to PRs that have none. A label
read off the title's own words (an earlier "Fix …" or "…crash…" rule) would only teach the model
to copy that rule, so there is none.

:func:`explicit_category` is also what the portfolio shows first: an author's prefix or a label is
never overridden by a prediction (see ``ml.category_choice``). Plain Python, no ML import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from achievement_pipeline.core.conventional import TYPE_CATEGORY
from achievement_pipeline.core.predictions import LABEL_BASIS, PREFIX_BASIS

# Bumped whenever the label rules change, so runs trained on different rules are told apart.
LABEL_RULES_VERSION = "explicit-v2"


# Label words (labels are split on non-alphanumerics, so "type: bug" and "kind/bug" both say bug).
# Security and reliability come first: a person who labels a fix "security" says more than "fix".
_LABEL_WORD_CATEGORY: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"security", "vulnerability", "cve"}), "security"),
    (frozenset({"reliability", "incident", "outage", "stability", "sre"}), "reliability"),
    (frozenset({"bug", "bugfix", "regression"}), "fix"),
    (frozenset({"performance", "perf"}), "performance"),
    (frozenset({"feature", "enhancement"}), "feature"),
    (frozenset({"documentation", "docs"}), "docs"),
    (frozenset({"test", "tests", "testing"}), "test"),
    (frozenset({"ci", "build"}), "build/ci"),
    (frozenset({"refactor", "refactoring", "cleanup"}), "refactor"),
    (frozenset({"dependencies", "deps", "dependency", "chore"}), "chore"),
)
_SPECIFIC = frozenset({"security", "reliability"})


@dataclass(frozen=True)
class ExplicitCategory:
    """A category someone stated, and where it was stated (:data:`PREFIX_BASIS` or :data:`LABEL_BASIS`)."""

    category: str
    basis: str


def _label_words(labels: Iterable[str]) -> set[str]:
    return {word for label in labels for word in re.split(r"[^a-z0-9]+", str(label).lower()) if word}


def _label_category(labels: Iterable[str]) -> str | None:
    words = _label_words(labels)
    for label_words, category in _LABEL_WORD_CATEGORY:
        if words & label_words:
            return category
    return None


def explicit_category(conventional_type: str | None, labels: Iterable[str] | None) -> ExplicitCategory | None:
    """The category the PR's author or labeller stated, or ``None`` when nobody said.

    Rules, first match wins:

    1. A label with a security word (``security``, ``vulnerability``, ``cve``) → ``security``;
       one with a reliability word (``reliability``, ``incident``, ``outage``, ``stability``,
       ``sre``) → ``reliability``. Nothing else says those two, so they are never guessed.
    2. The conventional type (``core.conventional.TYPE_CATEGORY``): ``feat`` → feature, ``fix`` →
       fix, ``perf`` → performance, ``security`` → security, ``refactor``/``style`` → refactor,
       ``docs`` → docs, ``test`` → test, ``build``/``ci`` → build/ci, ``chore``/``deps`` → chore,
       with the common spellings (``feature``, ``bugfix``, ``doc``, ``tests``, …). ``revert`` says
       no category: a revert undoes a change of any kind.
    3. No known type: a type-like label word — bug/regression → fix, performance → performance,
       feature/enhancement → feature, documentation → docs, test → test, ci/build → build/ci,
       refactor/cleanup → refactor, dependencies/chore → chore.
    """
    ctype = (conventional_type or "").strip().lower()
    from_labels = _label_category(labels or ())
    if from_labels in _SPECIFIC:
        return ExplicitCategory(str(from_labels), LABEL_BASIS)
    if ctype in TYPE_CATEGORY:
        return ExplicitCategory(TYPE_CATEGORY[ctype], PREFIX_BASIS)
    if from_labels is not None:
        return ExplicitCategory(from_labels, LABEL_BASIS)
    return None


def category_label(conventional_type: str | None, labels: Iterable[str] | None) -> str | None:
    """The training label of one PR: its :func:`explicit_category`, or ``None`` (left out of training)."""
    found = explicit_category(conventional_type, labels)
    return None if found is None else found.category
