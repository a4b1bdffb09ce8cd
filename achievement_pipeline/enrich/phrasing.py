"""PR text turned into parts of English sentences: a title as a verb phrase, a body as its usable sentences.

A PR title is usually an imperative ("fix: keep cart quantities in sync"); the record says
what was done, so the whole verb phrase goes into the past tense ("Kept cart quantities in
sync"), inflected by lemminflect. Titles that are no imperative still make a sentence: a
noun phrase takes a verb chosen by the conventional type ("feat: dark mode" -> "Shipped dark
mode"), a clause is introduced ("build fails on Windows" -> "Fixed an issue where build fails
on Windows"), anything else is quoted ("Delivered “修复登录问题”"). Prefixes, scopes, ticket ids,
PR references and CI markers never reach the sentence (the card shows the raw title).

A PR body is a template more often than prose: headings, checklists, HTML comments, trailers
and "Fixes #12" lines are dropped, and its sections are told apart (what it does, why, how it
was tested), so each STAR part can take the sentence that belongs to it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from achievement_pipeline.core.conventional import CANONICAL_TYPE
from achievement_pipeline.enrich import lexicon

# conventional type -> (past verb, base verb) put before a noun-phrase title, and what a bare verb acts on.
_NOUN_VERBS: dict[str, tuple[str, str]] = {
    "feat": ("shipped", "ship"),
    "fix": ("fixed", "fix"),
    "perf": ("sped up", "speed up"),
    "refactor": ("refactored", "refactor"),
    "style": ("tidied", "tidy"),
    "docs": ("documented", "document"),
    "test": ("added tests for", "add tests for"),
    "build": ("improved the build with", "improve the build with"),
    "ci": ("improved CI with", "improve CI with"),
    "chore": ("updated", "update"),
    "deps": ("updated", "update"),
    "revert": ("reverted", "revert"),
    "security": ("addressed", "address"),
}
_DEFAULT_NOUN_VERB = ("delivered", "deliver")
_OBJECTS = {
    "docs": "the documentation",
    "test": "the tests",
    "ci": "the CI configuration",
    "build": "the build",
    "style": "the code style",
    "deps": "the dependencies",
}
# conventional type -> (past, base) of the whole phrase when the title says nothing usable.
_GENERIC = {
    "feat": ("shipped a feature", "ship a feature"),
    "fix": ("fixed an issue", "fix an issue"),
    "perf": ("improved performance", "improve performance"),
    "refactor": ("refactored the code", "refactor the code"),
    "style": ("tidied the code style", "tidy the code style"),
    "docs": ("updated the documentation", "update the documentation"),
    "test": ("improved the tests", "improve the tests"),
    "build": ("improved the build", "improve the build"),
    "ci": ("improved CI", "improve CI"),
    "chore": ("carried out maintenance", "carry out maintenance"),
    "deps": ("updated the dependencies", "update the dependencies"),
    "revert": ("reverted a change", "revert a change"),
    "security": ("improved security", "improve security"),
}
_DEFAULT_GENERIC = ("delivered a change", "deliver a change")
# The project's spellings of the types (core.conventional), and a few more that only read well in a sentence.
_TYPE_ALIASES = {
    **CANONICAL_TYPE,
    "dependencies": "deps",
    "dep": "deps",
    "workflow": "ci",
    "release": "chore",
}
_TYPES = frozenset(_NOUN_VERBS)
_GITMOJI = {
    "✨": "feat",
    "🐛": "fix",
    "🚑": "fix",
    "📝": "docs",
    "⚡": "perf",
    "♻": "refactor",
    "✅": "test",
    "👷": "ci",
    "💚": "ci",
    "🔧": "chore",
    "⬆": "deps",
    "🔒": "security",
    "💄": "style",
    "🎨": "style",
    "⏪": "revert",
    ":sparkles:": "feat",
    ":bug:": "fix",
    ":ambulance:": "fix",
    ":memo:": "docs",
    ":zap:": "perf",
    ":recycle:": "refactor",
    ":white_check_mark:": "test",
    ":construction_worker:": "ci",
    ":green_heart:": "ci",
    ":wrench:": "chore",
    ":arrow_up:": "deps",
    ":lock:": "security",
    ":lipstick:": "style",
    ":art:": "style",
    ":rewind:": "revert",
}

_PREFIX = re.compile(r"^(?P<type>[A-Za-z][\w-]{0,19})(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?\s*:(?:\s+|(?=[a-z]))(?=\S)")
_TICKET_LEAD = re.compile(
    r"^(?:\[[A-Z][A-Z0-9]+-\d+\]|[A-Z][A-Z0-9]+-\d+(?=\s*[:|\-–—])|(?!(?:UTF|ISO|RFC|CVE|ES|SHA|HTTP)-)[A-Z][A-Z0-9]+-\d+(?=\s+[A-Z]))"
    r"\s*(?:[:|\-–—]\s*)?"
)
_TICKET_ANY = re.compile(r"\s*\[[A-Z][A-Z0-9]+-\d+\]\s*|\s*\([A-Z][A-Z0-9]+-\d+\)\s*$")
_MARKERS = re.compile(
    r"(?i)\s*\[(?:skip[ -]ci|ci[ -]skip|no ci|skip actions|skip netlify|wip|draft|do not merge|dnm|security)\]\s*"
    r"|^\s*wip\b\s*:?\s*"
)
_LINK_WORD = r"(?:(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see|re)\b:?\s*)?"
_REFS = re.compile(
    rf"(?i)\s*\({_LINK_WORD}#?\d+(?:\s*(?:,|and|&)\s*{_LINK_WORD}#?\d+)*\)"
    r"|[,;]?\s+(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?)\s*:?\s+(?:#\d+(?:\s*(?:,|and|&)\s*#\d+)*|https?://\S+)\s*$"
    r"|(?<!\bin)(?<!\bof)(?<!\bto)(?<!\bfor)(?<!\bby)(?<!\bafter)(?<!\bfrom)\s+#\d+\s*$"
)
_SHORTCODE = re.compile(r"^(?::[a-z0-9_+-]+:\s*)+")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+(?:[-+.][\w.]+)?$", re.I)
_WORDS = re.compile(r"(?:`[^`]*`?|\"[^\"]*\"?|“[^”]*”?)\S*|\S+")
_ADVERBS = lexicon.words("always only also just still now again first even automatically")
_NEGATIONS = ("don't", "dont", "do not", "never", "no longer", "not", "don’t", "stop")
# A clause tells of a fault with one of these (and is then "an issue where ..."), else of behaviour now ensured.
_FAULT = lexicon.words(
    "not n't never cannot can't fail fails failed failing broken break breaks crash crashes crashed error errors "
    "throw throws thrown missing wrong incorrect incorrectly unable doesn't don't isn't aren't won't wasn't "
    "hang hangs leak leaks ignored ignores"
)
# Words the lexicon lists as verbs that at the start of a title name a thing (a fault, a kind of work).
_NOUN_FIRST = lexicon.words(
    "crash crashes typo typos error errors warning warnings regression bug bugs issue issues leak leaks panic "
    "race deadlock better more less nit nits misc miscellaneous various minor initial wip tests docs types type base "
    "hot bulk"
)
_CHANGE_NOUNS = lexicon.words(
    "typo typos fix fixes correction corrections improvement improvements tweak tweaks update updates cleanup "
    "change changes wording grammar spelling clarification clarifications rewording polish minor small various "
    "miscellaneous misc more some several few bulk"
)
# Verbs the lexicon lists as nouns too that open a title as its verb even before "is" ("fix X is ...").
_STRONG_VERBS = lexicon.words("fix update use make keep handle support change set move bump upgrade")
# Verbs that take a clause ("ensure the port is kept"): a "be" or a modal after them does not make a clause title.
_CLAUSE_VERBS = lexicon.words(
    "ensure make verify check assert guarantee clarify mention explain document note warn show say state indicate "
    "detect confirm test prove expect assume handle"
)
_FAULT_NOUNS = lexicon.words("error errors bug bugs issue issues crash failure failures warning warnings regression")
_COMPARATIVE = re.compile(r"^(?:better|faster|smaller|quicker|cheaper|lighter|leaner|more|less|fewer)$", re.I)


@dataclass(frozen=True)
class Title:
    """A PR title without its decorations: the words that become a sentence, the type and scope it announced.

    ``reverted`` is set when a "revert:" prefix came off: ``text`` is then the title of the PR it reverts.
    """

    text: str
    conventional_type: str
    scope: str
    reverted: bool = False


@dataclass(frozen=True)
class Phrase:
    """One piece of work said two ways: done ("fixed the login form") and to do ("fix the login form")."""

    past: str
    base: str

    def sentence_start(self) -> str:
        return self.past[:1].upper() + self.past[1:]


def _type_of(word: str) -> str:
    key = word.lower()
    key = _TYPE_ALIASES.get(key, key)
    return key if key in _TYPES else ""


def _strip_symbols(text: str) -> tuple[str, str]:
    """Leading emoji and gitmoji shortcodes off, with the type the first of them announces."""
    kind = ""
    match = _SHORTCODE.match(text)
    if match:
        kind = _GITMOJI.get(match.group().split()[0].strip(), "")
        text = text[match.end() :]
    i = 0
    while i < len(text) and (unicodedata.category(text[i]) == "So" or text[i] in "\ufe0f\u200d" or text[i].isspace()):
        kind = kind or _GITMOJI.get(text[i], "")
        i += 1
    return text[i:], kind


def clean_title(title: str, conventional_type: str = "") -> Title:
    """The title's own words: no prefix, scope, ticket id, PR reference, CI marker or emoji."""
    text = " ".join(str(title).split())
    kind, scope, reverted = conventional_type, "", False
    for _ in range(4):  # "[ABC-12] fix(ui): ...", "WIP: JIRA-3 - ...", "✨ feat: ...": peel every layer
        before = text
        text, symbol_kind = _strip_symbols(text)
        kind = kind or symbol_kind
        text = _MARKERS.sub(" ", text).strip()
        text = _TICKET_LEAD.sub("", text, count=1)
        match = _PREFIX.match(text)
        if match:
            found = _type_of(match.group("type"))
            known_prefix = found or match.group("scope") is not None or match.group("bang")
            if known_prefix or (match.group("type").islower() and len(match.group("type")) <= 12):
                text = text[match.end() :]  # "workflow: ...", "hmr: ...": a prefix of a type we do not know too
                scope = scope or (match.group("scope") or "").strip()
                if found == "revert":
                    kind, reverted = "revert", True
                    break  # the rest is the reverted PR's title, prefix and all
                kind = kind or found
        if text == before:
            break
    text = _TICKET_ANY.sub(" ", text)
    for _ in range(3):
        text = _REFS.sub("", text).strip()
    text = _MARKERS.sub(" ", text)
    text = " ".join(text.split()).lstrip(" –—:|;,").rstrip(" -–—:|;,")
    text = re.sub(r"(?:\.{3}|…)$", "", text).rstrip(" .,;:")
    text = re.sub(r"(?i)\s+(?:to|for|and|or|with|of|the|a|an)$", "", text)  # a title cut short: "rename X to"
    if text.count("`") % 2:
        text = text[: text.rfind("`")] + text[text.rfind("`") + 1 :]
    if text.count('"') % 2:
        text = text.replace('"', "")
    return Title(text=text, conventional_type=kind, scope=scope, reverted=reverted)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def _plain(word: str) -> str:
    return word.strip(",;:!?()'\"").lower()


