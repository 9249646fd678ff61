"""Parsing Avro schema JSON into a Schema tree, validated as Java's Schema.Parser (1.12)
validates: valid names, no duplicate fields, symbols, union branches or type definitions,
defaults valid for their type, and Java's name resolution (a short name or alias resolves
against the enclosing namespace first).

Given a `base`, the tree of an earlier version of the same schema, the parse reuses every
record field of the base whose JSON is equal, whose enclosing namespace is the same and
which refers to no named type by name: such a field was validated in the same context and
means the same, so only the fields that changed are built. The result is the tree a parse
without a base gives, node for node, except that unchanged fields are shared objects.
"""

from __future__ import annotations

import json
from itertools import islice
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

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_KINDS = "a primitive type or one of record, error, enum, fixed, array, map"
_NO_ALIASES: frozenset[str] = frozenset()


class InvalidSchemaError(ValueError):
    """The schema cannot be used; `path` points at the offending spot (JSON-pointer style)."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path or "/"

    def __str__(self) -> str:
        return f"{self.reason} (at {self.path})"

    def within(self, step: str) -> InvalidSchemaError:
        """The error seen from the enclosing schema: `step` leads from it to this one."""
        self.path = step + ("" if self.path == "/" else self.path)
        return self


def _bare(name: str) -> PrimitiveSchema:
    schema = PrimitiveSchema(name)
    schema.raw = name
    return schema


# A primitive written by name carries nothing else, so one node serves every occurrence.
_BARE = {name: _bare(name) for name in PRIMITIVES}


def load_json(source: Any) -> Any:
    """Schema JSON from its source: a str is JSON text, except that a primitive type's name
    alone ("string", as YAML and JSON Lines values give it, which is not JSON text) is that
    primitive; anything else is taken as JSON already decoded. The text null is JSON's null,
    not a schema; the null type is the JSON string "null"."""
    if not isinstance(source, str):
        return source
    if source in PRIMITIVES and source != "null":  # the text null is JSON's null
        return source
    try:
        return json.loads(source)
    except RecursionError:
        raise InvalidSchemaError("the schema nests too deeply to be read") from None
    except json.JSONDecodeError as exc:
        hint = ""
        if _valid_fullname(source.strip()):
            hint = f'; a type name alone is written as a JSON string, "\\"{source.strip()}\\""'
        raise InvalidSchemaError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}"
        ) from None


def parse_schema(source: Any, base: Schema | None = None) -> Schema:
    """Parse and validate a schema: JSON text or its decoded form (see load_json). `base` is
    the tree of an earlier version whose unchanged fields may be reused."""
    return parse_decoded(load_json(source), base)


def parse_decoded(node: Any, base: Schema | None = None) -> Schema:
    """Parse and validate decoded schema JSON (a str here is a type name, never JSON text)."""
    try:
        return _Parser().parse(node, "", base)
    except RecursionError:
        raise InvalidSchemaError("the schema nests too deeply to be read") from None


class _Parser:
    """One document's parse. Errors are raised with the path within the node at hand; each
    enclosing node prefixes its own step on the way out, so no path is built otherwise."""

    __slots__ = ("named",)

    def __init__(self) -> None:
        self.named: dict[str, NamedSchema] = {}

    def parse(self, node: Any, namespace: str, base: Schema | None = None) -> Schema:
        if not isinstance(node, dict):
            if isinstance(node, str):
                return self._reference(node, namespace)
            if isinstance(node, list):
                return self._union(node, namespace)
            hint = ' (the null type is the JSON string "null")' if node is None else ""
            raise InvalidSchemaError(
                f"a schema must be a string, object or array, not {_show(node)}{hint}"
            )
        kind = node.get("type")
        if not isinstance(kind, str):
            if kind is None:
                raise InvalidSchemaError("the schema has no 'type'")
            raise InvalidSchemaError(
                f"'type' must name {_KINDS}, not {_show(kind)[:60]} (a nested schema is "
                f"written in place of the object that holds it)",
                "/type",
            )
        schema: Schema
        if kind in PRIMITIVES:
            schema = PrimitiveSchema(kind, _logical(node))
            for key in ("precision", "scale"):
                if key in node:
                    schema.props[key] = node[key]
        elif kind in ("record", "error"):
            schema = self._record(node, namespace, base)
        elif kind == "enum":
            schema = self._enum(node, namespace)
        elif kind == "fixed":
            schema = self._fixed(node, namespace)
        elif kind == "array":
            if "items" not in node:
                raise InvalidSchemaError("an array needs 'items'")
            items = node["items"]
            try:
                inner = self.parse(
                    items, namespace, base.items if isinstance(base, ArraySchema) else None
                )
            except InvalidSchemaError as exc:
                raise exc.within("/items") from None
            schema = ArraySchema(inner)
            _inherit(schema, items, inner)
        elif kind == "map":
            if "values" not in node:
                raise InvalidSchemaError("a map needs 'values'")
            values = node["values"]
            try:
                inner = self.parse(
                    values, namespace, base.values if isinstance(base, MapSchema) else None
                )
            except InvalidSchemaError as exc:
                raise exc.within("/values") from None
            schema = MapSchema(inner)
            _inherit(schema, values, inner)
        else:
            known = kind in self.named or (
                "." not in kind and namespace and f"{namespace}.{kind}" in self.named
            )
            note = f"; a reference to {kind} is written as the bare name" if known else ""
            raise InvalidSchemaError(f"'type' must be {_KINDS}, not {kind!r}{note}")
        if schema.type != "record":
            schema.raw = node
        return schema

    def _reference(self, name: str, namespace: str) -> Schema:
        bare = _BARE.get(name)
        if bare is not None:
            return bare
        # Like Java's Names.get: the name in the current namespace first, then as written.
        if namespace and "." not in name:
            found = self.named.get(f"{namespace}.{name}")
            if found is not None:
                return found
        found = self.named.get(name)
        if found is not None:
            return found
        raise InvalidSchemaError(f"unknown type {name!r}")

    def _union(self, branches: list[Any], namespace: str) -> UnionSchema:
        parsed: list[Schema] = []
        seen: set[str] = set()
        contained = reflexive = True
        for index, branch in enumerate(branches):
            try:
                schema = self.parse(branch, namespace)
                if isinstance(schema, UnionSchema):
                    raise InvalidSchemaError("a union may not directly contain a union")
                key = schema.fullname if isinstance(schema, NamedSchema) else schema.type
                if key in seen:
                    raise InvalidSchemaError(f"the union contains {key!r} twice")
            except InvalidSchemaError as exc:
                raise exc.within(f"/{index}") from None
            seen.add(key)
            parsed.append(schema)
            if not (branch in PRIMITIVES if isinstance(branch, str) else schema.self_contained):
                contained = reflexive = False
            elif not schema.reflexive:
                reflexive = False
        union = UnionSchema(parsed)
        union.raw = branches
        union.self_contained = contained
        union.reflexive = reflexive
        return union

    def _declare(self, node: dict[str, Any], namespace: str) -> tuple[str, frozenset[str]]:
        name = node.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidSchemaError(f"a {node['type']} needs a 'name'")
        explicit = node.get("namespace")
        if explicit is not None and not isinstance(explicit, str):
            raise InvalidSchemaError("'namespace' must be a string")
        if "." in name:
            fullname = name
        else:
            space = explicit if explicit is not None else namespace
            fullname = f"{space}.{name}" if space else name
        if not _valid_fullname(fullname):
            raise InvalidSchemaError(f"invalid name {fullname!r}", "/name")
        if fullname in PRIMITIVES:
            raise InvalidSchemaError(f"{fullname!r} is a primitive type name", "/name")
        if fullname in self.named:
            raise InvalidSchemaError(f"the type {fullname!r} is defined twice")
        aliases = node.get("aliases")
        if not aliases:
            if aliases is None or isinstance(aliases, (list, tuple)):
                return fullname, _NO_ALIASES
            raise InvalidSchemaError("'aliases' must be a list of names", "/aliases")
        if not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases):
            raise InvalidSchemaError("'aliases' must be a list of names", "/aliases")
        # A short alias is qualified with the type's own namespace, as Java does.
        own_space = fullname.rpartition(".")[0]
        qualified = frozenset(
            a if "." in a or not own_space else f"{own_space}.{a}" for a in aliases
        )
        return fullname, qualified

    def _record(self, node: dict[str, Any], namespace: str, base: Schema | None) -> RecordSchema:
        fullname, aliases = self._declare(node, namespace)
        record = RecordSchema(fullname, aliases)
        named = self.named
        named[fullname] = record
        fields = node.get("fields")
        if not isinstance(fields, list):
            raise InvalidSchemaError("a record needs a 'fields' list")
        space = record.namespace
        earlier = base.field_index if isinstance(base, RecordSchema) else None
        reusable = isinstance(base, RecordSchema) and base.namespace == space
        out = record.fields
        index = record.field_index
        always: list[Field] = []
        contained = reflexive = True
        for position, raw in enumerate(fields):
            name = raw.get("name") if isinstance(raw, dict) else None
            if not isinstance(name, str):
                raise InvalidSchemaError("a field needs a 'name'", f"/fields/{position}")
            if name in index:
                raise InvalidSchemaError(f"duplicate field {name!r}", f"/fields/{name}")
            before = earlier.get(name) if earlier is not None else None
            if reusable and before is not None and before.contained and before.raw == raw:
                for definition in before.definitions:
                    if definition.fullname in named:
                        raise InvalidSchemaError(
                            f"the type {definition.fullname!r} is defined twice",
                            f"/fields/{name}/type",
                        )
                    named[definition.fullname] = definition
                field = before
            else:
                try:
                    field = self._field(raw, name, space, before)
                except InvalidSchemaError as exc:
                    raise exc.within(f"/fields/{name}") from None
            out.append(field)
            index[name] = field
            if not field.reflexive:
                reflexive = False
                contained = contained and field.contained
                always.append(field)
            elif field.aliases:
                always.append(field)
        if reflexive:
            # Java finds a field through its name and its aliases; more than one match is
            # an error even when a record is read with itself.
            reflexive = not any(a in index for f in always for a in f.aliases)
        record.self_contained = contained
        record.reflexive = reflexive
        record.field_set = frozenset(out)
        record.always = tuple(always)
        return record

    def _field(self, raw: dict[str, Any], name: str, space: str, before: Field | None) -> Field:
        if not (name.isascii() and name.isidentifier()):
            raise InvalidSchemaError(f"invalid field name {name!r}")
        if "type" not in raw:
            raise InvalidSchemaError(f"field {name!r} has no 'type'")
        raw_type = raw["type"]
        named = self.named
        defined = len(named)
        bare = _BARE.get(raw_type) if isinstance(raw_type, str) else None
        if bare is not None:
            schema: Schema = bare
        else:
            try:
                schema = self.parse(raw_type, space, before.schema if before is not None else None)
            except InvalidSchemaError as exc:
                raise exc.within("/type") from None
        if "default" in raw and not is_valid_default(schema, raw["default"]):
            union_note = (
                " (a union's default must be valid for one of its branches)"
                if isinstance(schema, UnionSchema)
                else ""
            )
            raise InvalidSchemaError(
                f"the default {_show(raw['default'])} of field {name!r} is not a valid "
                f"{schema.describe()}{union_note}",
                "/default",
            )
        aliases = raw.get("aliases")
        if aliases is not None and (
            not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases)
        ):
            raise InvalidSchemaError("'aliases' must be a list of names", "/aliases")
        definitions = tuple(islice(named.values(), defined, None)) if len(named) > defined else ()
        contained = raw_type in PRIMITIVES if isinstance(raw_type, str) else schema.self_contained
        return Field(raw, schema, contained, definitions)

    def _enum(self, node: dict[str, Any], namespace: str) -> EnumSchema:
        fullname, aliases = self._declare(node, namespace)
        symbols = node.get("symbols")
        if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
            raise InvalidSchemaError("an enum needs a 'symbols' list of strings")
        for symbol in symbols:
            if not (symbol.isascii() and symbol.isidentifier()):
                raise InvalidSchemaError(f"invalid enum symbol {symbol!r}", "/symbols")
        if len(set(symbols)) != len(symbols):
            raise InvalidSchemaError("an enum symbol appears twice", "/symbols")
        default = node.get("default")
        if default is not None and default not in symbols:
            raise InvalidSchemaError(
                f"the enum default {default!r} is not one of its symbols", "/default"
            )
        enum = EnumSchema(fullname, aliases, symbols, default)
        self.named[fullname] = enum
        return enum

    def _fixed(self, node: dict[str, Any], namespace: str) -> FixedSchema:
        fullname, aliases = self._declare(node, namespace)
        size = node.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidSchemaError("a fixed needs a non-negative integer 'size'")
        fixed = FixedSchema(fullname, aliases, size)
        fixed.logical_type = _logical(node)
        for key in ("precision", "scale"):
            if key in node:
                fixed.props[key] = node[key]
        self.named[fullname] = fixed
        return fixed


def _valid_fullname(name: str) -> bool:
    # An ASCII identifier is exactly Avro's [A-Za-z_][A-Za-z0-9_]*.
    return name.isascii() and all(part.isidentifier() for part in name.split("."))


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _contained(node: Any, schema: Schema) -> bool:
    """Whether the subtree written as `node` refers to no named type by name."""
    if isinstance(node, str):
        return node in PRIMITIVES
    return schema.self_contained


def _inherit(container: Schema, node: Any, inner: Schema) -> None:
    container.self_contained = _contained(node, inner)
    container.reflexive = container.self_contained and inner.reflexive


def _logical(node: dict[str, Any]) -> str | None:
    logical = node.get("logicalType")
    return logical if isinstance(logical, str) else None


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
