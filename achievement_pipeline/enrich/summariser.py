"""The offline summariser: a deterministic Narrative built only from a PR's redacted facts.

It is the embedded default (no network, no keys) and the fallback whenever a provider
fails, returns invalid output or the run's budget is spent. It reads the same facts an
LLM would get (see :mod:`achievement_pipeline.enrich.narrative`), so every word and number it
writes comes from the PR: it never invents a figure.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from achievement_pipeline.core.records import PullRequestRecord
from achievement_pipeline.enrich.narrative import (
    ACHIEVEMENT_MAX,
    STAR_PART_MAX,
    SUMMARY_MAX,
    Narrative,
    Star,
    pr_facts,
    reads_as_done,
)

OFFLINE = "offline"

# conventional type -> (past tense for the record, infinitive for the task, skill it shows)
_VERBS: dict[str, tuple[str, str, str]] = {
    "feat": ("Shipped", "Ship", "feature delivery"),
    "fix": ("Fixed", "Fix", "debugging"),
    "perf": ("Sped up", "Speed up", "performance optimisation"),
    "refactor": ("Refactored", "Refactor", "refactoring"),
    "style": ("Tidied", "Tidy", "code quality"),
    "docs": ("Documented", "Document", "technical writing"),
    "test": ("Strengthened tests for", "Strengthen tests for", "testing"),
    "build": ("Improved the build:", "Improve the build:", "build engineering"),
    "ci": ("Improved CI:", "Improve CI:", "CI/CD"),
    "chore": ("Maintained", "Maintain", "maintenance"),
    "deps": ("Updated dependencies:", "Update dependencies:", "dependency management"),
    "revert": ("Reverted", "Revert", "release management"),
    "security": ("Hardened", "Harden", "security"),
}
_DEFAULT_VERB = ("Delivered", "Deliver", "software engineering")

_LANGUAGES = {
    ".py": "Python",
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
    ".js": "JavaScript",
    ".jsx": "JavaScript",
    ".go": "Go",
    ".rs": "Rust",
    ".java": "Java",
    ".kt": "Kotlin",
    ".rb": "Ruby",
    ".swift": "Swift",
    ".c": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".cs": "C#",
    ".sql": "SQL",
    ".tf": "Terraform",
    ".css": "CSS",
    ".scss": "CSS",
    ".html": "HTML",
    ".vue": "Vue",
    ".sh": "shell scripting",
}
_MAX_SKILLS = 6


def _first_sentence(text: str, limit: int = 240) -> str:
    """The first sentence of a PR body, without Markdown headings or checklists."""
    for line in text.splitlines():
        line = line.strip().lstrip("#>*- ").strip()
        if not line or line.lower().startswith(("fixes #", "closes #", "resolves #", "[x]", "[ ]")):
            continue
        sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
        return sentence[:limit].rstrip()
    return ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis (the contract bounds every field)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _skills(facts: dict[str, Any], skill: str) -> list[str]:
    """Skills the change shows: its kind of work, the languages of its files, review if it was discussed."""
    found = [skill]
    for name in facts["files"]:
        path = PurePosixPath(name)
        if path.name == "Dockerfile":
            found.append("Docker")
        elif name.startswith(".github/workflows/"):
            found.append("GitHub Actions")
        elif path.suffix.lower() in _LANGUAGES:
            found.append(_LANGUAGES[path.suffix.lower()])
    if facts["review_comments"]:
        found.append("code review")
    return list(dict.fromkeys(found))[:_MAX_SKILLS]


# Titles are imperatives ("add retries"): the record reads better in the past ("added retries")
# than behind the type's verb ("Shipped add retries"). Only common, unambiguous verbs.
_IMPERATIVES = frozenset(
    [
        "add",
        "allow",
        "avoid",
        "bump",
        "cache",
        "change",
        "clean",
        "create",
        "disable",
        "drop",
        "enable",
        "ensure",
        "expose",
        "extract",
        "fix",
        "handle",
        "implement",
        "improve",
        "introduce",
        "make",
        "migrate",
        "move",
        "pin",
        "prevent",
        "reduce",
        "refactor",
        "remove",
        "rename",
        "replace",
        "retry",
        "ship",
        "show",
        "simplify",
        "skip",
        "speed",
        "split",
        "stop",
        "support",
        "switch",
        "update",
        "upgrade",
        "use",
        "validate",
        "wrap",
        "write",
    ]
)
_IRREGULAR_PAST = {"make": "made", "speed": "sped", "split": "split", "write": "wrote", "show": "showed"}
_DOUBLED = frozenset({"drop", "pin", "ship", "skip", "stop", "wrap"})


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _past_tense(verb: str) -> str:
    if verb in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[verb]
    if verb in _DOUBLED:
        return verb + verb[-1] + "ed"
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _as_done(what: str) -> str | None:
    """ "add retries to checkout" -> "added retries to checkout"; None when it does not start with a verb."""
    first, _, rest = what.partition(" ")
    if first.lower() not in _IMPERATIVES or not rest:
        return None
    return f"{_past_tense(first.lower())} {rest}"


def offline_narrative(facts: dict[str, Any]) -> Narrative:
    """The deterministic Narrative for one PR's facts: plain, factual, always valid."""
    past, infinitive, skill = _VERBS.get(str(facts["conventional_type"]), _DEFAULT_VERB)
    what = _clip(_lower_first(str(facts["clean_title"]).rstrip(".")), 120) or "a change"
    done = _as_done(what)
    if done:
        # The title's own verb carries the meaning: "Added retries", not "Shipped add retries".
        past, infinitive, what = (
            _upper_first(done.split(" ", 1)[0]),
            _upper_first(what.split(" ", 1)[0]),
            what.split(" ", 1)[1],
        )
    repo, number = facts["repository"], facts["number"]
    ref = f"{repo}#{number}"
    claims, areas, issues = facts["measurable_claims"], facts["areas"], facts["linked_issues"]
    closes = ", ".join(f"#{n}" for n in issues)

    achievement = f"{past} {what} in {repo} ({ref})."
    if claims:
        claim = _clip(_upper_first(claims[0]), 140)
        # The outcome first, unless the PR words its claim as an instruction ("Reduces ...").
        if reads_as_done(claim):
            achievement = f"{claim}: {past.lower()} {what} ({ref})."
        else:
            achievement = f"{past} {what} ({ref}): {_lower_first(claim)}."

    lead = _first_sentence(str(facts["body"]))
    parts = [f"{past} {what} in {repo} (#{number})."]
    if lead:
        parts.append(_sentence(lead))
    changed = f"Changed {facts['lines_changed']} lines in {facts['files_changed']} files"
    parts.append(changed + (f" across {', '.join(areas)}" if areas else "") + ".")
    if facts["reviews"]:
        parts.append(
            f"Reviewed {_times(facts['reviews'])} ({_count(facts['approvals'], 'approval')}, "
            f"{_count(facts['review_comments'], 'review comment')})."
        )
    if issues:
        parts.append(f"Closes {closes}.")

    situation = f"Work in {repo}" + (f" on {', '.join(areas)}" if areas else "")
    situation += f", tracked in issue {closes}." if issues else "."
    result = _sentence(_upper_first(claims[0])) if claims else f"Merged as {ref}."
    if facts["reviews"]:
        result += f" Reviewed {_times(facts['reviews'])} with {_count(facts['approvals'], 'approval')}."
    star = Star(
        situation=_clip(situation, STAR_PART_MAX),
        task=f"{infinitive} {what}.",
        action=_clip((_sentence(lead) + " " if lead else "") + changed + ".", STAR_PART_MAX),
        result=_clip(result, STAR_PART_MAX),
    )
    return Narrative(
        summary=_clip(" ".join(parts), SUMMARY_MAX),
        achievement=_clip(achievement, ACHIEVEMENT_MAX),
        star=star,
        skills=_skills(facts, skill),
    )


def offline_summary(pr: PullRequestRecord, features: dict[str, object]) -> Narrative:
    """The offline Narrative straight from a PR (for callers that have not built the facts)."""
    return offline_narrative(pr_facts(pr, features))
