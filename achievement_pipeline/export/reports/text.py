"""Untrusted text in the portfolio: display limits, safe links, and the Markdown template's escaping.

Every string in the portfolio can be written by anyone who opens a pull request. Cleaning
and Markdown escaping are ``core.text``'s (enrich and export share them); this module adds
what only the renderers need: the display limits ``clean_text`` is called with,
``safe_href`` (only plain http(s) links), and the ``MdSafe`` marker, finalizer and link
filter that make the Markdown templates literal by default.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from achievement_pipeline.core.text import md_paste

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


class MdSafe(str):
    """Markdown built by this module from escaped parts; the Markdown finalizer passes it through."""


def md_finalize(value: object) -> str:
    """Make every value literal by default in the Markdown templates, mirroring HTML autoescape.

    Their Markdown is for pasting, so it uses ``md_paste`` (syntax set as inline code), not
    backslash escapes, which Slack and a Google Doc would show as they are.
    """
    if isinstance(value, MdSafe):
        return value
    return md_paste(value)


def md_link(text: object, href: str | None) -> MdSafe:
    label = md_paste(text)
    if not href:
        return MdSafe(label)
    # safe_href already rejected spaces, quotes and angle brackets; parentheses are the
    # only characters left that could end the destination early.
    destination = href.replace("(", "%28").replace(")", "%29")
    return MdSafe(f"[{label}]({destination})")
