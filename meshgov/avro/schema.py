"""The parsed Avro schema tree. Nodes are plain slotted objects: resolution walks them a lot."""

from __future__ import annotations

from typing import Any, Protocol

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


class Schema:
    """A node of the tree. `raw` is the JSON it was parsed from; `self_contained` says that
    the subtree refers to no named type by name, so two such subtrees with equal `raw`
    describe the same data (a by-name reference could point at different definitions)."""

    __slots__ = ("logical_type", "props", "raw", "self_contained", "type")

    def __init__(self, type_: str, logical_type: str | None = None) -> None:
        self.type = type_
        self.logical_type = logical_type
        self.props: dict[str, Any] = {}
        self.raw: Any = None
        self.self_contained = True

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


class SchemaBuilder(Protocol):
    def build_field_type(self, field: Field) -> Schema: ...


class Field:
    """A record field. Its schema may be built on first use (see parser's trusted mode)."""

    __slots__ = (
        "_builder",
        "aliases",
        "built",
        "default",
        "has_default",
        "name",
        "position",
        "raw_type",
    )

    def __init__(
        self,
        name: str,
        raw_type: Any,
        position: int,
        has_default: bool,
        default: Any,
        aliases: tuple[str, ...],
        schema: Schema | None = None,
        builder: SchemaBuilder | None = None,
    ) -> None:
        self.name = name
        self.raw_type = raw_type
        self.position = position
        self.has_default = has_default
        self.default = default
        self.aliases = aliases
        self.built = schema  # the schema once built; None while a lazy field is untouched
        self._builder = builder

    @property
    def schema(self) -> Schema:
        if self.built is None:
            assert self._builder is not None
            self.built = self._builder.build_field_type(self)
            self._builder = None
        return self.built


class RecordSchema(NamedSchema):
    __slots__ = ("field_index", "fields")

    def __init__(self, fullname: str, aliases: frozenset[str]) -> None:
        super().__init__("record", fullname, aliases)
        self.fields: list[Field] = []
        self.field_index: dict[str, Field] = {}


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