def _lower_first(word: str) -> str:
    """A title's first word in the middle of a sentence: "Dark" -> "dark", but "README", "TypeScript" as written.

    A word the lexicon knows only as a verb, capitalised where a noun stands, is a name ("React is not defined").
    """
    if not (word[:1].isupper() and word[1:] == word[1:].lower() and lexicon.is_word(word)):
        return word
    key = word.lower()
    inflected = lexicon.gerund(key) or lexicon.past_form(key) or lexicon.third_person(key)
    if key in lexicon.FUNCTION_WORDS or inflected or set(lexicon.lemmas(key)) & {"NOUN", "ADJ", "ADV"}:
        return word[:1].lower() + word[1:]
    return word


def _finite_at(words: list[str]) -> int | None:
    """Where a finite verb of the title's main clause is ("build command *fails* on Windows"), if it has one."""
    for i, word in enumerate(words):
        key = _plain(word)
        if key in lexicon.SUBORDINATORS or (key == "to" and i > 0):
            return None
        if i == 0:
            continue
        if key in lexicon.BE_DO_HAVE or key in lexicon.MODALS or key == "not":
            return i
        previous = _plain(words[i - 1])
        if (
            i <= 3
            and lexicon.third_person(key)
            and not lexicon.noun(key)
            and not lexicon.is_code(word)
            and previous not in lexicon.FUNCTION_WORDS
        ):
            return i  # "git ignores the output dir", "build command fails on Windows"
    return None


