"""Reading a descriptor document (YAML or JSON) into a Descriptor, with errors that say
which field, on which line, is wrong and what was expected."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from meshgov.models.descriptor import Descriptor

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or "document"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


class DescriptorError(ValueError):
    """A descriptor that cannot be accepted; `problems` lists every reason found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"invalid data product descriptor {source}: {count}\n{lines}")


# libyaml's parser where installed (it nearly always is): a descriptor is parsed by every
# processor for every registration and verdict, and the pure-Python scanner took 90% of it.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """A safe loader that refuses duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise ConstructorError(
                    None,
                    None,
                    "a key must be a plain value, not a list or mapping",
                    key_node.start_mark,
                )
            if key in seen:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _line_index(node: Node | None, prefix: Location = ()) -> dict[Location, int]:
    """Map each path in a YAML node tree to the 1-based line where it starts."""
    index: dict[Location, int] = {}
    if node is None:
        return index
    index[prefix] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            index.update(_line_index(value_node, path))
            index[path] = key_node.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for position, item in enumerate(node.value):
            index.update(_line_index(item, (*prefix, position)))
    return index


_ALIASES = {"avro_schema": "schema"}

MAX_DESCRIPTOR_CHARS = 512_000  # its verdict carries it: under the broker's 1 MiB
MAX_NODES = 100_000  # values once YAML aliases are expanded
MAX_DEPTH = 64
INPUT_SHOWN = 120  # characters of an offending value quoted in an error


def _expanded_size(root: Node) -> tuple[int, int]:
    """(values, depth) of a YAML node graph with every alias expanded, counted without
    expanding: an alias bomb of a few hundred bytes stands for billions of values. Stops
    counting past the limits."""
    sizes: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        if not children_done and any(id(c) not in sizes for c in children):
            if len(sizes) + len(stack) > 4 * MAX_NODES:
                return MAX_NODES + 1, 0
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        if any(id(c) not in sizes for c in children):  # a cycle: a recursive alias
            return MAX_NODES + 1, MAX_DEPTH + 1
        count = 1 + sum(sizes[id(c)][0] for c in children)
        depth = 1 + max((sizes[id(c)][1] for c in children), default=0)
        sizes[id(node)] = (min(count, MAX_NODES + 1), min(depth, MAX_DEPTH + 1))
    return sizes[id(root)]


def _message(error: Any) -> str:
    kind, text = error["type"], error["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "value_error":
        return str(text).removeprefix("Value error, ")
    if kind == "too_short" and error.get("ctx", {}).get("min_length") == 1:
        return "needs at least one entry"
    shown = repr(error.get("input"))
    if len(shown) > INPUT_SHOWN:
        shown = f"{shown[:INPUT_SHOWN]}... ({len(shown)} characters)"
    return f"{text} (got {shown})"


def _problems(exc: ValidationError, lines: dict[Location, int]) -> list[Problem]:
    problems = []
    for error in exc.errors():
        location = tuple(_ALIASES.get(str(p), p) for p in error["loc"])
        line = None
        for depth in range(len(location), -1, -1):
            key = tuple(str(p) if isinstance(p, str) else p for p in location[:depth])
            if key in lines:
                line = lines[key]
                break
        path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in location)
        problems.append(Problem(path.replace(".[", "["), _message(error), line))
    return problems


def validation_problems(exc: ValidationError, text: str) -> list[Problem]:
    """Pydantic's errors about a YAML document, each with its field path and line."""
    try:
        root = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        root = None
    return _problems(exc, _line_index(root))


