"""The parsed Avro schema tree. Nodes are plain slotted objects: resolution walks them a lot.

A tree is never changed once parsed, so parsed trees can share nodes: a version of a schema
parsed beside an earlier one reuses the earlier one's unchanged fields (see the parser)."""

from __future__ import annotations

from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


class Schema:
    """A node of the tree. `raw` is the JSON it was parsed from, except for a record (None):
    records are compared field by field, and a version parsed beside an earlier one then
    keeps no JSON of the fields it shares with it.

    `self_contained`: the subtree refers to no named type by name, so it means the same in
    any document. `reflexive`: besides, it resolves against itself (a record field whose alias
    names a field of the same record does not, in Java), so two such subtrees with equal `raw`
    are compatible without looking further."""

    __slots__ = ("logical_type", "props", "raw", "reflexive", "self_contained", "type")

    def __init__(self, type_: str, logical_type: str | None = None) -> None:
        self.type = type_
        self.logical_type = logical_type
        self.props: dict[str, Any] = {}
        self.raw: Any = None
        self.self_contained = True
        self.reflexive = True

    def describe(self) -> str:
        return self.type


class PrimitiveSchema(Schema):
    __slots__ = ()

    def describe(self) -> str:
        return f"{self.type} ({self.logical_type})" if self.logical_type else self.type


class NamedSchema(Schema):
    __slots__ = ("aliases", "fullname", "name", "namespace")

    def __init__(self, type_: str, fullname: str, aliases: frozenset[str]) -> None:
        super().__init__(type_)
        self.fullname = fullname
        self.namespace, _, self.name = fullname.rpartition(".")
        self.aliases = aliases

    def describe(self) -> str:
        return f"{self.type} {self.fullname}"


class Field:
    """A record field. `raw` is the field's JSON object, `raw_type` its "type".

    `contained` and `reflexive` are Schema's flags for the field's type *at this position*: a
    type written by name is neither, even though the definition it names may be.
    `definitions` are the named types defined inside the field's type, in document order.
    `canonical` is the field's JSON in canonical form, once a cache has computed it."""

    __slots__ = (
        "aliases",
        "canonical",
        "contained",
        "default",
        "definitions",
        "has_default",
        "name",
        "raw",
        "raw_type",
        "reflexive",
        "schema",
    )

    def __init__(
        self,
        raw: dict[str, Any],
        schema: Schema,
        contained: bool,
        definitions: tuple[NamedSchema, ...] = (),
    ) -> None:
        self.raw = raw
        self.name: str = raw["name"]
        self.raw_type = raw["type"]
        self.has_default = "default" in raw
        self.default = raw.get("default")
        aliases = raw.get("aliases")
        self.aliases: tuple[str, ...] = tuple(aliases) if aliases else ()
        self.schema = schema
        self.contained = contained
        self.reflexive = contained and schema.reflexive
        self.definitions = definitions
        self.canonical: str | None = None


class RecordSchema(NamedSchema):
    """`field_set` holds the fields as objects, so that the fields two trees share are found
    at the speed of a set difference; `always` are those that need checking even when
    shared (not reflexive, or with aliases, which may match other fields)."""

    __slots__ = ("always", "field_index", "field_set", "fields")

    def __init__(self, fullname: str, aliases: frozenset[str]) -> None:
        super().__init__("record", fullname, aliases)
        self.fields: list[Field] = []
        self.field_index: dict[str, Field] = {}
        self.field_set: frozenset[Field] = frozenset()
        self.always: tuple[Field, ...] = ()


class EnumSchema(NamedSchema):
    __slots__ = ("default", "symbols")

    def __init__(
        self, fullname: str, aliases: frozenset[str], symbols: list[str], default: str | None
    ) -> None:
        super().__init__("enum", fullname, aliases)
        self.symbols = symbols
        self.default = default


class FixedSchema(NamedSchema):
    __slots__ = ("size",)

    def __init__(self, fullname: str, aliases: frozenset[str], size: int) -> None:
        super().__init__("fixed", fullname, aliases)
        self.size = size


class ArraySchema(Schema):
    __slots__ = ("items",)

    def __init__(self, items: Schema) -> None:
        super().__init__("array")
        self.items = items


class MapSchema(Schema):
    __slots__ = ("values",)

    def __init__(self, values: Schema) -> None:
        super().__init__("map")
        self.values = values


class UnionSchema(Schema):
    __slots__ = ("branches",)

    def __init__(self, branches: list[Schema]) -> None:
        super().__init__("union")
        self.branches = branches

    def describe(self) -> str:
        return "union [" + ", ".join(b.describe() for b in self.branches) + "]"