def _foreign(words: list[str]) -> bool:
    """Not English: letters of another script, or another language's function words and none of English's."""
    text = " ".join(words)
    if any(ch.isalpha() and not ("a" <= ch.lower() <= "z") and unicodedata.category(ch) == "Lo" for ch in text):
        return True
    keys = [_plain(w) for w in words]
    foreign = sum(1 for k in keys if k in lexicon.FOREIGN_FUNCTION_WORDS and k not in lexicon.FUNCTION_WORDS)
    english = sum(1 for k in keys if k in lexicon.FUNCTION_WORDS)
    return foreign >= 2 and english == 0


def _verb_phrase(words: list[str], first_past: str, first_base: str) -> Phrase:
    """The title's verb, inflected, and the rest; verbs joined to it by "and", "+" or ";" are inflected too."""
    past, base = [first_past], [first_base]
    blocked = False  # after "to", a modal or a subordinate clause, a later verb belongs to that clause
    for i, word in enumerate(words):
        key = _plain(word)
        after = words[i + 1] if i + 1 < len(words) else None
        before = words[i - 1] if i else ""
        joined = _plain(before) in ("and", "&", "+") or before.endswith((";", ","))
        infinitive = key == "to" and after is not None and lexicon.bare_verb(_plain(after))
        if key in lexicon.SUBORDINATORS or infinitive or key in lexicon.MODALS:
            blocked = True
        strong = lexicon.verb_only(key) or before in ("+", "&") or before.endswith(";")
        if (
            joined
            and not blocked
            and not lexicon.is_code(word)
            and lexicon.bare_verb(key)
            and word == word.lower()
            and (strong or (after is not None and _plain(after) in lexicon.DETERMINERS | lexicon.PRONOUNS))
        ):
            past.append(lexicon.past(word))
            base.append(word)
            continue
        past.append("and" if word == "+" else word)
        base.append("and" if word == "+" else word)
    return Phrase(past=" ".join(past), base=" ".join(base))


