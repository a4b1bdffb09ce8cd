"""The conventional-commit types the pipeline knows: one list, read by the title parser and the label rules.

``TYPE_CATEGORY`` maps every type a title may start with (``feat``, ``fix``, ... and their common
spellings ``feature``, ``bugfix``, ``hotfix``, ``doc``, ``tests``) to the category it says;
``revert`` is known but says no category (a revert undoes a change of any category).
``CANONICAL_TYPE`` folds the spellings onto the type the rest of the pipeline keys on, so the
parser stores ``feat`` for "feature: ..." and the summariser's verbs and skills apply.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CATEGORY: Mapping[str, str] = {
    "feat": "feature",
    "feature": "feature",
    "fix": "fix",
    "bugfix": "fix",
    "hotfix": "fix",
    "perf": "performance",
    "security": "security",
    "refactor": "refactor",
    "style": "refactor",
    "docs": "docs",
    "doc": "docs",
    "test": "test",
    "tests": "test",
    "build": "build/ci",
    "ci": "build/ci",
    "chore": "chore",
    "deps": "chore",
}
REVERT = "revert"
CANONICAL_TYPE: Mapping[str, str] = {
    "feature": "feat",
    "bugfix": "fix",
    "hotfix": "fix",
    "doc": "docs",
    "tests": "test",
}
KNOWN_TYPES: frozenset[str] = frozenset({*TYPE_CATEGORY, REVERT})