def parse_descriptor(text: str, source: str = "<descriptor>") -> Descriptor:
    """Parse a descriptor document; raise DescriptorError naming every problem. A document
    above the limits (characters, values with aliases expanded, nesting) is refused before
    anything is built from it."""
    if len(text) > MAX_DESCRIPTOR_CHARS:
        problem = Problem(
            "", f"the descriptor has {len(text)} characters; at most {MAX_DESCRIPTOR_CHARS}"
        )
        raise DescriptorError(source, [problem])
    try:
        loader = _StrictLoader(text)
        try:
            root = loader.get_single_node()  # composed once: for values and for lines
            if root is not None:
                _within_limits(root, source)
            document = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. \x07
        at = exc.position
        place = f"column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"
        if isinstance(exc.character, bytes):
            reason = f"bytes that are not {exc.encoding}, {place}"
        else:
            reason = f"character #x{exc.character:04x} is not allowed in YAML, {place}"
        problem = Problem("", f"not valid YAML: {reason}", text.count("\n", 0, at) + 1)
        raise DescriptorError(source, [problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        column = f", column {mark.column + 1}" if mark is not None else ""
        reason = f"{exc.problem}{column}" if exc.problem else str(exc)
        if exc.context and exc.context_mark is not None:
            reason += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise DescriptorError(source, [Problem("", f"not valid YAML: {reason}", line)]) from None
    if isinstance(document, dict) and document.get("kind") == "DataContract":
        return _from_odcs(document, root, source)
    if not isinstance(document, dict) or "data_product" not in document:
        found = type(document).__name__ if not isinstance(document, dict) else "no data_product"
        raise DescriptorError(
            source,
            [
                Problem(
                    "data_product",
                    f"the document must be a mapping with a top-level 'data_product' key, "
                    f"or an ODCS v3 contract (apiVersion: v3.x, kind: DataContract) "
                    f"(found {found})",
                    1,
                )
            ],
        )
    try:
        return Descriptor.model_validate(document)
    except ValidationError as exc:
        raise DescriptorError(source, _problems(exc, _line_index(root))) from None


def _from_odcs(document: dict[str, Any], root: Node | None, source: str) -> Descriptor:
    """An ODCS contract read through meshgov.contracts.odcs_import: every problem names its
    ODCS path and line, and the descriptor keeps where it came from."""
    from meshgov.contracts.odcs_import import import_odcs, is_odcs  # models import it back

    if not is_odcs(document):
        problem = Problem(
            "apiVersion",
            f"a DataContract of apiVersion {document.get('apiVersion')!r}: meshgov reads ODCS v3",
            _line_of("apiVersion", _line_index(root)),
        )
        raise DescriptorError(source, [problem])
    lines = _line_index(root)
    imported = import_odcs(document)
    if imported.errors:
        problems = [Problem(n.path, n.message, _line_of(n.path, lines)) for n in imported.errors]
        raise DescriptorError(source, problems)
    try:
        descriptor = Descriptor.model_validate(imported.document)
    except ValidationError as exc:
        problems = []
        for problem in _problems(exc, {}):
            path = imported.origin.source_path(problem.path) or problem.path
            problems.append(Problem(path, problem.message, _line_of(path, lines)))
        raise DescriptorError(source, problems) from None
    descriptor.data_product._origin = imported.origin
    return descriptor


def _line_of(path: str, lines: dict[Location, int]) -> int | None:
    """The line of an ODCS path such as schema[0].properties[2].name, or of its nearest
    parent the document has."""
    location: Location = tuple(
        int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)
    )
    for depth in range(len(location), -1, -1):
        if location[:depth] in lines:
            return lines[location[:depth]]
    return None


def _within_limits(root: Node, source: str) -> None:
    values, depth = _expanded_size(root)
    if values > MAX_NODES:
        message = (
            f"the document expands to more than {MAX_NODES} values (YAML aliases, counted "
            f"expanded); a descriptor needs far fewer"
        )
        raise DescriptorError(source, [Problem("", message, 1)])
    if depth > MAX_DEPTH:
        message = f"the document nests deeper than {MAX_DEPTH} levels"
        raise DescriptorError(source, [Problem("", message, 1)])


def load_descriptor(path: str | Path) -> Descriptor:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem("", f"cannot read the file: {exc.strerror}")
        raise DescriptorError(str(file), [problem]) from None
    return parse_descriptor(text, str(file))