def _object_fixed(rest: list[str], kind: str) -> list[str]:
    """What the verb acts on, so the sentence reads: a type's object for a bare verb, "the" before a verb-like noun."""
    if not rest or all(_plain(w) in lexicon.PARTICLES for w in rest):
        return [*rest, _OBJECTS.get(kind, "the code")]
    first, after = rest[0], rest[1] if len(rest) > 1 else None
    verb_like = lexicon.verb_only(first) or lexicon.derived_verb(first)
    next_opens = after is not None and _plain(after) not in lexicon.PREPOSITIONS | lexicon.CONJUNCTIONS
    if first == first.lower() and verb_like and next_opens:
        return ["the", *rest]  # "fix define call check" -> "fixed the define call check"
    return rest


def _imperative(words: list[str], kind: str) -> Phrase | None:
    """The phrase when the title opens with a verb (any form) or a negated one; None when it does not."""
    first = words[0]
    key = _plain(first)
    if not lexicon.is_word(key) or lexicon.is_code(first) or (first.isupper() and len(first) > 1):
        return None
    rest = words[1:]
    after = _plain(rest[0]) if rest else None
    if key in _NOUN_FIRST:
        return None
    if lexicon.bare_verb(key):
        lemma = key
    elif lexicon.past_form(key) or lexicon.third_person(key) or lexicon.gerund(key):
        if (lexicon.third_person(key) or lexicon.gerund(key)) and (after is None or after in lexicon.PREPOSITIONS):
            return None  # "updates to the guide", "caching for modules": a noun
        lemma = lexicon.verb_lemma(key)
    else:
        return None
    if key == "revert" and rest and (rest[0][:1] in '"“' or lexicon.bare_verb(_plain(rest[0]))):
        quoted = clean_title(" ".join(rest).strip('"“”')).text
        rest = [f"“{quoted[:1].upper()}{quoted[1:]}”"] if quoted else []
    if [_plain(w) for w in rest] == ["typo"]:
        rest = ["a", *rest]  # "fix typo" -> "fixed a typo"
    first_past = key if lexicon.past_form(key) else lexicon.past(lemma)
    return _verb_phrase(_object_fixed(rest, kind), first_past, lemma)


