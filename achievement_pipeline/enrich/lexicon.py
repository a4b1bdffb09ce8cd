"""What an English word can be, and its verb forms: lemminflect's lexicon with a few rules for developer jargon.

lemminflect knows the open word classes (nouns, verbs, adjectives, adverbs) of English and
inflects any verb, known or not ("deflake" -> "deflaked"). It has no function words and no
word frequencies, so this module adds the closed classes (determiners, prepositions, ...) and
rules for words it does not know but a PR title uses as verbs ("right-size", "dedupe",
"memoize"). Every answer is cached: the statements of a whole corpus ask about few words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllLemmas, getInflection


def words(text: str) -> frozenset[str]:
    """The set of the words in ``text`` (a compact way to write a word list)."""
    return frozenset(text.split())


DETERMINERS = words(
    "a an the this that these those its their our your my his her every each all any some no both either "
    "neither another other such"
)
PRONOUNS = words("it them they we you i he she us him me itself themselves")
PREPOSITIONS = words(
    "for of to in on at by from with without into onto over under about across after before between "
    "during through via per within against around as than like"
)
CONJUNCTIONS = words("and or but nor")
SUBORDINATORS = words(
    "when whenever if unless where wherever because since while until till after before that which who "
    "so once though although whether instead"
)
PARTICLES = words("up down out off back away over")
BE_DO_HAVE = words(
    "is are was were isn't aren't wasn't weren't does doesn't do don't did didn't has hasn't have haven't had hadn't"
)
MODALS = words(
    "can cannot can't could couldn't should shouldn't must mustn't will won't would wouldn't may might shall"
)
FUNCTION_WORDS = DETERMINERS | PRONOUNS | PREPOSITIONS | CONJUNCTIONS | SUBORDINATORS | PARTICLES | BE_DO_HAVE | MODALS
# Function words of other languages that PR titles are written in: two of them and none of English's marks a title
# that is not English (a verb-by-verb past tense of it would be nonsense).
FOREIGN_FUNCTION_WORDS = words(
    "el la los las del de en con para por una un y que se es al lo le les des du et pour avec est dans sur "
    "und der die das ein eine mit für nicht ist zu auf il di che non per della delle em um uma não do da "
    "dos das ao com"
)

# Verbs of software work that the lexicon lacks or lists only as another class; titles use them as verbs.
# The second set are nouns as often ("a polyfill", "the preload"): verbs only where a verb must stand.
_JARGON_VERBS = words(
    "backport refactor dedupe dedup rebase transpile minify uglify typecheck unpin unskip deflake dockerize "
    "memoize autofix prepend dedent"
)
_JARGON_NOUN_VERBS = words("polyfill inline prerender prebundle vendor shim stub lint prefetch preload codegen")
_VERB_PREFIXES = ("re", "pre", "de", "un", "dis", "auto", "mis", "co")
_VERB_SUFFIXES = ("ize", "ise", "ify", "yse")
_WORD = re.compile(r"^[a-z]+(?:[-'][a-z]+)*$")


def _key(word: str) -> str:
    return word.lower().replace("’", "'")


@lru_cache(maxsize=65536)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """The lexicon's lemmas of ``word`` by word class ({} when it does not know the word)."""
    key = _key(word)
    return dict(getAllLemmas(key)) if _WORD.match(key) else {}


def is_word(word: str) -> bool:
    """A plain lower-case-able word (letters, inner hyphens or apostrophes), not code, a number or a path."""
    return bool(_WORD.match(_key(word)))


def is_code(word: str) -> bool:
    """Looks like an identifier, a path, a file, a flag or a version: never an English word of the sentence."""
    return bool(re.search(r"[`./\\_@#$<>{}\[\]()=:0-9]|^-", word)) or bool(re.search(r"[a-z][A-Z]", word))


def known(word: str) -> bool:
    """The lexicon or the function words know ``word``."""
    return _key(word) in FUNCTION_WORDS or bool(lemmas(word))


@lru_cache(maxsize=65536)
def _base_verb_in_lexicon(word: str) -> bool:
    key = _key(word)
    verbs = lemmas(key).get("VERB", ())
    if key not in verbs:
        return False
    # The lexicon lists some past forms as lemmas of their own ("consisted" beside "consist").
    return not any(other != key and key in (*_forms(other, "VBD"), *_forms(other, "VBN")) for other in verbs)


