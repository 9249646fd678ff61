"""The pydantic event models and the .avsc files must describe the same records."""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel

from meshgov.codec.schemas import load_event_schemas
from meshgov.models.events import EVENT_TYPES, Event, Record


def _named(schema: Any, named: dict[str, Any]) -> Any:
    return named.get(schema, schema) if isinstance(schema, str) else schema


def _compare(
    model: type[BaseModel], schema: dict[str, Any], named: dict[str, Any], path: str
) -> None:
    avro_fields = {f["name"]: f for f in schema["fields"]}
    model_fields = model.model_fields
    assert set(model_fields) == set(avro_fields), f"{path}: fields differ"
    for name, info in model_fields.items():
        avro_type = _named(avro_fields[name]["type"], named)
        annotation = info.annotation
        nullable = isinstance(avro_type, list) and "null" in avro_type
        args = typing.get_args(annotation)
        model_nullable = typing.get_origin(annotation) in (typing.Union, types.UnionType) and (
            type(None) in args
        )
        assert nullable == model_nullable, f"{path}.{name}: nullability differs"
        if nullable:
            avro_type = _named(next(t for t in avro_type if t != "null"), named)
            annotation = next(a for a in args if a is not type(None))
        assert ("default" in avro_fields[name]) == (not info.is_required()), (
            f"{path}.{name}: default differs"
        )
        if isinstance(annotation, type) and issubclass(annotation, StrEnum):
            assert avro_type["type"] == "enum", f"{path}.{name}"
            assert [m.value for m in annotation] == avro_type["symbols"], f"{path}.{name}: symbols"
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            if isinstance(item, type) and issubclass(item, Record):
                _compare(item, _named(avro_type["items"], named), named, f"{path}.{name}[]")


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_model_matches_its_avro_schema(event_type: type[Event]) -> None:
    schemas = load_event_schemas()
    schema = schemas.get(event_type.avro_name)
    _compare(event_type, schema.parsed, schemas._named, event_type.__name__)


def test_every_top_level_schema_but_shared_records_has_a_model() -> None:
    names = {s.name for s in load_event_schemas()}
    assert names - {t.avro_name for t in EVENT_TYPES} == {"meshgov.events.Finding"}
