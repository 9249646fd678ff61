"""An Avro record schema and an ODCS schema object's properties, each built from the other.

ODCS types a property with a `logicalType` (string, integer, number, boolean, date,
timestamp, time, object, array) and a source-specific `physicalType`; `required` says
whether it may be null. To Avro: `physicalType` wins where it names an Avro type (long,
timestamp-micros, decimal(10,2)...) or a common SQL one, nested objects become records and
arrays arrays, and an optional property becomes a union with null, default null. From Avro,
each field gives its property with the Avro type as `physicalType`, so the Avro schema
built back from it is the same where ODCS can say it; what ODCS cannot say (unions of
several types, enums, fixed sizes, defaults) survives a round trip only through the exact
schema the export embeds beside the properties."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from open_data_contract_standard.model import SchemaProperty

from meshgov.contracts.origin import Note
from meshgov.models.events import Severity

AVRO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_LOGICAL_AVRO: dict[str, dict[str, str]] = {
    "date": {"type": "int", "logicalType": "date"},
    "time-millis": {"type": "int", "logicalType": "time-millis"},
    "time-micros": {"type": "long", "logicalType": "time-micros"},
    "timestamp-millis": {"type": "long", "logicalType": "timestamp-millis"},
    "timestamp-micros": {"type": "long", "logicalType": "timestamp-micros"},
    "local-timestamp-millis": {"type": "long", "logicalType": "local-timestamp-millis"},
    "local-timestamp-micros": {"type": "long", "logicalType": "local-timestamp-micros"},
    "uuid": {"type": "string", "logicalType": "uuid"},
}
_SQL: dict[str, Any] = {
    "varchar": "string",
    "char": "string",
    "text": "string",
    "string": "string",
    "bigint": "long",
    "int64": "long",
    "integer": "int",
    "int32": "int",
    "smallint": "int",
    "tinyint": "int",
    "double": "double",
    "float8": "double",
    "real": "float",
    "float4": "float",
    "bool": "boolean",
    "binary": "bytes",
    "varbinary": "bytes",
    "bytea": "bytes",
    "timestamp": _LOGICAL_AVRO["timestamp-millis"],
    "timestamptz": _LOGICAL_AVRO["timestamp-millis"],
    "datetime": _LOGICAL_AVRO["timestamp-millis"],
    "time": _LOGICAL_AVRO["time-millis"],
}
_BY_LOGICAL: dict[str, Any] = {
    "string": "string",
    "integer": "long",
    "number": "double",
    "boolean": "boolean",
    "date": _LOGICAL_AVRO["date"],
    "timestamp": _LOGICAL_AVRO["timestamp-millis"],
    "time": _LOGICAL_AVRO["time-millis"],
}
_DECIMAL = re.compile(r"^(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$", re.IGNORECASE)


def record_name(name: str) -> str:
    """`order-lines` -> `OrderLines`: an Avro record name from any ODCS name."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    pascal = "".join(w[:1].upper() + w[1:] for w in words) or "Record"
    return pascal if pascal[0].isalpha() else f"R{pascal}"


