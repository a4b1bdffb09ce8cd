"""How pasted Markdown reads once rendered: its text, its links and any raw HTML, as GitHub shows it.

markdown-it-py with GitHub's extensions that matter here (tables, strikethrough, bare URLs
turned into links) parses the text; the walk below collects what a reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass
class Reading:
    text: str = ""  # the visible text, every run joined by one space
    links: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)  # raw HTML a renderer would pass through
    images: int = 0
    emphasis: int = 0  # emphasis, strong or strikethrough


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(["linkify", "table", "strikethrough"])


def _walk(tokens: list[Token], reading: Reading, parts: list[str]) -> None:
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type == "softbreak":
            parts.append(" ")
        elif token.type in ("html_inline", "html_block"):
            reading.html.append(token.content)
        elif token.type == "link_open":
            reading.links.append(str(token.attrs.get("href", "")))
        elif token.type == "image":
            reading.images += 1
        elif token.type in ("em_open", "strong_open", "s_open"):
            reading.emphasis += 1
        if token.children:
            _walk(token.children, reading, parts)
        if token.type in ("paragraph_close", "heading_close", "list_item_close"):
            parts.append("\n")


def read_markdown(markdown: str) -> Reading:
    """What ``markdown`` shows once rendered."""
    reading, parts = Reading(), []
    _walk(_parser().parse(markdown), reading, parts)
    reading.text = "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip())
    return reading
