"""Decoding records on a product's streaming port with the schema the product registered."""

from __future__ import annotations

import io
import json
from typing import Any

from fastavro import parse_schema, schemaless_reader

from meshgov.codec.errors import DecodeError
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import HEADER_SIZE, MARKER


class ProductRecordDecoder:
    """Avro single-object frames or bare Avro binary of one registered schema; JSON text for
    ports whose format is JSON."""

    def __init__(self, schema: Any, data_format: str) -> None:
        self.format = data_format.upper()
        self.parsed: Any = None
        self.fingerprint = b""
        if self.format == "AVRO" and schema is not None:
            raw = json.loads(schema) if isinstance(schema, str) else schema
            named: dict[str, Any] = {}
            self.parsed = parse_schema(raw, named)
            self.fingerprint = crc64_fingerprint(self.parsed, named)[1]

    def decode(self, data: bytes) -> dict[str, Any]:
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
        body = io.BytesIO(data)
        if data[:2] == MARKER:
            if data[2:HEADER_SIZE] != self.fingerprint:
                raise DecodeError(
                    f"written with schema fingerprint {data[2:HEADER_SIZE].hex()}, not the "
                    f"registered {self.fingerprint.hex()}"
                )
            body.seek(HEADER_SIZE)
        try:
            record = schemaless_reader(body, self.parsed, None)
        except (EOFError, ValueError, IndexError, UnicodeDecodeError, OverflowError) as exc:
            raise DecodeError(f"does not decode with the registered schema: {exc}") from None
        if body.tell() != len(data) or not isinstance(record, dict):
            raise DecodeError("does not decode with the registered schema: trailing bytes")
        return record