def _negated(words: list[str]) -> Phrase | None:
    """ "don't crash on empty input" -> "stopped crashing on empty input"."""
    low = " ".join(_plain(w) for w in words[:3])
    for negation in _NEGATIONS:
        size = len(negation.split())
        if not low.startswith(negation + " ") or len(words) <= size:
            continue
        adverb = []
        if _plain(words[size]).endswith("ly") and len(words) > size + 1:  # "do not repeatedly output ..."
            adverb, size = [_plain(words[size])], size + 1
        if lexicon.bare_verb(_plain(words[size])) and not lexicon.is_code(words[size]):
            rest = [*adverb, lexicon.ing(_plain(words[size])), *words[size + 1 :]]
            return Phrase(past="stopped " + " ".join(rest), base="stop " + " ".join(rest))
    return None


def _adverb_first(words: list[str], kind: str) -> Phrase | None:
    """ "properly disable X" -> "properly disabled X": the adverb stays, the verb after it is inflected."""
    if len(words) < 2:
        return None
    key = _plain(words[0])
    adverb = key in _ADVERBS or (key.endswith("ly") and "ADV" in lexicon.lemmas(key))
    if not adverb or not lexicon.bare_verb(_plain(words[1])) or lexicon.is_code(words[1]):
        return None
    inner = _imperative(words[1:], kind)
    if inner is None:
        return None
    return Phrase(past=f"{key} {inner.past}", base=f"{key} {inner.base}")


def _noun_phrase(words: list[str], kind: str) -> Phrase:
    """A title that names a thing: "dark mode" -> "shipped dark mode", with the verb of its type."""
    words = [_lower_first(words[0]), *words[1:]]
    text = " ".join(words)
    key = _plain(words[0])
    if _VERSION.match(words[0]) and (len(words) == 1 or [_plain(w) for w in words[1:]] == ["release"]):
        return Phrase(past=f"released {text}", base=f"release {text}")
    if key in ("typo", "typos"):
        where = " in the documentation" if kind == "docs" and len(words) == 1 else ""
        text = ("a " if key == "typo" else "") + text + where
        return Phrase(past=f"fixed {text}", base=f"fix {text}")
    if kind == "revert":
        return Phrase(past=f"reverted “{text}”", base=f"revert “{text}”")
    corrections = any(_plain(w) in ("typo", "typos", "grammar", "spelling") for w in words)
    if kind == "docs" and (key in _CHANGE_NOUNS or corrections):
        return Phrase(past=f"improved the documentation with {text}", base=f"improve the documentation with {text}")
    if kind == "test" and any(_plain(w) in ("test", "tests") for w in words):
        return Phrase(past=f"improved {text}", base=f"improve {text}")
    if _COMPARATIVE.match(key) or key in _CHANGE_NOUNS:
        past, base = _DEFAULT_NOUN_VERB
    else:
        past, base = _NOUN_VERBS.get(kind, _DEFAULT_NOUN_VERB)
    return _verb_phrase(words, past, base)  # "regexp perf issues, refactor regexp ...": a verb joined later too


def _clause(words: list[str], kind: str) -> Phrase:
    """A title that is a sentence of its own ("build fails on Windows"): introduced, never inflected."""
    text = " ".join([_lower_first(words[0]), *words[1:]])
    keys = {_plain(w) for w in words}
    wanted = bool(keys & {"should", "must"})  # "the port should remain unchanged": how it behaves now
    if (kind == "fix" and not wanted) or (keys & _FAULT and not wanted):
        return Phrase(past=f"fixed an issue where {text}", base=f"fix an issue where {text}")
    text = re.sub(r"\b(?:should|must)\b", "will", text)
    return Phrase(past=f"ensured that {text}", base=f"ensure that {text}")


