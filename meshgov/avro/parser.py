"""Parsing Avro schema JSON into a Schema tree.

Validating mode (the default) applies the rules of Java's Schema.Parser: valid names, no
duplicate fields, symbols or union branches, defaults valid for their type, and Java's name
resolution (a short name or alias resolves against the enclosing namespace first).

Trusted mode is for schemas accepted earlier, which were validated then: it skips validation
and builds each field's type only when first used. A comparison with a slightly different
schema then builds only the fields that differ. It raises EagerParseNeeded at a by-name
reference, since resolving one lazily could bind it out of document order; the caller
parses that schema eagerly instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from meshgov.avro.schema import (
    PRIMITIVES,
    ArraySchema,
    EnumSchema,
    Field,
    FixedSchema,
    MapSchema,
    NamedSchema,
    PrimitiveSchema,
    RecordSchema,
    Schema,
    UnionSchema,
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_DEFINITIONS = frozenset({"record", "error", "enum", "fixed", "array", "map"})


class InvalidSchemaError(ValueError):
    """The schema cannot be used; `path` points at the offending spot (JSON-pointer style)."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{reason} (at {path or '/'})")
        self.reason = reason
        self.path = path or "/"


class EagerParseNeeded(Exception):  # noqa: N818 - a signal to the caller, not a failure
    """A trusted (lazy) parse met a by-name reference; parse the schema eagerly."""


def load_json(source: str | dict[str, Any] | list[Any]) -> Any:
    if not isinstance(source, str):
        return source
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise InvalidSchemaError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def parse_schema(source: str | dict[str, Any] | list[Any]) -> Schema:
    """Parse and validate schema JSON text or its decoded form."""
    return _Parser(trusted=False, lazy=False).parse(load_json(source), "", "")


def parse_trusted(source: Any, lazy: bool = True) -> Schema:
    """Parse a schema accepted earlier without validating it again, lazily by default."""
    return _Parser(trusted=True, lazy=lazy).parse(load_json(source), "", "")


