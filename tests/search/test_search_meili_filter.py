"""Filter expressions for Meilisearch: every user value stays exactly one literal.

The expressions are read back by a small parser written here from Meilisearch's filter grammar
(the subset the registry produces: `attr = value`, OR inside parentheses, AND between them; a
double-quoted value ends at the first quote not escaped by a backslash, and backslash-quote and
backslash-backslash stand for a quote and a backslash). If any value could break out of its
quotes, the parsed structure would differ from what was asked for.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from search_corpus import SPEC

from search.filters import normalise_filters
from search.meilisearch.filters import meili_filter, quote

pytestmark = pytest.mark.no_database


class ParseError(Exception):
    pass


def tokenize(expression: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(expression):
        c = expression[i]
        if c in " \t\n\r":
            i += 1
        elif c in "()=":
            tokens.append((c, c))
            i += 1
        elif c == '"':
            i += 1
            chars = []
            while True:
                if i >= len(expression):
                    raise ParseError("unterminated string")
                c = expression[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= len(expression) or expression[i + 1] not in '"\\':
                        raise ParseError("an escape Meilisearch would read differently")
                    chars.append(expression[i + 1])
                    i += 2
                    continue
                chars.append(c)
                i += 1
            tokens.append(("string", "".join(chars)))
        else:
            match = re.compile(r"[A-Za-z0-9_.\-]+").match(expression, i)
            if not match:
                raise ParseError(f"unexpected {c!r}")
            word = match.group()
            if word in {"AND", "OR"}:
                tokens.append((word, word))
            elif re.fullmatch(r"-?[0-9]+", word):
                tokens.append(("integer", int(word)))
            elif word in {"NOT", "TO", "IN", "EXISTS", "IS", "NULL", "EMPTY", "CONTAINS"}:
                raise ParseError(f"keyword {word} outside a string")
            else:
                tokens.append(("name", word))
            i = match.end()
    return tokens


def parse(expression: str) -> dict[str, list[Any]]:
    """{field: [values]} for `a = v AND (b = w OR b = x)`, refusing anything else."""
    tokens = tokenize(expression)
    position = 0

    def take(kind: str) -> Any:
        nonlocal position
        if position >= len(tokens) or tokens[position][0] != kind:
            found = tokens[position] if position < len(tokens) else "the end"
            raise ParseError(f"expected {kind}, found {found}")
        position += 1
        return tokens[position - 1][1]

    def peek() -> str | None:
        return tokens[position][0] if position < len(tokens) else None

    def condition() -> tuple[str, Any]:
        name = take("name")
        take("=")
        kind = peek()
        if kind not in ("string", "integer"):
            raise ParseError("expected a value")
        return name, take(kind)

    result: dict[str, list[Any]] = {}
    while True:
        if peek() == "(":
            take("(")
            conditions = [condition()]
            while peek() == "OR":
                take("OR")
                conditions.append(condition())
            take(")")
        else:
            conditions = [condition()]
        names = {name for name, _ in conditions}
        if len(names) != 1 or next(iter(names)) in result:
            raise ParseError("each group must be one field, once")
        result[conditions[0][0]] = [value for _, value in conditions]
        if peek() is None:
            return result
        take("AND")


HOSTILE_PIECES = [
    '"',
    "\\",
    '\\"',
    "'",
    " AND ",
    " OR ",
    "NOT ",
    " TO ",
    "(",
    ")",
    "[",
    "]",
    " EXISTS",
    " IS NULL",
    " IS EMPTY",
    " = ",
    "!=",
    "_geoRadius(1, 2, 3)",
    "\n",
    "\u0000",
    "é",
    "🦀",
    "\u202e",
]
hostile_text = st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(max_size=6), max_size=8).map(
    "".join
)
integers = st.integers(-(2**63), 2**63 - 1)


@st.composite
def filters(draw: st.DrawFn) -> dict[str, list[Any]]:
    chosen = draw(st.lists(st.sampled_from(SPEC.filterable), min_size=1, unique=True))
    result: dict[str, list[Any]] = {}
    for name in chosen:
        if name == "interest_count":
            values = draw(st.lists(integers | integers.map(str), min_size=1, max_size=4))
        else:
            values = draw(st.lists(hostile_text | integers, min_size=1, max_size=4))
        result[name] = values
    return result


@given(filters())
def test_every_value_becomes_exactly_one_literal(wanted: dict[str, list[Any]]) -> None:
    expression = meili_filter(SPEC, wanted)
    assert expression is not None
    parsed = parse(expression)
    normalised = normalise_filters(SPEC, wanted)
    assert parsed == {name: list(values) for name, values in normalised.items()}
    for name, values in parsed.items():
        wanted_values = [int(v) if name == "interest_count" else str(v) for v in wanted[name]]
        assert values == list(dict.fromkeys(wanted_values))


@given(hostile_text)
def test_a_quoted_value_reads_back_as_itself(value: str) -> None:
    tokens = tokenize(quote(value))
    assert tokens == [("string", value)]


def test_the_escaping_is_the_documented_one() -> None:
    expression = meili_filter(SPEC, {"status": ['live" OR status = "retired'], "kind": ["a\\b"]})
    assert expression == 'status = "live\\" OR status = \\"retired" AND kind = "a\\\\b"'
    assert parse(expression) == {"status": ['live" OR status = "retired'], "kind": ["a\\b"]}


def test_several_values_of_a_field_are_alternatives_and_fields_must_all_hold() -> None:
    expression = meili_filter(SPEC, {"kind": ["platform", "component"], "interest_count": [3]})
    assert expression == '(kind = "platform" OR kind = "component") AND interest_count = 3'


def test_no_filters_is_no_expression() -> None:
    assert meili_filter(SPEC, {}) is None


def test_the_parser_here_notices_a_broken_literal() -> None:
    # the checks above would be worthless if this parser accepted an escaped-out value
    with pytest.raises(ParseError):
        parse('status = "live" OR status = "retired"')
    with pytest.raises(ParseError):
        parse('status = "live\\"')
    assert parse('status = "a" AND kind = "b"') == {"status": ["a"], "kind": ["b"]}


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"title": ["x"]}, "cannot filter"),
        ({"colour": ["red"]}, "cannot filter"),
        ({"status": []}, "at least one value"),
        ({"status": "live"}, "list of values"),
        ({"status": [None]}, "text values"),
        ({"status": [True]}, "text values"),
        ({"status": [1.5]}, "text values"),
        ({"interest_count": ["seven"]}, "integers"),
        ({"interest_count": [2**63]}, "out of range"),
        ({"interest_count": [False]}, "integers"),
    ],
)
def test_bad_filters_are_refused(wanted: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        meili_filter(SPEC, wanted)
