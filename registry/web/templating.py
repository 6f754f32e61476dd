"""Jinja set-up for the registry's pages: autoescaping everywhere, strict undefined names, and
the filters that turn stored values into words people read (money, dates, labels).

Two kinds of HTML reach templates already built, and both are marked safe here, in Python, never
with a `| safe` in a template: descriptions (Markdown rendered, then sanitised by nh3, when they
are saved; pages show the stored HTML) and search highlights (escaped by the engine, then cleaned
again so only `<mark>` survives).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from markupsafe import Markup

from registry import vocabulary
from registry.programmes.progress import percent_of
from registry.wording import LABELS, label, long_date, money

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"

# Tag colours of the design system, by lifecycle status.
STATUS_COLOURS = {
    "draft": "grey",
    "in_development": "blue",
    "live": "green",
    "planned": "blue",
    "tendering": "orange",
    "awarded": "green",
    "expired": "grey",
    "open": "green",
    "in_progress": "blue",
    "completed": "teal",
    "available": "green",
    "retired": "grey",
}


def number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def description_html(html: str) -> Markup:
    """A description's HTML as stored with it: rendered from its Markdown and sanitised by nh3
    when it was saved (registry.markdown), so a page never renders Markdown itself."""
    return Markup(html)  # noqa: S704 - sanitised by nh3 in markdown.render, when saved


def highlight_html(html: str) -> Markup:
    """A search highlight: escaped by the engine already; cleaned again so that only <mark>
    can ever survive, whatever an engine returns."""
    return Markup(_only_marks(html))  # noqa: S704 - sanitised


@functools.lru_cache(maxsize=4096)
def _only_marks(html: str) -> str:
    # kept: a results page cleans forty highlights, and the same searches come back
    return nh3.clean(html, tags={"mark"}, attributes={})


def query_string(params: dict[str, Any] | list[tuple[str, Any]]) -> str:
    """A URL query from pairs (repeated names allowed), skipping empty values."""
    pairs = params.items() if isinstance(params, dict) else params
    expanded = []
    for name, value in pairs:
        values = value if isinstance(value, list | tuple) else [value]
        expanded += [(name, v) for v in values if v not in (None, "")]
    return urlencode(expanded)


def page_href(path: str, params: dict[str, Any]):
    """A function from a page number to the address of that page of `path` with `params`."""

    def href(number: int) -> str:
        query = query_string({**params, "page": number if number > 1 else None})
        return f"{path}?{query}" if query else path

    return href


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "label": label,
        "money": money,
        "long_date": long_date,
        "number": number,
        "description_html": description_html,
        "highlight_html": highlight_html,
        "query_string": query_string,
    }
    env.globals |= {
        "plural": plural,
        "percent_of": percent_of,
        "page_href": page_href,
        "vocabulary": vocabulary,
        "LABELS": LABELS,
        "STATUS_COLOURS": STATUS_COLOURS,
    }
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(make_environment()))
