"""A rule-based check of generated English: the mistakes a template makes when it glues PR text into sentences.

``problems(text)`` returns one message per broken rule (empty when the text passes). The
rules are the ones the offline summariser once broke, so they are strict where a template
goes wrong and quiet where an author's own words vary:

- ``imperative after past tense``: a past-tense verb, then a title's bare verb ("Fixed keep
  cart ...", "Documented document ...", "Sped up right-size ...", "tests for deflake ...").
- ``imperative sentence``: a sentence that opens with a bare verb ("Add caching.").
- ``doubled word``: "the the".
- ``leftover prefix``, ``leftover ticket``, ``leftover marker``, ``leftover reference``: a
  conventional prefix or scope ("ci:", "fix(checkout):"), a ticket id ("WEB-711:", "[ABC-12]"),
  "[skip ci]" or "WIP", a second "(#123)" or "(fixes #12)" left in the sentence.
- ``root``: the placeholder area "(root)".
- ``plural``: "1 files", "2 file".
- ``template``: PR-template boilerplate as a sentence ("Summary.", "## What", "- [x] ...",
  "<!-- -->", "Fixes #12", "Co-authored-by: ...").
- ``colon``: a measured claim glued to other text with a colon, or a title glued after one
  ("Improved CI: cancel ...").
- ``capital``, ``full stop``: every sentence starts with a capital letter and ends with ".".
- ``repository``: the repository named more than once in a sentence.

Quoted text ("...", `...`) is the author's and is left alone, except by the rules that look
for leftovers. Which words are verbs comes from lemminflect's lexicon
(:mod:`achievement_pipeline.enrich.lexicon`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from achievement_pipeline.enrich import lexicon

_CODE = re.compile(r"`[^`]*`")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_CODE_MARK, _QUOTE_MARK = "codespan", "Quotespan"
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|cf|incl)\.", re.I)
# A sentence ends at a terminator before anything but a lower-case letter ("process.env. in ssr" is one sentence).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[^a-z])")
_TOKEN = re.compile(r"\w[\w'’./-]*\w|\w|\S")

_TYPES = (
    "feat|feature|fix|bugfix|hotfix|perf|refactor|docs?|test|tests|build|ci|chore|style|revert|deps|security|"
    "release|wip|types?|workflow"
)
_PREFIX = re.compile(rf"(?i)(?:^|(?<=[\s(\"“]))(?:{_TYPES})(?:\([^)]*\))?!?:(?=\s|$)")
_TICKET = re.compile(
    r"\[[A-Z][A-Z0-9]+-\d+\]|\([A-Z][A-Z0-9]+-\d+\)|^\s*[A-Z][A-Z0-9]+-\d+\b|\b[A-Z][A-Z0-9]+-\d+(?=\s*(?::|-\s|–|—|\|))"
)
_MARKER = re.compile(r"(?i)\[(?:skip[ -]ci|ci[ -]skip|no ci|skip actions|wip|draft|do not merge)\]|\bWIP\b")
_PR_REF = re.compile(r"\(#\d+\)")
_ISSUE_REF = re.compile(r"(?i)\((?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see)\b:?\s*#\d+")
_QUANTITY = re.compile(r"\d[\d.,]*\s*(?:%|x\b|ms\b|s\b|secs?\b|seconds\b|min(?:utes)?\b|hours?\b|[kmg]i?b\b)", re.I)
_TEMPLATE = [
    re.compile(r"^#{1,6}(?:\s|$)"),
    re.compile(r"^(?:[-*+]\s+)?\[[ xX]\]"),
    re.compile(r"<!--|-->"),
    re.compile(r"^\|"),
    re.compile(r"^```"),
    re.compile(r"^\*\*[^*]+\*\*:?\s*\.?$"),
    re.compile(r"(?i)\b(?:co-authored-by|signed-off-by|reviewed-by|change-id)\s*:|^BREAKING[ -]CHANGES?\b"),
    re.compile(
        r"(?i)^(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see|related(?: to)?|part of)\s*:?\s+(?:#\d+|https?://)"
    ),
    re.compile(r"(?i)^this reverts commit\b"),
    re.compile(
        r"(?i)^(?:summary|description|what|why|how|testing|tests?|test plan|changes|changelog|motivation|context|"
        r"background|notes?|checklist|screenshots?|type of change|additional context|related issues?|issues?|"
        r"problem|solution|details|overview|purpose|impact|results?|before|after)\s*(?:[:.]|$)"
    ),
]
_COUNT_NOUNS = "review comment|file|line|review|comment|approval|commit|issue|time|reviewer"
_COUNTED = re.compile(rf"(?<![\d.,#])\b(\d+)\s+({_COUNT_NOUNS})(s?)\b(?!-)")
_PLURAL_AFTER_ONE = re.compile(r"(?<![\d.,#])\b1\s+(?:review\s+)?([A-Za-z]+s)\b")
_DOUBLED = re.compile(r"(?<![\w-])([A-Za-z]+)\s+\1\b", re.I)
_DOUBLED_OK = frozenset({"that", "had", _CODE_MARK.lower(), _QUOTE_MARK.lower()})
_REF = re.compile(r"\b([\w.-]+/[\w.-]+)#\d+")
# Verbs that are nouns too in the lexicon but in a title's first place are the verb.
_VERB_DOMINANT = lexicon.words("keep make let get put bump give take bring")
# Words after a verb that show it acts on something: "document *the* flow" (not "that", often a relative pronoun).
_OBJECT_OPENERS = lexicon.words(
    "a an the this these those its their our your my his her every each all any some no both it them"
)
_NOT_OBJECT = frozenset({".", ",", ";", ":", ")", "(", "!", "?", "-", "–", "—"})


def _masked(text: str) -> str:
    """Code spans and quotations replaced by one placeholder word each; abbreviations without their dot."""
    text = _CODE.sub(_CODE_MARK, text)
    text = _QUOTED.sub(_QUOTE_MARK, text)
    return _ABBREVIATIONS.sub(lambda m: m.group().rstrip("."), text)


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (quotations and code spans masked), on the terminators ``.``, ``!`` and ``?``."""
    return [s.strip() for s in _SENTENCE.split(_masked(" ".join(text.split()))) if s.strip()]


