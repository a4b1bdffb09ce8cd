"""Untrusted text, made safe to show: one line, no control characters, bounded, and literal in Markdown.

Every string a stage shows can be written by anyone who opens a pull request. Enrich and
export both put such text into Markdown (Dagster's materialization previews, the executive
summary), and the renderers lay it out in HTML and PDF: they share these two functions.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

# C0/C1 controls except whitespace (collapsed later), lone surrogates (they cannot be
# encoded as UTF-8 and would crash the writer), non-characters, and the bidi embedding /
# override / isolate controls that let one string visually reorder its neighbours
# ("Trojan Source"). Block elements get dir="auto" instead, so RTL text still reads right.
_STRIP_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_WS_RE = re.compile(r"\s+")
# More than a few stacked combining marks is "Zalgo" text that overdraws nearby lines.
_COMBINING_FLOOD_RE = re.compile(
    r"([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{3})"
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def clean_text(value: object, limit: int | None = None) -> str:
    """Make untrusted text safe to lay out: one line, no control characters, bounded length.

    Escaping is the template's job; this removes what escaping cannot (characters that
    break encoders or reorder the page) and truncates at a word boundary with an ellipsis
    so a 1 MB PR body costs the same to render as a short one.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit * 4 + 64:
        text = text[: limit * 4 + 64]  # bound the work below; the cut is refined after cleaning
    text = _STRIP_RE.sub("", text)
    text = _COMBINING_FLOOD_RE.sub(r"\1", text)
    text = _WS_RE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        cut = text[:limit]
        space = cut.rfind(" ")
        if space >= limit * 0.7:
            cut = cut[:space]
        # Do not leave half an emoji sequence or a dangling combining mark behind.
        cut = cut.rstrip(" \u200d\ufe0f,;:-–—")
        while cut and unicodedata.combining(cut[-1]):
            cut = cut[:-1]
        text = cut + "…"
    return text


# What the Dagster UI's Markdown must show literally. CommonMark lets a backslash escape any ASCII
# punctuation character and nothing else, and every piece of Markdown syntax starts with one: emphasis,
# code, links, images, autolinks, raw HTML, entities, headings, lists, quotes, fences, tables, math.
# Escaping them all (rather than a chosen few) leaves nothing to forget: "- - x" cannot nest a list,
# "1." cannot start one, and a bare URL or e-mail address is split by its escaped "://", "." and "@",
# so GFM's autolinking (the UI renders with remark-gfm) finds nothing to link. "<", ">" and "&" become
# character references instead, which read the same in Markdown and stay inert wherever the text lands
# as HTML.
_MD_ESCAPES = str.maketrans(
    {char: "\\" + char for char in string.punctuation} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
)


def md_escape(value: object, limit: int | None = None) -> str:
    """Untrusted text as Markdown that renders as exactly that text: no link, image, HTML or structure.

    Every ASCII punctuation character is backslash-escaped and ``<``, ``>``, ``&`` become character
    references (see ``_MD_ESCAPES``). Whitespace is collapsed first, so the text can never start a new
    block, and ``limit`` bounds it before escaping. The one function for every Markdown preview and
    description the Dagster UI shows that holds PR text; pasted Markdown uses :func:`md_paste`.
    """
    return clean_text(value, limit).translate(_MD_ESCAPES)


# Markdown meant to be pasted (into a GitHub comment, Slack, a Google Doc) must read as plain
# text wherever it lands: Slack shows backslash escapes literally, so instead of escaping a
# character, a word that holds syntax is set as inline code, which every one of them shows
# verbatim. A "word" here is a run without spaces, minus the sentence punctuation around it.
_PASTE_SYNTAX_RE = re.compile(
    r"[\\`*_~<>\[\]|$@{}]"  # emphasis, code, HTML, links, tables, math, mentions
    r"|&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);"  # character references
    r"|://|^www\.|^#"  # autolinks and issue references (#12 would point at the wrong repository)
    r"|[A-Za-z]{2,}\.[A-Za-z][A-Za-z0-9]+",  # file and domain names (README.md, vite.config.ts)
    re.IGNORECASE,
)
_LINE_START_RE = re.compile(r"^(?:[-+=>]+|\d+[.)])$")  # a list, quote or heading marker where a line starts
# Our own figures: $17k, $8.5k–34k, $100/h.
_PASTE_MONEY_RE = re.compile(r"^[$€£¥][\d,.]+[kMB]?(?:[–-][\d,.]+[kMB]?)?(?:/[a-z]+)?$")
_SENTENCE_END = ".,;:!?…"
_OPENERS, _CLOSERS = "(\"'“‘", ")\"'”’"
_BACKTICKS_RE = re.compile(r"`+")


def _code_span(text: str) -> str:
    """``text`` as one inline code span, fenced by more backticks than it holds in a row."""
    longest = max((len(run) for run in _BACKTICKS_RE.findall(text)), default=0)
    if not longest:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def _split_word(word: str) -> tuple[str, str, str]:
    """``word`` as (opening brackets and quotes, core, closing ones and sentence punctuation).

    A bracket is taken off only when the core would not balance it: "(account_id," keeps
    "account_id" as its core, "fn(a_b)" keeps its own parentheses.
    """
    core = word.rstrip(_SENTENCE_END)
    lead, trail = "", word[len(core) :]
    inner = core[1:-1]
    if len(core) > 2 and core[0] == "(" and core[-1] == ")" and inner.count("(") == inner.count(")"):
        lead, core, trail = "(", inner, ")" + trail
    while len(core) > 1 and core[0] in _OPENERS and (core[0] != "(" or core.count("(") > core.count(")")):
        lead, core = lead + core[0], core[1:]
    while len(core) > 1 and core[-1] in _CLOSERS and (core[-1] != ")" or core.count(")") > core.count("(")):
        stripped = core[:-1].rstrip(_SENTENCE_END)
        trail, core = core[len(stripped) :] + trail, stripped
    return lead, core, trail


def _paste_word(word: str) -> str:
    """The word as is, or as inline code around its core: "(README.md)." → "(`README.md`)."."""
    lead, core, trail = _split_word(word)
    if _PASTE_MONEY_RE.match(core):
        return word
    if core and _PASTE_SYNTAX_RE.search(core):
        return f"{lead}{_code_span(core)}{trail}"
    return _code_span(word) if _PASTE_SYNTAX_RE.search(word) else word


def md_paste(value: object, limit: int | None = None) -> str:
    """Untrusted text as Markdown that reads as the same plain text once pasted, with no backslashes.

    Every word that could start Markdown syntax (emphasis, code, links, images, raw HTML,
    entities, math, mentions, autolinks, list or heading markers) becomes inline code, so it
    shows verbatim in GitHub, Slack and a Google Doc alike; the rest is left as written.
    Whitespace is collapsed first, so the text can never start a new block.
    """
    words = [_paste_word(word) for word in clean_text(value, limit).split(" ") if word]
    if words and _LINE_START_RE.match(words[0]):
        words[0] = _code_span(words[0])
    return " ".join(words)


def first_of(items: Iterable[object], limit: int = 20) -> str:
    """The first ``limit`` items joined by commas, then how many more: "a/b#1, a/b#2 and 38 more".

    Failing checks and set-aside notes name the PRs they are about; a window of thousands must
    still fit a message, and the count says that the list is cut.
    """
    shown = [str(item) for item in items]
    rest = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {rest} more" if rest > 0 else "")
