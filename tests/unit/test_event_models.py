"""The pydantic event models and the .avsc files must describe the same records: the same
fields in the same order, each of the same Avro type (int is not long, string is not bytes),
nullability and default."""

from __future__ import annotations

import types
import typing
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import pytest
from annotated_types import Le
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from meshgov.codec.schemas import load_event_schemas
from meshgov.models.events import EVENT_TYPES, Event, Record

PRIMITIVES: dict[type, str] = {str: "string", bool: "boolean", float: "double", bytes: "bytes"}


def _named(schema: Any, named: dict[str, Any]) -> Any:
    return named.get(schema, schema) if isinstance(schema, str) else schema


def _type_name(schema: Any) -> str:
    return schema if isinstance(schema, str) else str(schema["type"])


def _compare_type(
    annotation: Any, info: FieldInfo | None, avro: Any, named: dict[str, Any], path: str
) -> None:
    avro = _named(avro, named)
    metadata = list(info.metadata) if info else []
    while typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata += extra
    if annotation is int:
        fits_int = any(isinstance(m, Le) and int(m.le) <= 2**31 - 1 for m in metadata)
        assert _type_name(avro) == ("int" if fits_int else "long"), f"{path}: int vs long"
    elif annotation in (datetime, AwareDatetime):
        assert (_type_name(avro), avro.get("logicalType")) == ("long", "timestamp-millis"), path
    elif annotation in PRIMITIVES:
        assert _type_name(avro) == PRIMITIVES[annotation], f"{path}: {annotation} vs {avro}"
    elif isinstance(annotation, type) and issubclass(annotation, StrEnum):
        assert avro["type"] == "enum", path
        assert [m.value for m in annotation] == avro["symbols"], f"{path}: symbols"
    elif isinstance(annotation, type) and issubclass(annotation, Record):
        assert avro["type"] == "record", path
        _compare(annotation, avro, named, path)
    elif typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        assert avro["type"] == "array", path
        _compare_type(item, None, avro["items"], named, f"{path}[]")
    elif typing.get_origin(annotation) is dict:
        key, value = typing.get_args(annotation)
        assert (key, avro["type"]) == (str, "map"), path
        _compare_type(value, None, avro["values"], named, f"{path}{{}}")
    elif _is_optional(annotation):
        assert isinstance(avro, list), path
        assert avro[0] == "null", f"{path}: null comes first"
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        (other,) = [t for t in avro if t != "null"]
        _compare_type(inner, info, other, named, path)
    else:
        raise AssertionError(f"{path}: no Avro counterpart known for {annotation!r}")


def _is_optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and (
        type(None) in typing.get_args(annotation)
    )


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    default = info.default
    return default.value if isinstance(default, StrEnum) else default


def _compare(
    model: type[BaseModel], schema: dict[str, Any], named: dict[str, Any], path: str
) -> None:
    avro_fields = schema["fields"]
    assert list(model.model_fields) == [f["name"] for f in avro_fields], f"{path}: field order"
    for avro_field in avro_fields:
        name = avro_field["name"]
        info = model.model_fields[name]
        where = f"{path}.{name}"
        nullable = isinstance(avro_field["type"], list) and "null" in avro_field["type"]
        assert nullable == _is_optional(info.annotation), f"{where}: nullability differs"
        assert ("default" in avro_field) == (not info.is_required()), f"{where}: default"
        if "default" in avro_field:
            assert avro_field["default"] == _default(info), f"{where}: default value"
        _compare_type(info.annotation, info, avro_field["type"], named, where)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_model_matches_its_avro_schema(event_type: type[Event]) -> None:
    schemas = load_event_schemas()
    schema = schemas.get(event_type.avro_name)
    _compare(event_type, schema.parsed, schemas._named, event_type.__name__)


def test_every_top_level_schema_but_shared_records_has_a_model() -> None:
    names = {s.name for s in load_event_schemas()}
    assert names - {t.avro_name for t in EVENT_TYPES} == {"meshgov.events.Finding"}


def test_the_comparison_catches_int_versus_long() -> None:
    class Narrow(Record):
        count: int

    schema = {"type": "record", "name": "N", "fields": [{"name": "count", "type": "int"}]}
    with pytest.raises(AssertionError, match="int vs long"):
        _compare(Narrow, schema, {}, "Narrow")