def _opens_object(token: str | None) -> bool:
    """The next token starts what a verb acts on: a determiner, a pronoun or some word (not a preposition)."""
    if token is None:
        return False
    key = token.lower()
    if key in lexicon.PREPOSITIONS or key in lexicon.CONJUNCTIONS or key in lexicon.SUBORDINATORS:
        return False
    return token not in _NOT_OBJECT


def _imperative_word(word: str, after: str | None, verb: str | None = None) -> bool:
    """``word`` (followed by ``after``) reads as a bare imperative verb, not as a noun or a name."""
    if not lexicon.is_word(word) or not lexicon.bare_verb(word):
        return False
    if verb is not None and lexicon.verb_lemma(word) == lexicon.verb_lemma(verb):
        return True  # "Documented document", "Fixed fix"
    if word[:1].isupper():
        return False  # "Added Preact", "Supported React": a name
    if after is not None and after.lower() in _OBJECT_OPENERS:
        return True
    dominant = lexicon.verb_only(word) or word.lower() in _VERB_DOMINANT or lexicon.derived_verb(word)
    return dominant and _opens_object(after)


def _clause_starts(tokens: list[str]) -> list[int]:
    """Where a clause of the sentence starts: its first word and the word after a colon or a semicolon."""
    return [0] + [i + 1 for i, token in enumerate(tokens[:-1]) if token in (":", ";")]


def _past_then_imperative(tokens: list[str]) -> list[str]:
    found = []
    for i in _clause_starts(tokens):
        token = tokens[i]
        if not lexicon.past_form(token) or token.lower() in lexicon.MODALS | lexicon.BE_DO_HAVE:
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].lower() in lexicon.PARTICLES:
            j += 1
        if j < len(tokens) and _imperative_word(tokens[j], tokens[j + 1] if j + 1 < len(tokens) else None, token):
            found.append(" ".join(tokens[i : j + 1]))
            continue
        # "Strengthened tests for deflake search ...": the verb's noun, "for", then the title's verb.
        if j + 2 < len(tokens) and tokens[j + 1].lower() == "for" and lexicon.noun(tokens[j]):
            word, after = tokens[j + 2], tokens[j + 3] if j + 3 < len(tokens) else None
            by_rule = lexicon.derived_verb(word) and _opens_object(after)
            if by_rule or (lexicon.verb_only(word) and after is not None and after.lower() in _OBJECT_OPENERS):
                found.append(" ".join(tokens[i : j + 3]))
    return found