def quoted(title: str, kind: str, limit: int = 140) -> Phrase:
    """The title quoted after its type's verb: the fallback for text that is no English phrase."""
    text = _clipped(clean_title(title, kind).text.replace("“", "").replace("”", ""), limit)
    if not text:
        return generic(kind)
    past, base = _NOUN_VERBS.get(kind, _DEFAULT_NOUN_VERB)
    if kind in ("test", "build", "ci", "docs", "perf", "chore", "deps", "style"):
        past, base = _DEFAULT_NOUN_VERB
    return Phrase(past=f"{past} “{text}”", base=f"{base} “{text}”")


def generic(kind: str) -> Phrase:
    """What the type alone says was done ("fixed an issue"): for a title with no words of its own."""
    past, base = _GENERIC.get(kind, _DEFAULT_GENERIC)
    return Phrase(past=past, base=base)


def _reverted(text: str) -> Phrase:
    inner = clean_title(text.strip('"“”')).text
    if not inner:
        return generic("revert")
    shown = f"“{inner[:1].upper()}{inner[1:]}”"
    return Phrase(past=f"reverted {shown}", base=f"revert {shown}")


def _clipped(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word with an ellipsis, quotes and code spans still closed."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:-")
    if cut.count("`") % 2:
        cut = cut[: cut.rfind("`")].rstrip()
    if cut.count('"') % 2:
        cut = cut[: cut.rfind('"')].rstrip()
    return cut + "…"


def title_phrase(title: str, conventional_type: str = "", limit: int = 140) -> Phrase:
    """The verb phrase a PR title stands for, in the past and as a task, whatever shape the title has."""
    cleaned = clean_title(title, conventional_type)
    text, kind = _clipped(cleaned.text, limit), cleaned.conventional_type
    if cleaned.reverted:
        return _reverted(text)
    words = _words(text)
    if not words or not any(ch.isalnum() for ch in text):
        return generic(kind)
    if text.endswith("?"):
        return Phrase(past=f"addressed “{text}”", base=f"address “{text}”")  # a question: the PR answers it
    if _foreign(words):
        return quoted(title, kind, limit)
    if len(words) == 1 and _plain(words[0]) in ("wip", "misc", "update", "updates", "changes", "fixes", "stuff"):
        return generic(kind)
    if _plain(words[0]) in ("should", "must", "will", "shall", "can") and len(words) > 1:
        words = words[1:]  # "should use the real path": what the change makes it do
    negated = _negated(words)
    if negated:
        return negated
    if _plain(words[0]) in ("don't", "dont", "don’t") or " ".join(_plain(w) for w in words[:2]) == "do not":
        return quoted(title, kind, limit)  # "do not fixStacktrace by default": no verb to put in the past
    adverb = _adverb_first(words, kind)
    if adverb:
        return adverb
    first = _plain(words[0])
    finite = _finite_at(words)
    auxiliary = finite is not None and _plain(words[finite]) in lexicon.MODALS | lexicon.BE_DO_HAVE | {"not"}
    if auxiliary and (finite == 1 or (finite <= 3 and first not in _CLAUSE_VERBS)):
        return _clause(words, kind)  # "exclude should not be resolved": no imperative is followed by a modal
    if kind == "fix" and _plain(words[-1]) in _FAULT_NOUNS and not lexicon.verb_only(first):
        return _noun_phrase(words, kind)  # "build project path error": the fault it fixed
    verb_first = lexicon.bare_verb(first) or lexicon.past_form(first) or lexicon.third_person(first)
    strong = lexicon.verb_only(first) or first in _STRONG_VERBS
    # A verb first and a verb form after it: a clause only when that is a be, a modal or a fault ("test fails").
    fault = finite is not None and _plain(words[finite]) in _FAULT | lexicon.BE_DO_HAVE | lexicon.MODALS
    if finite is not None and (not verb_first or (finite <= 2 and not strong and fault)):
        return _clause(words, kind)
    return _imperative(words, kind) or _noun_phrase(words, kind)


# ---- claims -------------------------------------------------------------------------------------------------

