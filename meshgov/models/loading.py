"""Reading a descriptor document (YAML or JSON) into a Descriptor, with errors that say
which field, on which line, is wrong and what was expected."""

from __future__ import annotations

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
    return f"{text} (got {error.get('input')!r})"


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
    """Parse a descriptor document; raise DescriptorError naming every problem."""
    try:
        loader = _StrictLoader(text)
        try:
            root = loader.get_single_node()  # composed once: for values and for lines
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
    if not isinstance(document, dict) or "data_product" not in document:
        found = type(document).__name__ if not isinstance(document, dict) else "no data_product"
        raise DescriptorError(
            source,
            [
                Problem(
                    "data_product",
                    f"the document must be a mapping with a top-level "
                    f"'data_product' key (found {found})",
                    1,
                )
            ],
        )
    try:
        return Descriptor.model_validate(document)
    except ValidationError as exc:
        raise DescriptorError(source, _problems(exc, _line_index(root))) from None


def load_descriptor(path: str | Path) -> Descriptor:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem("", f"cannot read the file: {exc.strerror}")
        raise DescriptorError(str(file), [problem]) from None
    return parse_descriptor(text, str(file))
