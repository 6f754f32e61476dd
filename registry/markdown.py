"""Descriptions are Markdown: rendered to HTML and then sanitised, or reduced to plain text.

Rendering never trusts its input: raw HTML in the Markdown is escaped by the renderer, and the
result is passed through nh3 (an allow-list sanitiser) so only harmless tags, and links with
http(s) or mailto addresses, survive. Images are not allowed: a description must not make a
reader's browser fetch from elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text: str) -> str:
    """Markdown to sanitised HTML, safe to insert into a page."""
    html = _parser().render(text or "")
    # Headings inside a description sit below the page's own h1 and h2.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(text: str) -> str:
    """The words of a Markdown text without its markup, for the search index."""
    words: list[str] = []
    for token in _parser().parse(text or ""):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            words.append("\n")
        elif token.type in ("fence", "code_block"):
            words.append(token.content)
    return " ".join("".join(words).split())