class _Parser:
    __slots__ = ("lazy", "named", "trusted")

    def __init__(self, trusted: bool, lazy: bool) -> None:
        self.named: dict[str, NamedSchema] = {}
        self.trusted = trusted
        self.lazy = lazy

    def parse(self, node: Any, namespace: str, path: str) -> Schema:
        schema = self._parse(node, namespace, path)
        if schema.raw is None:
            schema.raw = node
        return schema

    def _parse(self, node: Any, namespace: str, path: str) -> Schema:
        if isinstance(node, str):
            return self._reference(node, namespace, path)
        if isinstance(node, list):
            return self._union(node, namespace, path)
        if not isinstance(node, dict):
            raise InvalidSchemaError(
                f"a schema must be a string, object or array, not {node!r}", path
            )
        kind = node.get("type")
        if isinstance(kind, (dict, list)):
            return self.parse(kind, namespace, path)
        if not isinstance(kind, str):
            raise InvalidSchemaError("the schema has no 'type'", path)
        if kind in PRIMITIVES:
            schema: Schema = PrimitiveSchema(kind, _logical(node))
            _copy_logical_props(node, schema)
            return schema
        if kind in ("record", "error"):
            return self._record(node, namespace, path)
        if kind == "enum":
            return self._enum(node, namespace, path)
        if kind == "fixed":
            return self._fixed(node, namespace, path)
        if kind == "array":
            if "items" not in node:
                raise InvalidSchemaError("an array needs 'items'", path)
            array = ArraySchema(self.parse(node["items"], namespace, f"{path}/items"))
            array.self_contained = _contained(node["items"], array.items)
            return array
        if kind == "map":
            if "values" not in node:
                raise InvalidSchemaError("a map needs 'values'", path)
            map_schema = MapSchema(self.parse(node["values"], namespace, f"{path}/values"))
            map_schema.self_contained = _contained(node["values"], map_schema.values)
            return map_schema
        return self._reference(kind, namespace, path)

    def _reference(self, name: str, namespace: str, path: str) -> Schema:
        if name in PRIMITIVES:
            return PrimitiveSchema(name)
        if self.lazy:
            raise EagerParseNeeded(name)
        # Like Java's Names.get: the name in the current namespace first, then as written.
        if "." not in name and namespace and f"{namespace}.{name}" in self.named:
            return self.named[f"{namespace}.{name}"]
        if name in self.named:
            return self.named[name]
        raise InvalidSchemaError(f"unknown type {name!r}", path)

    def _union(self, branches: list[Any], namespace: str, path: str) -> UnionSchema:
        parsed: list[Schema] = []
        seen: set[str] = set()
        for index, branch in enumerate(branches):
            schema = self.parse(branch, namespace, f"{path}/{index}")
            if not self.trusted:
                if isinstance(schema, UnionSchema):
                    raise InvalidSchemaError(
                        "a union may not directly contain a union", f"{path}/{index}"
                    )
                key = schema.fullname if isinstance(schema, NamedSchema) else schema.type
                if key in seen:
                    raise InvalidSchemaError(f"the union contains {key!r} twice", f"{path}/{index}")
                seen.add(key)
            parsed.append(schema)
        union = UnionSchema(parsed)
        union.self_contained = all(map(_contained, branches, parsed))
        return union

    def _declare(
        self, node: dict[str, Any], namespace: str, path: str
    ) -> tuple[str, frozenset[str]]:
        name = node.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidSchemaError(f"a {node['type']} needs a 'name'", path)
        explicit = node.get("namespace")
        if explicit is not None and not isinstance(explicit, str):
            raise InvalidSchemaError("'namespace' must be a string", path)
        if "." in name:
            fullname = name
        else:
            space = explicit if explicit is not None else namespace
            fullname = f"{space}.{name}" if space else name
        if not self.trusted:
            for part in fullname.split("."):
                if not _NAME.match(part):
                    raise InvalidSchemaError(f"invalid name {fullname!r}", f"{path}/name")
            if fullname in PRIMITIVES:
                raise InvalidSchemaError(f"{fullname!r} is a primitive type name", f"{path}/name")
            if fullname in self.named:
                raise InvalidSchemaError(f"the type {fullname!r} is defined twice", path)
        own_space = fullname.rpartition(".")[0]
        aliases = node.get("aliases", ())
        if not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases):
            raise InvalidSchemaError("'aliases' must be a list of names", f"{path}/aliases")
        # A short alias is qualified with the type's own namespace, as Java does.
        qualified = frozenset(
            a if "." in a or not own_space else f"{own_space}.{a}" for a in aliases
        )
        return fullname, qualified

    def _record(self, node: dict[str, Any], namespace: str, path: str) -> RecordSchema:
        fullname, aliases = self._declare(node, namespace, path)
        record = RecordSchema(fullname, aliases)
        record.raw = node
        self.named[fullname] = record
        fields = node.get("fields")
        if not isinstance(fields, list):
            raise InvalidSchemaError("a record needs a 'fields' list", path)
        space = record.namespace
        index = record.field_index
        if self.lazy:
            builder = _LazyFieldType(self, space, path)
            for position, raw in enumerate(fields):
                name = raw["name"]
                field = Field(
                    name,
                    raw["type"],
                    position,
                    "default" in raw,
                    raw.get("default"),
                    tuple(raw.get("aliases", ())),
                    builder=builder,
                )
                record.fields.append(field)
                index[name] = field
            return record
        for position, raw in enumerate(fields):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise InvalidSchemaError("a field needs a 'name'", f"{path}/fields/{position}")
            name = raw["name"]
            if "type" not in raw:
                raise InvalidSchemaError(f"field {name!r} has no 'type'", f"{path}/fields/{name}")
            field = self._field(raw, name, space, position, path, index)
            if not _contained(raw["type"], field.schema):
                record.self_contained = False
            record.fields.append(field)
            index[name] = field
        return record

    def _field(
        self,
        raw: dict[str, Any],
        name: str,
        space: str,
        position: int,
        path: str,
        index: dict[str, Field],
    ) -> Field:
        field_path = f"{path}/fields/{name}"
        if not self.trusted:
            if not _NAME.match(name):
                raise InvalidSchemaError(f"invalid field name {name!r}", field_path)
            if name in index:
                raise InvalidSchemaError(f"duplicate field {name!r}", field_path)
        schema = self.parse(raw["type"], space, f"{field_path}/type")
        has_default = "default" in raw
        if has_default and not self.trusted and not is_valid_default(schema, raw["default"]):
            union_note = (
                " (a union's default must be valid for one of its branches)"
                if isinstance(schema, UnionSchema)
                else ""
            )
            raise InvalidSchemaError(
                f"the default {json.dumps(raw['default'])} of field {name!r} is not a valid "
                f"{schema.describe()}{union_note}",
                f"{field_path}/default",
            )
        aliases = raw.get("aliases", ())
        if not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases):
            raise InvalidSchemaError("'aliases' must be a list of names", f"{field_path}/aliases")
        return Field(
            name, raw["type"], position, has_default, raw.get("default"), tuple(aliases), schema
        )

    def _enum(self, node: dict[str, Any], namespace: str, path: str) -> EnumSchema:
        fullname, aliases = self._declare(node, namespace, path)
        symbols = node.get("symbols")
        if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
            raise InvalidSchemaError("an enum needs a 'symbols' list of strings", path)
        default = node.get("default")
        if not self.trusted:
            for symbol in symbols:
                if not _NAME.match(symbol):
                    raise InvalidSchemaError(f"invalid enum symbol {symbol!r}", f"{path}/symbols")
            if len(set(symbols)) != len(symbols):
                raise InvalidSchemaError("an enum symbol appears twice", f"{path}/symbols")
            if default is not None and default not in symbols:
                raise InvalidSchemaError(
                    f"the enum default {default!r} is not one of its symbols", f"{path}/default"
                )
        enum = EnumSchema(fullname, aliases, symbols, default)
        self.named[fullname] = enum
        return enum

    def _fixed(self, node: dict[str, Any], namespace: str, path: str) -> FixedSchema:
        fullname, aliases = self._declare(node, namespace, path)
        size = node.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidSchemaError("a fixed needs a non-negative integer 'size'", path)
        fixed = FixedSchema(fullname, aliases, size)
        fixed.logical_type = _logical(node)
        _copy_logical_props(node, fixed)
        self.named[fullname] = fixed
        return fixed


