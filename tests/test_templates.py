"""Rules that hold for every template: nothing is marked safe in a template (the CSRF token
and every stored value are rendered escaped), and the only HTML built in Python is sanitised."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from registry.web.templating import TEMPLATES_DIR, make_environment

pytestmark = pytest.mark.no_database
ROOT = Path(__file__).resolve().parent.parent


def test_no_template_marks_anything_safe():
    marked = [
        f"{path.relative_to(TEMPLATES_DIR)}:{n}"
        for path in TEMPLATES_DIR.rglob("*.html")
        for n, text in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\|\s*safe\b|\bMarkup\b|autoescape\s+false", text)
    ]
    assert marked == []


def test_markup_is_built_only_from_sanitised_html():
    built = set()
    for path in (ROOT / "registry").rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Markup":
                        built.add(f"{path.relative_to(ROOT)}:{function.name}")
    assert built == {
        "registry/web/templating.py:description_html",  # rendered and cleaned by nh3 when saved
        "registry/web/templating.py:highlight_html",  # highlights, cleaned by nh3 to <mark> only
    }


def test_autoescaping_is_on_for_every_template():
    environment = make_environment()
    rendered = environment.from_string("{{ value }}").render(value="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"
    assert all(environment.autoescape(name) for name in ("a.html", "b.txt", None))


def test_highlights_keep_only_mark_whatever_an_engine_returns():
    from registry.web.templating import highlight_html

    html = highlight_html('<mark>ok</mark><script>alert(1)</script><b onclick="x">b</b>')
    assert str(html) == "<mark>ok</mark>b"
