"""Typed event encoding: pydantic event models to Avro records and back."""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from pydantic import ValidationError

from meshgov.codec.confluent import WIRE_HEADER_SIZE, WIRE_MAGIC, RegistryFraming
from meshgov.codec.errors import PayloadError, WrongEventTypeError
from meshgov.codec.schemas import EventSchema, SchemaSet, load_event_schemas
from meshgov.codec.single_object import decode_frame, encode_frame, read_record
from meshgov.models.events import EVENT_TYPES, Event

E = TypeVar("E", bound=Event)


class EventCodec:
    """Events to Avro single-object frames, or, with a Schema Registry (`framing`), to the
    Confluent wire format on the topic they are written to; both are read."""

    def __init__(self, schemas: SchemaSet, framing: RegistryFraming | None = None) -> None:
        self.schemas = schemas
        self.framing = framing
        self._types = {t.avro_name: t for t in EVENT_TYPES}

    def encode(self, event: Event, topic: str | None = None) -> bytes:
        schema = self.schemas.get(event.avro_name)
        record = event.model_dump(mode="python")
        if self.framing is not None and topic is not None:
            return self.framing.encode(topic, schema, record)
        return encode_frame(schema, record)

    def decode(self, data: bytes, event_type: type[E]) -> E:
        """Decode a record that must hold an `event_type` event."""
        _, record = self._read(data, self.schemas.get(event_type.avro_name))
        return self._validate(event_type, record)

    def decode_any(self, data: bytes) -> Event:
        """Decode a record holding any known event type."""
        writer, record = self._read(data, None)
        event_type = self._types.get(writer.name)
        if event_type is None:
            raise WrongEventTypeError(f"{writer.name} is not a meshgov event type")
        return self._validate(event_type, record)

    def _read(
        self, data: bytes, reader: EventSchema | None
    ) -> tuple[EventSchema, dict[str, object]]:
        if data[:1] != WIRE_MAGIC or len(data) < WIRE_HEADER_SIZE or self.framing is None:
            return decode_frame(data, self.schemas, reader)
        writer = self.framing.writer(data)
        if reader is not None and writer.name != reader.name:
            raise WrongEventTypeError(
                f"expected a {reader.short_name} event, found a {writer.short_name} event"
            )
        return writer, read_record(data, WIRE_HEADER_SIZE, writer, reader)

    @staticmethod
    def _validate(event_type: type[E], record: dict[str, object]) -> E:
        try:
            return event_type.model_validate(record)
        except ValidationError as exc:
            raise PayloadError(f"{event_type.__name__} payload is invalid: {exc}") from exc


@cache
def default_codec() -> EventCodec:
    return EventCodec(load_event_schemas())
