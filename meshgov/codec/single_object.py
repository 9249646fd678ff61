"""Avro single-object encoding: C3 01, the writer schema's 8-byte fingerprint, Avro binary.

Any consumer holding the .avsc files can decode a frame without a schema registry.
"""

from __future__ import annotations

import io
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError

from meshgov.codec.errors import (
    EncodeError,
    FrameError,
    PayloadError,
    UnknownSchemaError,
    WrongEventTypeError,
)
from meshgov.codec.schemas import EventSchema, SchemaSet

MARKER = b"\xc3\x01"
HEADER_SIZE = len(MARKER) + 8


def encode_frame(schema: EventSchema, record: dict[str, Any]) -> bytes:
    return write_record(MARKER + schema.fingerprint, schema, record)


def write_record(header: bytes, schema: EventSchema, record: dict[str, Any]) -> bytes:
    """`header`, then `record` in Avro binary with `schema`."""
    buffer = io.BytesIO()
    buffer.write(header)
    try:
        schemaless_writer(buffer, schema.parsed, record, strict_allow_default=True)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise EncodeError(f"cannot encode {schema.short_name}: {exc}") from exc
    return buffer.getvalue()


def _describe_start(data: bytes) -> str:
    head = data[:8]
    hint = ""
    if head[:1] in (b"{", b"["):
        hint = " (the bytes look like JSON text)"
    elif head[:1] == b"\x00" and len(data) >= 5:
        schema_id = int.from_bytes(data[1:5], "big")
        hint = (
            f" (the bytes look like a Confluent schema-registry frame, schema id {schema_id}:"
            " configure the Schema Registry to read it)"
        )
    return f"{head.hex(' ').upper() or 'nothing'}{hint}"


def writer_schema_of(data: bytes, schemas: SchemaSet) -> EventSchema:
    """The schema a frame was written with, or a FrameError/UnknownSchemaError."""
    if len(data) < HEADER_SIZE or data[:2] != MARKER:
        if data[:2] == MARKER:
            raise FrameError(
                f"truncated single-object frame: {len(data)} bytes, the header alone needs "
                f"{HEADER_SIZE}"
            )
        raise FrameError(
            "not an Avro single-object frame: expected marker C3 01, found " + _describe_start(data)
        )
    fingerprint = data[2:HEADER_SIZE]
    writer = schemas.by_fingerprint(fingerprint)
    if writer is None:
        known = ", ".join(f"{s.short_name} {s.fingerprint.hex()}" for s in schemas)
        raise UnknownSchemaError(
            f"unknown writer schema fingerprint {fingerprint.hex()}: written with a schema this "
            f"reader does not have (known: {known})",
            fingerprint,
        )
    return writer


def decode_frame(
    data: bytes, schemas: SchemaSet, reader: EventSchema | None = None
) -> tuple[EventSchema, dict[str, Any]]:
    """Decode a frame, resolving the writer schema to `reader` when given."""
    writer = writer_schema_of(data, schemas)
    if reader is not None and writer.name != reader.name:
        raise WrongEventTypeError(
            f"expected a {reader.short_name} event, found a {writer.short_name} event"
        )
    return writer, read_record(data, HEADER_SIZE, writer, reader)


def read_record(
    data: bytes, start: int, writer: EventSchema, reader: EventSchema | None = None
) -> dict[str, Any]:
    """The Avro body of `data` from byte `start`, written with `writer`, as `reader`."""
    body = io.BytesIO(data)
    body.seek(start)
    reader_schema = None if reader is None or reader is writer else reader.parsed
    try:
        record = schemaless_reader(body, writer.parsed, reader_schema)
    except SchemaResolutionError as exc:
        raise WrongEventTypeError(
            f"{writer.short_name} written with fingerprint {writer.fingerprint.hex()} cannot be "
            f"read as {reader.short_name if reader else '?'}: {exc}"
        ) from exc
    except (EOFError, ValueError, IndexError, UnicodeDecodeError, OverflowError) as exc:
        raise PayloadError(
            f"corrupt {writer.short_name} payload at byte {body.tell()} of {len(data)}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(record, dict):
        raise PayloadError(f"{writer.short_name} payload did not decode to a record")
    if body.tell() != len(data):
        raise PayloadError(
            f"corrupt {writer.short_name} payload: {len(data) - body.tell()} trailing bytes "
            f"after the record"
        )
    return record
