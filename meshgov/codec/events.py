"""Typed event encoding: pydantic event models to single-object frames and back."""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from pydantic import ValidationError

from meshgov.codec.errors import PayloadError, WrongEventTypeError
from meshgov.codec.schemas import SchemaSet, load_event_schemas
from meshgov.codec.single_object import decode_frame, encode_frame
from meshgov.models.events import EVENT_TYPES, Event

E = TypeVar("E", bound=Event)


class EventCodec:
    def __init__(self, schemas: SchemaSet) -> None:
        self.schemas = schemas
        self._types = {t.avro_name: t for t in EVENT_TYPES}

    def encode(self, event: Event) -> bytes:
        schema = self.schemas.get(event.avro_name)
        return encode_frame(schema, event.model_dump(mode="python"))

    def decode(self, data: bytes, event_type: type[E]) -> E:
        """Decode a frame that must hold an `event_type` event."""
        _, record = decode_frame(data, self.schemas, self.schemas.get(event_type.avro_name))
        return self._validate(event_type, record)

    def decode_any(self, data: bytes) -> Event:
        """Decode a frame holding any known event type."""
        writer, record = decode_frame(data, self.schemas)
        event_type = self._types.get(writer.name)
        if event_type is None:
            raise WrongEventTypeError(f"{writer.name} is not a meshgov event type")
        return self._validate(event_type, record)

    @staticmethod
    def _validate(event_type: type[E], record: dict[str, object]) -> E:
        try:
            return event_type.model_validate(record)
        except ValidationError as exc:
            raise PayloadError(f"{event_type.__name__} payload is invalid: {exc}") from exc


@cache
def default_codec() -> EventCodec:
    return EventCodec(load_event_schemas())
