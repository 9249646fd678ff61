"""Apache Avro schemas as meshgov reasons about them: a parsed tree with the names,
namespaces, aliases and defaults that schema resolution needs."""

from meshgov.avro.parser import InvalidSchemaError, parse_schema
from meshgov.avro.schema import (
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

__all__ = [
    "ArraySchema",
    "EnumSchema",
    "Field",
    "FixedSchema",
    "InvalidSchemaError",
    "MapSchema",
    "NamedSchema",
    "PrimitiveSchema",
    "RecordSchema",
    "Schema",
    "UnionSchema",
    "parse_schema",
]
