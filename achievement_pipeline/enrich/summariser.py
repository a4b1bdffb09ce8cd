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
from achievement_pipeline.enrich import grammar, lexicon, phrasing
from achievement_pipeline.enrich.narrative import (
    ACHIEVEMENT_MAX,
    STAR_PART_MAX,
    SUMMARY_MAX,
    Narrative,
    Star,
    pr_facts,
    reads_as_done,
)

# conventional type -> the skill the work shows (the words of the record come from enrich.phrasing)
_SKILLS: dict[str, str] = {
    "feat": "feature delivery",
    "fix": "debugging",
    "perf": "performance optimisation",
    "refactor": "refactoring",
    "style": "code quality",
    "docs": "technical writing",
    "test": "testing",
    "build": "build engineering",
    "ci": "CI/CD",
    "chore": "maintenance",
    "deps": "dependency management",
    "revert": "release management",
    "security": "security",
}
_DEFAULT_SKILL = "software engineering"

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


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis (the contract bounds every field)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _areas(areas: list[str]) -> str:
    """Where the changed files are: " across src/api and tests", " at the repository root"."""
    named = [a for a in areas if a != "(root)"]
    if not named:
        return " at the repository root" if areas else ""
    return " across " + _listed(named + (["the repository root"] if "(root)" in areas else []))


def _issues(issues: list[int]) -> str:
    return ("issue " if len(issues) == 1 else "issues ") + _listed([f"#{n}" for n in issues])


def _fits(sentences: list[str], limit: int) -> str:
    """Whole sentences, in order, as many as fit in ``limit`` characters (the first always, clipped if it must be)."""
    text = ""
    for sentence in sentences:
        joined = f"{text} {sentence}" if text else sentence
        if len(joined) <= limit:
            text = joined
        elif not text:
            text = _clip(sentence, limit)
    return text


def _where(done: str, repository: str) -> str:
    """ " in owner/name" after the phrase, unless the phrase names the repository already (once per sentence)."""
    if repository.lower() in done.lower():
        return ""
    return f", in {repository}" if done.lower().endswith(" in") else f" in {repository}"


def _clean(text: str, repository: str) -> bool:
    return not grammar.problems(text, repository)


class _Words:
    """What one PR's narrative is made of, each piece already checked by the grammar rules."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.repo, self.number = str(facts["repository"]), int(facts["number"])
        kind = str(facts["conventional_type"])
        self.phrase = self._title(str(facts["title"]), kind)
        self.done = self.phrase.sentence_start()
        self.where = _where(self.done, self.repo)
        title_words = self._content(f"{facts['title']} {facts['clean_title']}")
        claims = [c for c in facts["measurable_claims"] if not self._restates(c, title_words, 0.99)]
        claims = [c for c in claims if not phrasing.boilerplate(c)]  # not a trailer or a template line
        self.claims = [r for r in (phrasing.reported(c) + "." for c in claims) if self._ok(r) and len(r) <= 250]
        found = phrasing.body_sentences(str(facts["body"]))

        def usable(kind: str) -> list[str]:
            return [
                s
                for s in found[kind]
                if not phrasing.opens_with_verb(s)
                and self._ok(s)
                and not self._restates(s, title_words, 0.7)
                and not any(c[:40] in s for c in claims)
            ]

        self.lead, self.why, self.testing = usable("lead"), usable("why"), usable("testing")
        # What the PR did goes to the action; anything else it says first is the situation it was in.
        self.done_lines = [s for s in self.lead if phrasing.tells_an_action(s)]
        self.context = self.why[:1] or [s for s in self.lead if s not in self.done_lines][:1]

    def _ok(self, sentence: str) -> bool:
        return _clean(sentence, self.repo)

    def _title(self, title: str, kind: str) -> phrasing.Phrase:
        """The title's phrase; quoted, then only the type's words, when a sentence of it would break a rule."""
        candidates = (
            lambda: phrasing.title_phrase(title, kind),
            lambda: phrasing.quoted(title, kind),
            lambda: phrasing.generic(kind),
        )
        for candidate in candidates:
            phrase = candidate()
            done = phrase.sentence_start()
            where = _where(done, self.repo)
            if (
                reads_as_done(done)
                and self._ok(f"{done}{where} (#{self.number}).")
                and self._ok(f"The task was to {phrase.base}.")
            ):
                return phrase
        return phrasing.generic("")

    @staticmethod
    def _content(text: str) -> set[str]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {lexicon.lemma(w) for w in words if w not in lexicon.FUNCTION_WORDS and w != "pr"}

    def _restates(self, sentence: str, title_words: set[str], share: float) -> bool:
        """The sentence says little the title does not ("This PR fixes alert routing ..." under that title)."""
        words = self._content(sentence) - {"change", "patch", "commit", "it"}
        return bool(words) and len(words & title_words) / len(words) >= share


def offline_narrative(facts: dict[str, Any]) -> Narrative:
    """The deterministic Narrative for one PR's facts: plain, factual, grammatical, always valid."""
    words = _Words(facts)
    skill = _SKILLS.get(str(facts["conventional_type"]), _DEFAULT_SKILL)
    repo, number, done, where = words.repo, words.number, words.done, words.where
    areas, issues = list(facts["areas"]), list(facts["linked_issues"])
    reviews, approvals = int(facts["reviews"]), int(facts["approvals"])
    size = f"{_count(int(facts['lines_changed']), 'line')} in {_count(int(facts['files_changed']), 'file')}"

    statement = f"{done}{where} (#{number})"
    achievement = statement + "."
    if words.claims:
        with_claim = f"{statement}; {words.claims[0][:1].lower()}{words.claims[0][1:]}"
        if len(with_claim) <= ACHIEVEMENT_MAX and _clean(with_claim, repo):
            achievement = with_claim

    summary = [statement + ".", *words.lead[:1], *words.claims[:1], f"Changed {size}{_areas(areas)}."]
    if reviews:
        summary.append(
            f"Reviewed {_times(reviews)} ({_count(approvals, 'approval')}, "
            f"{_count(int(facts['review_comments']), 'review comment')})."
        )
    if issues:
        summary.append(f"Closed {_issues(issues)}.")

    context = words.context
    if areas:
        touched = [a for a in areas if a != "(root)"] + (["files at the repository root"] if "(root)" in areas else [])
        place = f"The work touched {_listed(touched)} in {repo}" + (
            f" and was tracked in {_issues(issues)}" if issues else ""
        )
    else:
        place = f"The work was in {repo}" + (f", tracked in {_issues(issues)}" if issues else "")
    place += "."
    action = [f"{done}, changing {size}{_areas(areas)}.", *words.done_lines[:1]]
    merged = f"Merged into {repo} as #{number}"
    if reviews:
        merged += f", reviewed {_times(reviews)}" + (f" with {_count(approvals, 'approval')}" if approvals else "")
    star = Star(
        situation=_fits([*context, place], STAR_PART_MAX),
        task=_fits([f"The task was to {words.phrase.base}."], STAR_PART_MAX),
        action=_fits([*action, *words.testing[:1]], STAR_PART_MAX),
        result=_fits([*words.claims[:2], merged + "."], STAR_PART_MAX),
    )
    return Narrative(
        summary=_fits(summary, SUMMARY_MAX),
        achievement=_clip(achievement, ACHIEVEMENT_MAX),
        star=star,
        skills=_skills(facts, skill),
    )


def offline_summary(pr: PullRequestRecord, features: dict[str, object]) -> Narrative:
    """The offline Narrative straight from a PR (for callers that have not built the facts)."""
    return offline_narrative(pr_facts(pr, features))