def _imperative_start(tokens: list[str]) -> bool:
    words = [t for t in tokens if t[:1].isalpha()]
    if not words or not words[0][:1].isupper() or words[0].isupper():
        return False
    first = words[0]
    after = tokens[1] if len(tokens) > 1 else None
    if lexicon.past(first.lower()) == first.lower():
        return False  # "Set up ...", "Reset ...", "Let ...": the past tense reads the same
    return lexicon.verb_only(first) and lexicon.known(first) and _opens_object(after)


def _colon_problems(sentence: str) -> list[str]:
    if ":" not in sentence:
        return []
    found = []
    if _QUANTITY.search(sentence):
        found.append("colon: a measured claim glued to other text with a colon")
    for match in re.finditer(r":\s+([A-Za-z][A-Za-z'’-]*)(?:\s+(\S+))?", sentence):
        if _imperative_word(match.group(1), match.group(2)) or lexicon.bare_verb(match.group(1)):
            found.append(f"colon: a title glued after a colon ({match.group()!r})")
            break
    return found


def _plural_problems(sentence: str) -> list[str]:
    found = []
    for match in _PLURAL_AFTER_ONE.finditer(sentence):
        word = match.group(1)
        if lexicon.noun(word) and word.lower() not in lexicon.lemmas(word).get("NOUN", ()):
            found.append(f"plural: {match.group()!r}")
    for match in _COUNTED.finditer(sentence):
        if (match.group(1) == "1") == bool(match.group(3)):
            found.append(f"plural: {match.group()!r}")
    return found


def _repository_problems(sentence: str, repository: str | None) -> list[str]:
    names = {repository.lower()} if repository else set()
    names |= {m.group(1).lower() for m in _REF.finditer(sentence)}
    lowered = sentence.lower()
    return [
        f"repository: {name} named {lowered.count(name)} times in one sentence"
        for name in sorted(names)
        if lowered.count(name) > 1
    ]


def _leading(sentence: str, match: re.Match[str]) -> bool:
    """A prefix where a title's would be left: near the start, after a colon, or with a scope ("fix(ui):")."""
    before = sentence[: match.start()]
    return "(" in match.group() or len(before.split()) <= 3 or before.rstrip().endswith((":", ";"))


def sentence_problems(sentence: str, repository: str | None = None) -> list[str]:
    """The problems of one (masked) sentence."""
    found: list[str] = []
    if not re.match(r"[A-Z]|Quotespan", sentence):
        found.append(f"capital: the sentence does not start with a capital letter: {sentence[:40]!r}")
    if not sentence.endswith(".") or sentence.endswith(".."):
        found.append(f"full stop: the sentence does not end with a full stop: {sentence[-40:]!r}")
    found += [f"template: PR-template text as a sentence: {sentence[:40]!r}" for p in _TEMPLATE if p.search(sentence)][
        :1
    ]
    found += [f"leftover prefix: {m.group()!r}" for m in _PREFIX.finditer(sentence) if _leading(sentence, m)]
    found += [f"leftover ticket: {m.group().strip()!r}" for m in _TICKET.finditer(sentence)]
    found += [f"leftover marker: {m.group()!r}" for m in _MARKER.finditer(sentence)]
    if len(_PR_REF.findall(sentence)) > 1:
        found.append("leftover reference: more than one (#N) in a sentence")
    found += [f"leftover reference: {m.group()!r}" for m in _ISSUE_REF.finditer(sentence)]
    if "(root)" in sentence:
        found.append("root: the placeholder area '(root)'")
    found += _plural_problems(sentence)
    found += _colon_problems(sentence)
    found += _repository_problems(sentence, repository)
    found += [
        f"doubled word: {m.group()!r}" for m in _DOUBLED.finditer(sentence) if m.group(1).lower() not in _DOUBLED_OK
    ]
    tokens = _TOKEN.findall(sentence)
    found += [f"imperative after past tense: {words!r}" for words in _past_then_imperative(tokens)]
    if _imperative_start(tokens):
        found.append(f"imperative sentence: {sentence[:40]!r}")
    return found


@lru_cache(maxsize=32768)
def _problems(text: str, repository: str | None) -> tuple[str, ...]:
    if not text.strip():
        return ("full stop: empty text",)
    found = [problem for sentence in sentences(text) for problem in sentence_problems(sentence, repository)]
    return tuple(dict.fromkeys(found))


def problems(text: str, repository: str | None = None) -> list[str]:
    """Every rule ``text`` breaks, one message each (``[]`` when it passes); ``repository`` is "owner/name"."""
    return list(_problems(text, repository))