@lru_cache(maxsize=65536)
def _jargon_verb(key: str) -> bool:
    """A verb the lexicon does not list as one: jargon, a prefixed or suffixed verb, or a hyphenated compound."""
    if key in _JARGON_VERBS or key in _JARGON_NOUN_VERBS:
        return True
    if not _WORD.match(key):
        return False
    if "-" in key:  # "re-run", "right-size", "lazy-load": a verb after a prefix, an adjective or an adverb
        first, _, last = key.rpartition("-")
        if not _base_verb_in_lexicon(last):
            return False
        return first in _VERB_PREFIXES or bool({"ADJ", "ADV"} & set(lemmas(first)))
    if lemmas(key):
        return False
    if key.endswith(_VERB_SUFFIXES) and len(key) > 5:
        return True
    return any(
        key.startswith(p) and len(key) - len(p) >= 3 and _base_verb_in_lexicon(key[len(p) :]) for p in _VERB_PREFIXES
    )


def derived_verb(word: str) -> bool:
    """A verb the lexicon does not know and nothing else: jargon ("backport") or made by a rule ("deflake")."""
    key = _key(word)
    return key not in _JARGON_NOUN_VERBS and _jargon_verb(key)


def bare_verb(word: str) -> bool:
    """``word`` can be read as a verb's base form (an imperative): "add", "keep", "deflake", "right-size"."""
    key = _key(word)
    if key in FUNCTION_WORDS or not is_word(key):
        return False
    return _base_verb_in_lexicon(key) or _jargon_verb(key)


def verb_only(word: str) -> bool:
    """A base-form verb that is nothing else: "add", "ensure", "cancel" (not "update", which is a noun too)."""
    if not bare_verb(word) or _key(word) in _JARGON_NOUN_VERBS:
        return False
    classes = set(lemmas(word))
    return classes <= {"VERB"}


def _verb_lemma(word: str) -> str | None:
    verbs = lemmas(word).get("VERB", ())
    return verbs[0] if verbs else None


@lru_cache(maxsize=65536)
def _forms(lemma: str, tag: str) -> tuple[str, ...]:
    return tuple(getInflection(lemma, tag) or ())


def past_form(word: str) -> bool:
    """``word`` is a verb's past tense or past participle, different from its base form ("fixed", "sped")."""
    key = _key(word)
    lemma = _verb_lemma(key)
    return bool(lemma) and lemma != key and key in (*_forms(lemma, "VBD"), *_forms(lemma, "VBN"))  # type: ignore[arg-type]


def third_person(word: str) -> bool:
    """``word`` is a verb's present third person ("adds", "fails")."""
    key = _key(word)
    lemma = _verb_lemma(key)
    return bool(lemma) and lemma != key and key in _forms(lemma, "VBZ")  # type: ignore[arg-type]


def gerund(word: str) -> bool:
    """``word`` is a verb's -ing form ("adding")."""
    key = _key(word)
    lemma = _verb_lemma(key)
    return bool(lemma) and key.endswith("ing") and key in _forms(lemma, "VBG")  # type: ignore[arg-type]


def noun(word: str) -> bool:
    """The lexicon lists ``word`` as a noun (or it is jargon that is one: "polyfill")."""
    return "NOUN" in lemmas(word) or _key(word) in _JARGON_NOUN_VERBS


def lemma(word: str) -> str:
    """The dictionary form of any word: "fixes" -> "fix", "routing" -> "route", "tests" -> "test"."""
    key = _key(word)
    found = lemmas(key)
    for kind in ("VERB", "NOUN", "ADJ", "ADV"):
        if found.get(kind):
            return found[kind][0]
    return key


def verb_lemma(word: str) -> str:
    """The base form of a verb form ("fixes" -> "fix", "sped" -> "speed"); the word itself when it is one."""
    key = _key(word)
    if _base_verb_in_lexicon(key) or _jargon_verb(key):
        return key
    return _verb_lemma(key) or key


@lru_cache(maxsize=65536)
def _inflect(verb: str, tag: str) -> str:
    key = _key(verb)
    if "-" in key:
        first, _, last = key.rpartition("-")
        if _base_verb_in_lexicon(last):
            return f"{first}-{_inflect(last, tag)}"
    if not lemmas(key):
        for prefix in _VERB_PREFIXES:
            rest = key[len(prefix) :]
            if key.startswith(prefix) and len(rest) >= 3 and _base_verb_in_lexicon(rest):
                return prefix + _inflect(rest, tag)
    if key == "be":
        return {"VBD": "was", "VBG": "being", "VBZ": "is"}[tag]
    forms = _forms(key, tag)
    british = [f for f in forms if f.endswith(("lled", "lling"))]  # "cancelled" before "canceled"
    return (british or forms or (key,))[0]


def _same_case(model: str, word: str) -> str:
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def past(verb: str) -> str:
    """The past tense of a base-form verb, in its case: "Add" -> "Added", "speed" -> "sped"."""
    return _same_case(verb, _inflect(verb, "VBD"))


def ing(verb: str) -> str:
    """The -ing form: "crash" -> "crashing"."""
    return _same_case(verb, _inflect(verb, "VBG"))


def third(verb: str) -> str:
    """The present third person: "reduce" -> "reduces"."""
    return _same_case(verb, _inflect(verb, "VBZ"))