_WE_SEE = re.compile(
    r"^(?P<since>(?:since|after|with|in) [^,]+?),?\s+(?:we|i)\s+(?:now\s+)?(?:see|saw|have seen|observe[ds]?|"
    r"measured?|get|got)\s+(?P<what>.+)$",
    re.I,
)
_WE_SEE_PLAIN = re.compile(r"^(?:we|i)\s+(?:now\s+)?(?:see|saw|have seen|observe[ds]?|measured?|get|got)\s+(.+)$", re.I)
_THIS = re.compile(
    r"^(?:this pr|this change|this patch|this commit|this|it)\s+(?P<verb>[A-Za-z]+)\b(?P<rest>.*)$", re.I
)


def reported(claim: str) -> str:
    """A measured claim as the PR's report: "The PR reports 35% fewer exceptions since the canary rollout"."""
    text = " ".join(claim.split()).rstrip(" .;:,")
    match = _WE_SEE.match(text)
    if match:
        since = match.group("since")
        return f"The PR reports {match.group('what')} {since[:1].lower()}{since[1:]}"
    match = _WE_SEE_PLAIN.match(text)
    if match:
        return f"The PR reports {match.group(1)}"
    match = _THIS.match(text)
    if match and (lexicon.third_person(match.group("verb")) or lexicon.past_form(match.group("verb"))):
        return f"The PR reports that the change {match.group('verb').lower()}{match.group('rest')}"
    words = text.split()
    first = words[0] if words else ""
    if lexicon.third_person(first) or lexicon.past_form(first) and not lexicon.noun(first):
        return f"The PR reports that the change {first.lower()} {' '.join(words[1:])}".rstrip()
    if lexicon.bare_verb(first) and first[:1].isupper() and lexicon.verb_only(first):
        return f"The PR reports that the change {lexicon.third(first.lower())} {' '.join(words[1:])}".rstrip()
    clause = any(
        _plain(w) in lexicon.BE_DO_HAVE | lexicon.MODALS
        or (lexicon.third_person(_plain(w)) or lexicon.past_form(_plain(w)))
        and not words[i - 1][:1].isdigit()
        for i, w in enumerate(words[1:], start=1)
    )
    shown = " ".join([_lower_first(first), *words[1:]]) if words else text
    return f"The PR reports that {shown}" if clause else f"The PR reports {shown}"


# ---- bodies -------------------------------------------------------------------------------------------------

_SECTION_KINDS = (
    ("why", ("why", "motivation", "context", "background", "problem", "reason", "rationale", "the problem")),
    ("testing", ("test", "testing", "tests", "how to test", "how tested", "how was", "how has", "verification", "qa")),
    ("impact", ("impact", "result", "results", "benchmark", "benchmarks", "performance")),
    ("lead", ("summary", "description", "what", "changes", "overview", "details", "about", "this pr", "proposed")),
)
_HEADING = re.compile(r"^(?:#{1,6}\s*(?P<hash>.+?)\s*#*|\*\*(?P<bold>[^*]+?)\*\*:?|__(?P<under>[^_]+)__:?)$")
_INLINE_HEADING = re.compile(
    r"^(?P<name>summary|description|why|motivation|context|background|problem|testing|test plan|impact|what|changes)"
    r"\s*:\s*(?P<rest>.*)$",
    re.I,
)
_SKIP_LINE = re.compile(
    r"(?i)^(?:[-*+]\s+)?\[[ x]\]|^\||^>|^(?:co-authored-by|signed-off-by|reviewed-by|change-id|cc)\b|"
    r"^(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see|related(?: to)?|part of|follow[- ]up(?: to| of)?)\s*:?\s+"
    r"(?:#\d+|https?://|[\w.-]+/[\w.-]+#\d+)|^this reverts commit\b|^!\[|^[-*+]?\s*[a-z]+(?:\([^)]*\))?!?:\s|"
    r"^breaking[ -]changes?\b"
)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_FENCE = re.compile(r"```.*?(?:```|$)", re.S)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BODY_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _section_kind(name: str) -> str:
    key = re.sub(r"[^a-z ]", "", name.lower()).strip()
    for kind, names in _SECTION_KINDS:
        if any(key == n or key.startswith(n + " ") for n in names):
            return kind
    return "other"


