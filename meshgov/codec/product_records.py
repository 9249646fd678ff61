"""Decoding records on a product's streaming port with the schemas the product registered.

A record is read with the schema it was written with, resolved to the port's current
schema: records of a producer still on an earlier accepted version are valid. The writer
schema comes from the record's framing:

- the Confluent wire format (byte 0, a 4-byte big-endian schema id, Avro binary): the
  schema of that id in the Schema Registry, which must be one of the port's accepted
  versions; newer Confluent clients put the id (byte 0 and the id, or byte 1 and a 16-byte
  schema GUID) in the record's `__value_schema_id` header instead, before bare Avro;
- an Avro single-object frame (C3 01, the 8-byte CRC-64-AVRO fingerprint): the accepted
  version with that fingerprint;
- bare Avro binary: the current version.

JSON ports read JSON objects."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from fastavro import parse_schema, schemaless_reader
from fastavro.read import SchemaResolutionError

from meshgov.codec.errors import DecodeError
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import HEADER_SIZE, MARKER

WIRE_MAGIC = b"\x00"
WIRE_HEADER_SIZE = 5
GUID_MAGIC = b"\x01"
GUID_HEADER_SIZE = 17
VALUE_SCHEMA_ID_HEADER = "__value_schema_id"
MAX_WRITER_IDS = 10_000  # schema ids remembered per port
UNKNOWN_ID_RETRY_SECONDS = 60.0  # an id the registry did not have is asked for again after

# The schema text of a Schema Registry id (an int, or a GUID as text), or None when the
# registry has no such schema. Errors reaching the registry are raised: a platform fault,
# never a violation.
SchemaById = Callable[[int | str], str | None]


def _parse(schema: Any) -> tuple[Any, bytes]:
    """The parsed Avro schema and its fingerprint; ValueError for anything else (a JSON
    Schema or Protobuf text under the same subject, a number, garbage)."""
    try:
        raw = json.loads(schema) if isinstance(schema, str) else schema
        named: dict[str, Any] = {}
        parsed = parse_schema(raw, named)
        return parsed, crc64_fingerprint(parsed, named)[1]
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - fastavro raises KeyError, TypeError, its own
        raise ValueError(f"not an Avro schema: {exc}") from None


class ProductRecordDecoder:
    """The records of one streaming port: Avro (Confluent wire format, single-object frames
    or bare binary) of any accepted version, or JSON objects for ports whose format is JSON."""

    def __init__(
        self,
        schema: Any,
        data_format: str,
        earlier: Iterable[Any] = (),
        schema_by_id: SchemaById | None = None,
    ) -> None:
        self.format = data_format.upper()
        self.parsed: Any = None
        self.fingerprint = b""
        self.accepted: dict[bytes, Any] = {}  # parsed writer schemas by fingerprint
        self.schema_by_id = schema_by_id
        # parsed writer schema, or None (not accepted) with when to ask again
        self._by_id: dict[int | str, tuple[Any, float]] = {}
        if self.format == "AVRO" and schema is not None:
            self.parsed, self.fingerprint = _parse(schema)
            self.accepted[self.fingerprint] = self.parsed
            for version in earlier:
                try:
                    parsed, fp = _parse(version)
                except ValueError:
                    continue  # an accepted version never parsed: nothing was written with it
                self.accepted.setdefault(fp, parsed)

    def after(self, previous: ProductRecordDecoder) -> ProductRecordDecoder:
        """This decoder, also reading what `previous` accepted (the port's earlier versions)."""
        for fp, parsed in previous.accepted.items():
            self.accepted.setdefault(fp, parsed)
        return self

    def decode(self, data: bytes, schema_header: bytes | None = None) -> dict[str, Any]:
        """One record's value; `schema_header` is its `__value_schema_id` header, if any."""
        if schema_header is not None and self.format == "AVRO" and self.parsed is not None:
            return self._read(data, 0, self._header_writer(schema_header))
        if self.format == "JSON":
            try:
                value = json.loads(data)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DecodeError(f"not JSON: {exc}") from None
            if not isinstance(value, dict):
                raise DecodeError("a JSON record must be an object")
            return value
        if self.parsed is None:
            raise DecodeError(f"no registered schema to decode {self.format} records with")
        if data[:2] == MARKER:
            writer = self.accepted.get(data[2:HEADER_SIZE])
            if writer is None:
                raise DecodeError(
                    f"written with schema fingerprint {data[2:HEADER_SIZE].hex()}, not one of "
                    f"the port's accepted versions (current {self.fingerprint.hex()})"
                )
            return self._read(data, HEADER_SIZE, writer)
        if data[:1] == WIRE_MAGIC and len(data) >= WIRE_HEADER_SIZE and self.schema_by_id:
            schema_id = int.from_bytes(data[1:WIRE_HEADER_SIZE], "big")
            if schema_id not in self._by_id:
                # Bare Avro may begin with a zero byte too: a bare record that decodes never
                # costs a registry lookup.
                try:
                    return self._read(data, 0, self.parsed)
                except DecodeError:
                    pass
            writer = self._writer(schema_id)
            if writer is not None:
                return self._read(data, WIRE_HEADER_SIZE, writer)
            try:
                return self._read(data, 0, self.parsed)
            except DecodeError:
                raise DecodeError(
                    f"written with Schema Registry id {schema_id}, which is not one of the "
                    "port's accepted versions"
                ) from None
        return self._read(data, 0, self.parsed)

    def _header_writer(self, header: bytes) -> Any:
        schema_id: int | str
        if header[:1] == WIRE_MAGIC and len(header) == WIRE_HEADER_SIZE:
            schema_id = int.from_bytes(header[1:WIRE_HEADER_SIZE], "big")
        elif header[:1] == GUID_MAGIC and len(header) == GUID_HEADER_SIZE:
            schema_id = str(uuid.UUID(bytes=header[1:GUID_HEADER_SIZE]))
        else:
            raise DecodeError(
                f"header {VALUE_SCHEMA_ID_HEADER} of {len(header)} bytes is neither byte 0 and "
                f"a 4-byte schema id nor byte 1 and a 16-byte schema GUID"
            )
        if self.schema_by_id is None:
            raise DecodeError(
                f"header {VALUE_SCHEMA_ID_HEADER} names Schema Registry schema {schema_id}: "
                f"configure the Schema Registry to read it"
            )
        writer = self._writer(schema_id)
        if writer is None:
            raise DecodeError(
                f"written with Schema Registry schema {schema_id} (header "
                f"{VALUE_SCHEMA_ID_HEADER}), which is not one of the port's accepted versions"
            )
        return writer

    def _writer(self, schema_id: int | str) -> Any:
        known = self._by_id.get(schema_id)
        if known is not None and (known[0] is not None or time.monotonic() < known[1]):
            return known[0]
        assert self.schema_by_id is not None
        text = self.schema_by_id(schema_id)
        writer = None
        if text is not None:
            try:
                writer = self.accepted.get(_parse(text)[1])
            except ValueError:
                writer = None  # not Avro (a JSON Schema or Protobuf id): not accepted
        if len(self._by_id) >= MAX_WRITER_IDS:
            self._by_id.clear()
        # An id the registry lacked may be one a follower has not replicated yet.
        retry = time.monotonic() + (UNKNOWN_ID_RETRY_SECONDS if text is None else 1e12)
        self._by_id[schema_id] = (writer, retry)
        return writer

    def _read(self, data: bytes, start: int, writer: Any) -> dict[str, Any]:
        body = io.BytesIO(data)
        body.seek(start)
        reader = None if writer is self.parsed else self.parsed
        try:
            record = schemaless_reader(body, writer, reader)
        except (EOFError, ValueError, IndexError, UnicodeDecodeError, OverflowError) as exc:
            raise DecodeError(f"does not decode with the registered schema: {exc}") from None
        except SchemaResolutionError as exc:
            raise DecodeError(f"does not resolve to the registered schema: {exc}") from None
        if body.tell() != len(data) or not isinstance(record, dict):
            raise DecodeError("does not decode with the registered schema: trailing bytes")
        return record
