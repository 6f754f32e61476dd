"""Descriptions are Markdown: rendered to HTML and then sanitised, or reduced to plain text.

Rendering never trusts its input: raw HTML in the Markdown is escaped by the renderer, and the
result is passed through nh3 (an allow-list sanitiser) so only harmless tags, and links with
http(s) or mailto addresses, survive. Images are not allowed: a description must not make a
reader's browser fetch from elsewhere.

A description is rendered once, when it is saved (`render_when_saving`, off the event loop), and
pages show the stored HTML. The renderer is pure Python and its cost grows with the markup, not
only the length: 20,000 characters of prose take a few milliseconds, but 10,000 "![" take a
quarter of a second. `too_much_markup` bounds what may be stored (punctuation marks and lines,
which is where the renderer spends its time) so that the costliest description allowed renders
in tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import string
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

# Every Markdown construct starts with ASCII punctuation or a new line, and the renderer's time
# goes on those; prose carries a few punctuation marks per hundred characters.
MAX_PUNCTUATION = 3000
MAX_LINES = 1000
_WITHOUT_PUNCTUATION = str.maketrans("", "", string.punctuation)


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


def too_much_markup(text: str, label: str) -> str | None:
    """Why `text` holds more Markdown than may be stored (a message naming `label`), or None."""
    # the renderer ends a line at \n, \r\n or a lone \r
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
    if lines > MAX_LINES:
        return f"{label} must have {MAX_LINES:,} lines or fewer (it has {lines:,})"
    marks = len(text) - len(text.translate(_WITHOUT_PUNCTUATION))
    if marks > MAX_PUNCTUATION:
        return (
            f"{label} has too much formatting: use at most {MAX_PUNCTUATION:,} punctuation "
            f"marks and symbols (it has {marks:,})"
        )
    return None


async def render_when_saving(text: str) -> str:
    """`render`, on a worker thread: even a bounded description takes tens of milliseconds."""
    if not text:
        return ""
    return await asyncio.to_thread(render, text)


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