def _tidy(sentence: str) -> str | None:
    """A body sentence as it may stand in a record, or None when it is not one (a fragment, a question, code)."""
    text = " ".join(sentence.replace("**", "").replace("__", "").split()).strip()
    text = re.sub(r"^[-*+]\s+|^\d+[.)]\s+", "", text).strip()
    if not text or "http" in text or len(text) > 280 or len(text.split()) < 3:
        return None
    if re.match(r"(?i)(?:and|or|but|so|also)\b", text) or re.search(r"\bI\b|\blet's\b|\bI'm\b", text):
        return None  # a fragment of the sentence before it, or the author speaking for themselves
    first = text.split()[0]
    if text[:1].islower() and lexicon.is_word(first) and lexicon.known(first):
        text = text[:1].upper() + text[1:]
    if not text[:1].isupper() or text.endswith(("?", "!", ":", ",", ";")):
        return None
    if text[-1:].isalnum() or text.endswith((")", "`", '"', "”")):
        text += "."
    return text if text.endswith(".") and not text.endswith("..") else None


def boilerplate(line: str) -> bool:
    """A template's or a tool's line, never a sentence: a checklist item, a trailer, an issue link, a heading."""
    line = line.strip()
    return bool(_SKIP_LINE.search(line) or _HEADING.match(line) or _HTML_COMMENT.search(line))


def body_sentences(body: str) -> dict[str, list[str]]:
    """A PR body's sentences by the section they stand in: "lead" (what it does), "why", "testing", "impact".

    Headings, checklists, tables, quotes, HTML comments, code blocks, trailers ("Co-authored-by:"),
    issue links ("Fixes #12") and squashed commit lines ("* fix: ...") are never taken.
    """
    text = _FENCE.sub("\n", _HTML_COMMENT.sub("\n", body or ""))
    found: dict[str, list[str]] = {"lead": [], "why": [], "testing": [], "impact": []}
    kind, paragraph = "lead", []

    def flush() -> None:
        if kind in found and paragraph:
            for part in _BODY_SENTENCE.split(" ".join(paragraph)):
                tidy = _tidy(part)
                if tidy and tidy not in found[kind]:
                    found[kind].append(tidy)
        paragraph.clear()

    for raw in text.splitlines():
        line = _LINK.sub(r"\1", raw.strip())
        heading = _HEADING.match(line)
        inline = _INLINE_HEADING.match(line)
        if heading or (line.endswith(":") and len(line) <= 40 and not line.startswith(("-", "*"))):
            flush()
            name = next((g for g in heading.groups() if g), "") if heading else line.rstrip(":")
            kind = _section_kind(name)
            continue
        if inline:
            flush()
            kind = _section_kind(inline.group("name"))
            line = inline.group("rest").strip()
        if not line or _SKIP_LINE.search(line):
            flush()
            continue
        if re.match(r"^(?:[-*+]|\d+[.)])\s+", line):
            flush()
            paragraph.append(line)
            flush()
            continue
        paragraph.append(line)
    flush()
    return found


def opens_with_verb(sentence: str) -> bool:
    """The sentence is an instruction ("Use X instead.", "Also fix Y."): a bare verb first, maybe after an adverb."""
    words = [_plain(w) for w in sentence.split()[:2]]
    if not words:
        return False
    if words[0] in _ADVERBS or (words[0].endswith("ly") and "ADV" in lexicon.lemmas(words[0])):
        words = words[1:]
    if not words:
        return False
    return (lexicon.bare_verb(words[0]) and lexicon.past(words[0]) != words[0]) or words[0] == "to"


def tells_an_action(sentence: str) -> bool:
    """The sentence says what was done ("Moved `execa` to dependencies.", "This PR adds ..."), not the context."""
    words = [_plain(w) for w in sentence.split()[:3]]
    if not words:
        return False
    if words[0] == "this" and len(words) > 1 and words[1] in ("pr", "change", "commit", "patch"):
        return True
    passive = len(words) > 1 and words[1] == "by"  # "Flagged by the dependency scanner.": the situation
    return lexicon.past_form(words[0]) and not lexicon.noun(words[0]) and not passive
