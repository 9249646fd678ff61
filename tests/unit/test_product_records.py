"""Records of a streaming port, read with the accepted version they were written with and
resolved to the current one: Confluent wire format, single-object frames, bare Avro."""

from __future__ import annotations

import io
import json
import struct
import uuid
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from meshgov.codec import DecodeError
from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import MARKER

V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2 = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "channel", "type": "string", "default": "web"},
    ],
}
OTHER = {"type": "record", "name": "Click", "fields": [{"name": "page", "type": "long"}]}
REGISTRY = {1: json.dumps(V1), 2: json.dumps(V2), 7: json.dumps(OTHER)}


def avro(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    schemaless_writer(out, parse_schema(schema), record)
    return out.getvalue()


def wire(schema_id: int, schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    return b"\x00" + struct.pack(">I", schema_id) + avro(schema, record)


def single_object(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    named: dict[str, Any] = {}
    fingerprint = crc64_fingerprint(parse_schema(schema, named), named)[1]
    return MARKER + fingerprint + avro(schema, record)


def decoder() -> ProductRecordDecoder:
    return ProductRecordDecoder(V2, "AVRO", earlier=[V1], schema_by_id=REGISTRY.get)


def test_every_accepted_version_resolves_to_the_current_schema_whatever_the_framing() -> None:
    current = {"order_id": "A", "channel": "shop"}
    assert decoder().decode(wire(2, V2, current)) == current
    assert decoder().decode(wire(1, V1, {"order_id": "A"})) == {"order_id": "A", "channel": "web"}
    assert decoder().decode(single_object(V1, {"order_id": "B"}))["channel"] == "web"
    assert decoder().decode(avro(V2, current)) == current


def test_a_schema_id_that_is_no_accepted_version_is_refused_naming_the_id() -> None:
    with pytest.raises(DecodeError, match="Schema Registry id 7, which is not one of"):
        decoder().decode(wire(7, OTHER, {"page": 3}))
    with pytest.raises(DecodeError, match="Schema Registry id 99"):
        decoder().decode(wire(99, V2, {"order_id": "A", "channel": "x"}))


def test_a_fingerprint_of_no_accepted_version_is_refused() -> None:
    with pytest.raises(DecodeError, match="not one of the port's accepted versions"):
        decoder().decode(single_object(OTHER, {"page": 1}))


def test_an_earlier_version_is_known_only_once_it_was_accepted() -> None:
    alone = ProductRecordDecoder(V2, "AVRO", schema_by_id=REGISTRY.get)
    with pytest.raises(DecodeError):
        alone.decode(wire(1, V1, {"order_id": "A"}))
    later = ProductRecordDecoder(V2, "AVRO", schema_by_id=REGISTRY.get)
    later.after(ProductRecordDecoder(V1, "AVRO"))
    assert later.decode(wire(1, V1, {"order_id": "A"}))["channel"] == "web"


def test_bare_avro_that_begins_with_a_zero_byte_is_still_bare_avro() -> None:
    empty_id = {"order_id": "", "channel": "web"}  # a zero-length string is the byte 0x00
    data = avro(V2, empty_id)
    assert data[:1] == b"\x00"
    assert decoder().decode(data) == empty_id


def test_a_registry_that_cannot_be_reached_is_a_fault_not_a_violation() -> None:
    def unreachable(schema_id: int) -> str | None:
        raise ConnectionError("registry down")

    broken = ProductRecordDecoder(V2, "AVRO", schema_by_id=unreachable)
    with pytest.raises(ConnectionError):
        broken.decode(wire(2, V2, {"order_id": "A", "channel": "x"}))


def test_bare_records_cost_no_registry_lookup_and_unknown_ids_are_asked_again_later() -> None:
    asked: list[int] = []

    def lookup(schema_id: int) -> str | None:
        asked.append(schema_id)
        return REGISTRY.get(schema_id)

    bare = ProductRecordDecoder(V2, "AVRO", schema_by_id=lookup)
    for index in range(50):
        bare.decode(avro(V2, {"order_id": "", "channel": f"c{index}"}))  # begins with 0x00
    assert asked == []
    with pytest.raises(DecodeError):
        bare.decode(wire(99, V2, {"order_id": "A", "channel": "x"}))
    with pytest.raises(DecodeError):
        bare.decode(wire(99, V2, {"order_id": "A", "channel": "x"}))
    assert asked == [99]  # a miss is remembered for a while, not asked per record


GUID = "6f1c2d1e-0b4a-4d53-9a36-1d0f3f2b7c11"


def test_a_schema_id_in_the_header_reads_the_bare_payload_with_that_version() -> None:
    registry: dict[int | str, str] = {**REGISTRY, GUID: json.dumps(V1)}
    reader = ProductRecordDecoder(V2, "AVRO", earlier=[V1], schema_by_id=registry.get)
    by_id = b"\x00" + struct.pack(">I", 1)
    assert reader.decode(avro(V1, {"order_id": "A"}), by_id) == {"order_id": "A", "channel": "web"}
    by_guid = b"\x01" + uuid.UUID(GUID).bytes
    assert reader.decode(avro(V1, {"order_id": "B"}), by_guid)["channel"] == "web"
    with pytest.raises(DecodeError, match="schema 7 \\(header __value_schema_id\\), which is not"):
        reader.decode(avro(OTHER, {"page": 3}), b"\x00" + struct.pack(">I", 7))
    with pytest.raises(DecodeError, match="header __value_schema_id of 3 bytes is neither"):
        reader.decode(avro(V1, {"order_id": "C"}), b"\x00\x00\x01")


def test_a_header_schema_id_without_a_registry_says_what_to_configure() -> None:
    reader = ProductRecordDecoder(V2, "AVRO", earlier=[V1])
    with pytest.raises(DecodeError, match="configure the Schema Registry"):
        reader.decode(avro(V1, {"order_id": "A"}), b"\x00" + struct.pack(">I", 1))
