"""Untrusted text, made safe to show: one line, no control characters, bounded, and literal in Markdown.

Every string a stage shows can be written by anyone who opens a pull request. Enrich and
export both put such text into Markdown (Dagster's materialization previews, the executive
summary), and the renderers lay it out in HTML and PDF: they share these two functions.
"""

from __future__ import annotations

import re
import unicodedata

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


_MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()<>#!|~&$])")
_MD_SCHEME_RE = re.compile(r":(?=//)")
_MD_WWW_RE = re.compile(r"(?i)\b(www)\.")


def md_escape(value: object, limit: int | None = None) -> str:
    """Escape untrusted text for Markdown so it renders as literal text and nothing else.

    Backslash-escapes every character that starts inline syntax (emphasis, code, links,
    images, raw HTML, entities, tables, strikethrough, math), and defuses the GFM
    autolink triggers ("scheme://", "www.", "@") so a bare URL in a PR title does not
    become a clickable link in the rendered summary. Whitespace is collapsed first, so the
    text can never start a new block (heading, list, quote, fence).
    """
    text = _MD_SPECIAL_RE.sub(r"\\\1", clean_text(value, limit))
    text = _MD_SCHEME_RE.sub(r"\\:", text)
    text = _MD_WWW_RE.sub(r"\1\\.", text)
    return text.replace("@", "\\@")
