"""Weak labels: the transparent rules that turn enriched PRs into category and impact labels.

The models learn from these labels. The rules only fire when a PR carries a signal (a
conventional-commit prefix, a telling label, a telling title); the models then learn the
vocabulary behind those signals, so PRs *without* one still get a category and an impact tier.
The rules are plain Python with no ML dependency, so they can be read and tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from achievement_pipeline.core.conventional import TYPE_CATEGORY
from achievement_pipeline.ml.coerce import as_int, as_list, is_missing

# Bumped whenever the weak-label rules change, so runs trained on different rules are told apart.
LABEL_RULES_VERSION = "weak-v1"

# The one list of conventional types, shared with the title parser (enrich.features).
_PREFIX_CATEGORY: Mapping[str, str] = TYPE_CATEGORY
# Label words (labels are split on non-alphanumerics, so "type: bug" and "kind/bug" both say bug).
_SECURITY_LABEL_WORDS = frozenset({"security", "vulnerability", "cve"})
_RELIABILITY_LABEL_WORDS = frozenset({"reliability", "incident", "outage", "stability", "sre"})
_LABEL_WORD_CATEGORY: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"bug", "bugfix", "regression"}), "fix"),
    (frozenset({"performance", "perf"}), "performance"),
    (frozenset({"feature", "enhancement"}), "feature"),
    (frozenset({"documentation", "docs"}), "docs"),
    (frozenset({"test", "tests", "testing"}), "test"),
    (frozenset({"ci", "build"}), "build/ci"),
    (frozenset({"refactor", "refactoring", "cleanup"}), "refactor"),
    (frozenset({"dependencies", "deps", "dependency", "chore"}), "chore"),
)
_SECURITY_TITLE = re.compile(
    r"\b(security|vulnerab\w*|cve-\d+|xss|csrf|ssrf|injection|sanitiz\w*|escap\w*|"
    r"path traversal|prototype pollution|redos|auth bypass|privilege)\b",
    re.I,
)
_RELIABILITY_TITLE = re.compile(
    r"\b(retr(?:y|ies|ying)|timeouts?|timed out|crash\w*|deadlocks?|race conditions?|races?|"
    r"flak(?:y|iness)|leaks?|panics?|hangs?|hanging|oom|out of memory|segfaults?|reconnect\w*|"
    r"backoff|idempoten\w*|resilien\w*)\b",
    re.I,
)
_FIX_TITLE = re.compile(r"^\s*(fix|fixes|fixed|fixing|resolve|resolves)\b", re.I)
_BUMP_TITLE = re.compile(r"^\s*(bump|update dependency|upgrade dependency)\b", re.I)


def _label_words(labels: Iterable[str]) -> set[str]:
    return {word for label in labels for word in re.split(r"[^a-z0-9]+", str(label).lower()) if word}


def _refine_fix(title: str) -> str:
    """A fix whose title names a vulnerability or a failure mode is security or reliability work."""
    if _SECURITY_TITLE.search(title):
        return "security"
    if _RELIABILITY_TITLE.search(title):
        return "reliability"
    return "fix"


def category_label(conventional_type: str | None, labels: Iterable[str] | None, title: str | None) -> str | None:
    """The weak category label of one PR, or ``None`` when nothing says what the PR is.

    Rules, first match wins (human labels beat the prefix because they are the most deliberate
    signal; the title only refines a fix or fills in when there is no other signal):

    1. A label with a security word (``security``, ``vulnerability``, ``cve``) → ``security``.
    2. A label with a reliability word (``reliability``, ``incident``, ``outage``, ``stability``,
       ``sre``) → ``reliability``.
    3. Conventional type: ``feat`` → feature; ``fix`` → fix, refined to ``security`` when the
       title names a vulnerability (XSS, CVE-…, injection, sanitize, …) or to ``reliability``
       when it names a failure mode (retry, timeout, crash, deadlock, race, flaky, leak, hang,
       OOM, reconnect, backoff, …); ``perf`` → performance; ``security`` → security;
       ``refactor``/``style`` → refactor; ``docs`` → docs; ``test`` → test; ``build``/``ci`` →
       build/ci; ``chore``/``deps`` → chore. ``revert`` → ``None``: a revert undoes a change of
       any category, so it says nothing about this one.
    4. No (known) prefix: a type-like label word — bug/regression → fix (refined as above),
       performance → performance, feature/enhancement → feature, documentation → docs,
       test → test, ci/build → build/ci, refactor/cleanup → refactor, dependencies/chore → chore.
    5. Still nothing: a title starting with "Fix …" → fix (refined as above); "Bump …" /
       "Update dependency …" (bot upgrades) → chore.
    6. Otherwise ``None``: the row is left out of training rather than guessed.
    """
    ctype = (conventional_type or "").strip().lower()
    words = _label_words(labels or ())
    text = title or ""
    if words & _SECURITY_LABEL_WORDS:
        return "security"
    if words & _RELIABILITY_LABEL_WORDS:
        return "reliability"
    if ctype == "revert":
        return None
    if ctype in _PREFIX_CATEGORY:
        category = _PREFIX_CATEGORY[ctype]
        return _refine_fix(text) if category == "fix" else category
    for label_words, category in _LABEL_WORD_CATEGORY:
        if words & label_words:
            return _refine_fix(text) if category == "fix" else category
    if _FIX_TITLE.search(text):
        return _refine_fix(text)
    if _BUMP_TITLE.search(text):
        return "chore"
    return None


def impact_label(row: Mapping[str, Any]) -> str:
    """The weak impact tier (``low``/``medium``/``high``) of one enriched PR, from transparent points.

    Points (each rule is something a reviewer could check on the PR page):

    * size: ``lines_changed`` ≥ 1000 (size class xl) → +2; ≥ 250 (size class l) → +1;
    * measurable claims quoted from the PR text: 1 → +1; 2 or more → +2;
    * linked issues it closes: 1–2 → +1; 3 or more → +2;
    * review depth: ≥ 3 reviews or ≥ 10 review comments → +1;
    * category (``row["category"]`` if given, else the weak :func:`category_label`):
      security or performance → +2, because those changes matter beyond their size.

    Tier: ≥ 4 points → ``high``; 2–3 → ``medium``; 0–1 → ``low``. Size alone therefore never
    makes a PR high impact: it also needs evidence (claims, issues, review or category).
    """
    points = 0
    lines = as_int(row.get("lines_changed"))
    points += 2 if lines >= 1000 else 1 if lines >= 250 else 0
    claims = len(as_list(row.get("claims")))
    points += 2 if claims >= 2 else 1 if claims == 1 else 0
    issues = as_int(row.get("linked_issue_count"))
    points += 2 if issues >= 3 else 1 if issues >= 1 else 0
    if as_int(row.get("review_count")) >= 3 or as_int(row.get("review_comment_count")) >= 10:
        points += 1
    category = row.get("category")
    if is_missing(category) or category == "":
        title = row.get("clean_title") or row.get("title")
        category = category_label(row.get("conventional_type"), as_list(row.get("labels")), title)
    if category in ("security", "performance"):
        points += 2
    return "high" if points >= 4 else "medium" if points >= 2 else "low"