class _Names:
    """Avro needs every named type's name once per schema."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.used:
            n += 1
            name = f"{wanted}{n}"
        self.used.add(name)
        return name


def properties_to_avro(
    properties: list[SchemaProperty], name: str, doc: str | None, path: str, notes: list[Note]
) -> dict[str, Any]:
    """The Avro record of an ODCS schema object; what cannot become Avro is a note."""
    return _record(properties, record_name(name), doc, path, notes, _Names())


def _record(
    properties: list[SchemaProperty],
    name: str,
    doc: str | None,
    path: str,
    notes: list[Note],
    names: _Names,
) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "record", "name": names.take(name), "fields": []}
    if doc:
        record["doc"] = doc
    seen: set[str] = set()
    for index, prop in enumerate(properties):
        where = f"{path}.properties[{index}]"
        field_name = prop.name or ""
        if not AVRO_NAME.match(field_name):
            notes.append(
                Note(
                    f"{where}.name",
                    f"{field_name!r} is not an Avro field name (letters, digits and '_', "
                    f"not starting with a digit)",
                    Severity.ERROR,
                )
            )
            continue
        if field_name in seen:
            notes.append(Note(f"{where}.name", f"{field_name!r} appears twice", Severity.ERROR))
            continue
        seen.add(field_name)
        kind = _value_type(prop, where, notes, names)
        field: dict[str, Any] = {"name": field_name}
        if prop.required:
            field["type"] = kind
        else:
            field["type"], field["default"] = ["null", kind], None
        if prop.description:
            field["doc"] = prop.description
        record["fields"].append(field)
    return record


def _value_type(prop: SchemaProperty, where: str, notes: list[Note], names: _Names) -> Any:
    logical = (prop.logicalType or "").lower()
    physical = (prop.physicalType or "").strip()
    if physical.lower() == "map" and not prop.properties:
        notes.append(Note(where, "a map: its values are read as strings", Severity.INFO))
        return {"type": "map", "values": "string"}
    if physical.lower() in ("enum", "fixed"):
        kind = "string" if physical.lower() == "enum" else "bytes"
        notes.append(Note(where, f"an Avro {physical.lower()}: read as {kind}", Severity.INFO))
        return kind
    if logical == "object" or (not logical and prop.properties):
        return _record(
            prop.properties or [], record_name(prop.name or "Nested"), None, where, notes, names
        )
    if logical == "array" or (not logical and prop.items is not None):
        if prop.items is None:
            notes.append(Note(f"{where}.items", "an array without items: read as strings"))
            return {"type": "array", "items": "string"}
        items = _value_type(prop.items, f"{where}.items", notes, names)
        return {"type": "array", "items": items}
    if physical:
        found = _physical(physical)
        if found is not None:
            return found
    if logical in _BY_LOGICAL:
        return _BY_LOGICAL[logical]
    if logical or physical:
        said = f"logicalType {prop.logicalType!r}" if logical else f"physicalType {physical!r}"
        notes.append(Note(where, f"{said} has no Avro type; read as a string"))
    else:
        notes.append(Note(where, "no logicalType or physicalType; read as a string"))
    return "string"


def _physical(physical: str) -> Any:
    lowered = physical.lower()
    if lowered in _PRIMITIVES - {"null"}:
        return lowered
    if lowered in _LOGICAL_AVRO:
        return _LOGICAL_AVRO[lowered]
    if match := _DECIMAL.match(physical):
        precision, scale = int(match.group(1)), int(match.group(2) or 0)
        return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    base = re.sub(r"\s*\(.*\)$", "", lowered)
    return _SQL.get(base)


def avro_to_properties(schema: Any) -> list[SchemaProperty]:
    """The properties of an Avro record schema (a dict, or its JSON already parsed)."""
    if not isinstance(schema, dict) or schema.get("type") not in ("record", "error"):
        return []
    fields = schema.get("fields")
    if not isinstance(fields, list):
        return []
    return [_property(field) for field in fields if isinstance(field, dict)]


def _property(field: dict[str, Any]) -> SchemaProperty:
    kind = field.get("type")
    required = True
    if isinstance(kind, list):
        branches = [b for b in kind if b != "null"]
        required = len(branches) == len(kind)
        kind = branches[0] if len(branches) == 1 else branches
    prop = _typed(kind)
    return prop.model_copy(
        update={
            "name": str(field.get("name")),
            "required": required,
            "description": doc if isinstance(doc := field.get("doc"), str) and doc else None,
        }
    )


def _typed(kind: Any) -> SchemaProperty:
    if isinstance(kind, list):
        names = ",".join(_type_name(k) for k in kind)
        return SchemaProperty(physicalType=f"union<{names}>")
    if isinstance(kind, str):
        return SchemaProperty(logicalType=_LOGICAL_OF.get(kind, "string"), physicalType=kind)
    if not isinstance(kind, dict):
        return SchemaProperty(physicalType=str(kind))
    base, logical = kind.get("type"), kind.get("logicalType")
    if base in ("record", "error"):
        return SchemaProperty(logicalType="object", properties=avro_to_properties(kind))
    if base == "array":
        return SchemaProperty(logicalType="array", items=_typed(kind.get("items")))
    if base == "map":
        return SchemaProperty(logicalType="object", physicalType="map")
    if base == "enum":
        return SchemaProperty(logicalType="string", physicalType="enum")
    if logical == "decimal":
        precision, scale = kind.get("precision"), kind.get("scale", 0)
        return SchemaProperty(logicalType="number", physicalType=f"decimal({precision},{scale})")
    if isinstance(logical, str) and logical in _LOGICAL_AVRO:
        odcs = {"date": "date", "uuid": "string"}.get(logical)
        odcs = odcs or ("time" if logical.startswith("time-") else "timestamp")
        return SchemaProperty(logicalType=odcs, physicalType=logical)
    return _typed(base) if isinstance(base, str) else SchemaProperty(physicalType=str(base))


_LOGICAL_OF = {
    "string": "string",
    "bytes": "string",
    "int": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
}


def _type_name(kind: Any) -> str:
    if isinstance(kind, dict):
        return str(kind.get("name") or kind.get("logicalType") or kind.get("type"))
    return str(kind)


def shape(properties: list[SchemaProperty] | None) -> list[Any]:
    """What of the properties an Avro schema decides: names, types, nullability, nesting."""
    return [
        (
            p.name,
            (p.logicalType or "").lower(),
            (p.physicalType or "").lower(),
            bool(p.required),
            shape(p.properties),
            shape([p.items]) if p.items is not None else [],
        )
        for p in properties or []
    ]


def property_paths(
    properties: list[SchemaProperty] | None, path: str, prefix: str = ""
) -> Iterator[tuple[str, str, SchemaProperty]]:
    """(dotted field path as the PII check names it, ODCS path, property) of every
    property, nested ones included; an array's items add no segment, as in Avro paths."""
    for index, prop in enumerate(properties or []):
        where = f"{path}.properties[{index}]"
        dotted = f"{prefix}{prop.name}"
        yield dotted, where, prop
        yield from property_paths(prop.properties, where, f"{dotted}.")
        item, item_where = prop.items, f"{where}.items"
        while item is not None:
            yield from property_paths(item.properties, item_where, f"{dotted}.")
            item, item_where = item.items, f"{item_where}.items"
