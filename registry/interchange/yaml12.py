"""Bounded, safe YAML 1.2 loading and dumping, as publiccode.yml asks for.

PyYAML speaks YAML 1.1, where `yes`, `on` and `no` are booleans, `0.4` and `1:20` are numbers and
`2017-04-15` is a date. publiccode.yml is a YAML 1.2 document and its reference parser reads it
with the 1.2 core schema, where `yes` is the string "yes" (so `localisationReady: yes` has the
wrong type) and dates stay strings. The loader here resolves plain scalars by the 1.2 core schema
only, has no merge keys and no Python tags, and refuses before building anything:

- bytes that are not UTF-8 (a Latin-1 file is named as such);
- input over `MAX_BYTES`, nesting deeper than `MAX_DEPTH`, or more than `MAX_NODES` values once
  anchors and aliases are expanded (the "billion laughs");
- more than one document, and a key repeated within one mapping.

The result is plain Python (dict, list, str, int, float, bool, None) with the line of every
value by its key path, so problems can be reported where they are. Pure and CPU-bound: callers on
the event loop run it in a worker thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000

STR = "tag:yaml.org,2002:str"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CORE = {
    "tag:yaml.org,2002:null": re.compile(r"^(?:~|null|Null|NULL|)$"),
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
}


class YamlRefused(ValueError):
    """The bytes are not a document this loader will read; the message says why."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader whose implicit typing is the YAML 1.2 core schema."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 (PyYAML's own class-level registry)


for _tag, _pattern in _CORE.items():
    _Loader.add_implicit_resolver(_tag, _pattern, [*"-+0123456789.~nNtTfF", ""])


@dataclass(frozen=True)
class Loaded:
    """A loaded document: its value, and the 1-based line of each key path."""

    value: Any
    lines: dict[str, int]


def decode_utf8(data: bytes) -> str:
    """The text of `data`, or YamlRefused when it is not UTF-8 (a leading BOM is allowed)."""
    if len(data) > MAX_BYTES:
        raise YamlRefused(f"the file is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlRefused(
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02X} on line {line} is "
            "not UTF-8; it looks like Latin-1 or Windows-1252): save it as UTF-8",
            line,
        ) from None
    return text.removeprefix("\ufeff")


def load(data: bytes) -> Loaded:
    """Read one YAML 1.2 document from `data` within the bounds above, or raise YamlRefused."""
    text = decode_utf8(data)
    _check_shape(text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise _refusal(error) from None
    except yaml.YAMLError as error:
        raise YamlRefused(f"not valid YAML: {error}") from None
    if node is None:
        raise YamlRefused("the file is empty")
    builder = _Builder()
    return Loaded(builder.build(node, "", 0), builder.lines)


def _refusal(error: yaml.MarkedYAMLError) -> YamlRefused:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    problem = error.problem or error.context or "malformed"
    where = f" at line {line}" if line else ""
    return YamlRefused(f"not valid YAML: {problem}{where}", line)


def _check_shape(text: str) -> None:
    """Walk the event stream (iteratively) to refuse deep nesting and several documents
    before the recursive composer sees the text."""
    depth = 0
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    line = event.start_mark.line + 1
                    raise YamlRefused(f"more than one YAML document (line {line})", line)
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1
                    raise YamlRefused(f"nested deeper than {MAX_DEPTH} levels (line {line})", line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise _refusal(error) from None
    except yaml.YAMLError as error:
        raise YamlRefused(f"not valid YAML: {error}") from None


class _Builder:
    """Nodes to plain values, counting every value (aliases expanded) and noting lines."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: dict[str, int] = {}
        self._constructor = _Loader("")

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlRefused(f"more than {MAX_NODES} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise YamlRefused(f"nested deeper than {MAX_DEPTH} levels")
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else None
                if not isinstance(key, str):
                    raise YamlRefused(
                        f"a mapping key on line {key_node.start_mark.line + 1} is not a string",
                        key_node.start_mark.line + 1,
                    )
                if key in result:
                    at = key_node.start_mark.line + 1
                    raise YamlRefused(f'the key "{key}" appears twice (line {at})', at)
                child = f"{path}.{key}" if path else key
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, SequenceNode):
            return [
                self.build(item, f"{path}[{index}]", depth + 1)
                for index, item in enumerate(node.value)
            ]
        return self._scalar(node)

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        value = node.value
        line = node.start_mark.line + 1
        if _SURROGATE.search(value):
            # An escape such as "\ud800" names half of a character, which no text can hold.
            raise YamlRefused(
                f"the text on line {line} holds an escaped character that is not a character "
                "(an unpaired \\u surrogate)",
                line,
            )
        if tag == "tag:yaml.org,2002:int":
            text = value.replace("_", "")
            try:
                if text.startswith("0o"):
                    return Int(int(text[2:], 8), value)
                if text.startswith("0x"):
                    return Int(int(text[2:], 16), value)
                return Int(int(text), value)
            except ValueError:  # more digits than Python reads as a number
                raise YamlRefused(f"the number on line {line} has too many digits", line) from None
        if tag == "tag:yaml.org,2002:float":
            return Float(self._constructor.construct_object(node, deep=True), value)
        if tag in _CORE or tag == STR:
            return self._constructor.construct_object(node, deep=True)
        # Any other explicit tag (!!binary, !!timestamp, !custom) is kept as its text wrapped
        # so that type checks see something that is not a plain string.
        return Tagged(tag, value)


class Int(int):
    """An integer that remembers how it was written (`+391624231322`, `0x1F`)."""

    source: str

    def __new__(cls, value: int, source: str) -> Int:
        number = super().__new__(cls, value)
        number.source = source
        return number


class Float(float):
    """A float that remembers how it was written (`0.4`, `1e3`)."""

    source: str

    def __new__(cls, value: float, source: str) -> Float:
        number = super().__new__(cls, value)
        number.source = source
        return number


def as_text(value: Any) -> str | None:
    """A scalar as the text it was written with: strings as they are, plain numbers as written
    (a phone number `+391624231322` is a number to YAML but text to the standard), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (Int, Float)):
        return value.source
    return None


@dataclass(frozen=True)
class Tagged:
    """A scalar with an explicit tag the standard has no use for."""

    tag: str
    text: str


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = None
    if "\n" in data:
        style = "|"
    elif any(pattern.match(data) for pattern in _CORE.values()):
        # Would read back as a number, boolean or null under YAML 1.2: quote it.
        style = "'"
    return dumper.represent_scalar(STR, data, style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(str, _represent_str)


def dump(value: Any) -> str:
    """`value` (plain dicts, lists and scalars) as YAML that `load` reads back the same."""
    return yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
