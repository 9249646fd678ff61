"""Avro encoding of meshgov's events: schema loading, single-object framing, typed events."""

from meshgov.codec.errors import (
    DecodeError,
    EncodeError,
    FrameError,
    PayloadError,
    UnknownSchemaError,
    WrongEventTypeError,
)
from meshgov.codec.events import EventCodec, default_codec
from meshgov.codec.schemas import EventSchema, SchemaSet, load_event_schemas

__all__ = [
    "DecodeError",
    "EncodeError",
    "EventCodec",
    "EventSchema",
    "FrameError",
    "PayloadError",
    "SchemaSet",
    "UnknownSchemaError",
    "WrongEventTypeError",
    "default_codec",
    "load_event_schemas",
]