class _LazyFieldType:
    """Builds the types of one lazily parsed record's fields, on first use of each."""

    __slots__ = ("namespace", "parser", "path")

    def __init__(self, parser: _Parser, namespace: str, path: str) -> None:
        self.parser = parser
        self.namespace = namespace
        self.path = path

    def build_field_type(self, field: Field) -> Schema:
        return self.parser.parse(
            field.raw_type, self.namespace, f"{self.path}/fields/{field.name}/type"
        )


def _contained(node: Any, schema: Schema) -> bool:
    """Whether the subtree parsed from `node` refers to no named type by name."""
    if isinstance(node, str):
        return node in PRIMITIVES
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind not in PRIMITIVES and kind not in _DEFINITIONS:
            return False
    return schema.self_contained


def _logical(node: dict[str, Any]) -> str | None:
    logical = node.get("logicalType")
    return logical if isinstance(logical, str) else None


def _copy_logical_props(node: dict[str, Any], schema: Schema) -> None:
    for key in ("precision", "scale"):
        if key in node:
            schema.props[key] = node[key]


def is_valid_default(schema: Schema, value: Any) -> bool:
    """Whether `value` (decoded JSON) is a valid default for `schema`, as Java's
    Schema.Parser decides (tests/integration/test_compat_against_java.py checks it)."""
    kind = schema.type
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if kind in ("float", "double"):
        if isinstance(value, str):
            return value in ("NaN", "Infinity", "-Infinity")
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in ("bytes", "string"):
        return isinstance(value, str)
    if isinstance(schema, FixedSchema):
        return isinstance(value, str)  # Java checks the JSON type, not the length
    if isinstance(schema, EnumSchema):
        return isinstance(value, str) and value in schema.symbols
    if isinstance(schema, ArraySchema):
        return isinstance(value, list) and all(is_valid_default(schema.items, v) for v in value)
    if isinstance(schema, MapSchema):
        return isinstance(value, dict) and all(
            is_valid_default(schema.values, v) for v in value.values()
        )
    if isinstance(schema, RecordSchema):
        if not isinstance(value, dict):
            return False
        return all(
            is_valid_default(f.schema, value[f.name]) if f.name in value else f.has_default
            for f in schema.fields
        )
    if isinstance(schema, UnionSchema):
        # The specification says the first branch; Java (the contract here) accepts any.
        return any(is_valid_default(branch, value) for branch in schema.branches)
    return False
