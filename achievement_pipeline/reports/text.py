"""Untrusted-text safety: clean, bound and escape strings that came from pull requests.

Every string in the portfolio can be written by anyone who opens a pull request, so
this module is the one place that decides what such text may contain before it is laid
out: ``clean_text`` strips what escaping cannot fix and bounds the length, ``safe_href``
lets through only plain http(s) links, and ``md_escape`` (with the ``_MdSafe`` marker,
finalizer and link filter used by the Markdown template) keeps Markdown output literal.
The display limits live here too, because they are the bounds ``clean_text`` applies.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Display limits. PR text can be a megabyte long; these keep a page readable and make
# rendering time independent of the input size.
TITLE_LIMIT = 180
STATEMENT_LIMIT = 300
SUMMARY_LIMIT = 600
EVIDENCE_LIMIT = 240
EVIDENCE_ITEMS = 6
REASON_LIMIT = 240
REASON_ITEMS = 6
ASSUMPTION_ITEMS = 10
LABEL_LIMIT = 60
NOTE_LIMIT = 300
HIGHLIGHT_LIMIT = 220


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


def safe_href(url: object) -> str | None:
    """Return ``url`` if it is a plain absolute http(s) link, else ``None`` (render as text).

    Rejects other schemes (javascript:, data:, file:, ...), protocol-relative and
    relative links, whitespace and control characters (browsers strip them, which is how
    "java\\tscript:" slips past naive checks), non-ASCII (homograph hosts) and userinfo
    ("https://github.com@evil.example/" shows one host and opens another).
    """
    if not isinstance(url, str) or not 0 < len(url) <= 2048:
        return None
    if not url.isascii() or any(ch <= " " or ch == "\x7f" for ch in url):
        return None
    if any(ch in url for ch in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return url


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


class _MdSafe(str):
    """Markdown built by this module from escaped parts; the Markdown finalizer passes it through."""


def _md_finalize(value: object) -> str:
    """Escape by default in the Markdown template, mirroring HTML autoescape."""
    if isinstance(value, _MdSafe):
        return value
    return md_escape(value)


def _md_link(text: object, href: str | None) -> _MdSafe:
    label = md_escape(text)
    if not href:
        return _MdSafe(label)
    # safe_href already rejected spaces, quotes and angle brackets; parentheses are the
    # only characters left that could end the destination early.
    destination = href.replace("(", "%28").replace(")", "%29")
    return _MdSafe(f"[{label}]({destination})")
