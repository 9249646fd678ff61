"""Apache Avro schemas as meshgov reasons about them: a parsed tree with the names,
namespaces, aliases and defaults that schema resolution needs."""

from meshgov.avro.cache import ParsedSchema, SchemaCache
from meshgov.avro.parser import InvalidSchemaError, load_json, parse_schema
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
    "ParsedSchema",
    "PrimitiveSchema",
    "RecordSchema",
    "Schema",
    "SchemaCache",
    "UnionSchema",
    "load_json",
    "parse_schema",
]
