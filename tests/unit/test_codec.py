from __future__ import annotations

import io
import json
from pathlib import Path

import avro.schema
import pytest
from fastavro import parse_schema, schemaless_writer

from meshgov.codec import (
    DecodeError,
    EncodeError,
    EventCodec,
    FrameError,
    PayloadError,
    SchemaSet,
    UnknownSchemaError,
    WrongEventTypeError,
)
from meshgov.codec.schemas import crc64_fingerprint, inline_first_use
from meshgov.codec.single_object import HEADER_SIZE, MARKER, decode_frame, encode_frame
from meshgov.models.events import EVENT_TYPES, Decision, Event, Registration, Verdict
from tests.support.events import sample_events


def test_every_event_type_has_a_sample() -> None:
    assert {type(e) for e in sample_events()} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).__name__)
def test_event_round_trips_through_a_single_object_frame(codec: EventCodec, event: object) -> None:
    data = codec.encode(event)  # type: ignore[arg-type]
    schema = codec.schemas.get(type(event).avro_name)  # type: ignore[attr-defined]
    assert data[:2] == MARKER
    assert data[2:HEADER_SIZE] == schema.fingerprint
    assert codec.decode(data, type(event)) == event  # type: ignore[arg-type]
    assert codec.decode_any(data) == event


def test_fingerprint_of_null_matches_the_avro_specification() -> None:
    # The spec's CRC-64-AVRO of "null" is 0x63dd24e7cc258f8a; frames carry it little-endian.
    canonical, fingerprint = crc64_fingerprint("null", {})
    assert canonical == '"null"'
    assert fingerprint == (0x63DD24E7CC258F8A).to_bytes(8, "little")


def test_a_named_type_used_twice_is_defined_once_in_canonical_form() -> None:
    raw = {
        "type": "record",
        "name": "Pair",
        "namespace": "t",
        "fields": [
            {"name": "a", "type": {"type": "fixed", "name": "Id", "size": 4}},
            {"name": "b", "type": ["null", "Id"]},
        ],
    }
    # Java's SchemaNormalization writes a named type's name once it has been defined; the
    # Python avro package re-inlines it, so the expected form is spelled out from the spec.
    pair = SchemaSet([("pair", raw)]).get("t.Pair")
    assert pair.canonical_form == (
        '{"name":"t.Pair","type":"record","fields":['
        '{"name":"a","type":{"name":"t.Id","type":"fixed","size":4}},'
        '{"name":"b","type":["null","t.Id"]}]}'
    )


def test_fingerprints_agree_with_apache_avro_where_no_logical_type_is_involved(
    codec: EventCodec,
) -> None:
    finding = codec.schemas.get("Finding")
    expanded = inline_first_use(finding.parsed, {})
    assert finding.fingerprint == avro.schema.parse(json.dumps(expanded)).fingerprint("CRC-64-AVRO")


def test_canonical_form_drops_logical_types_to_the_primitive(codec: EventCodec) -> None:
    # The Parsing Canonical Form keeps only type, name, fields, symbols, items, values, size,
    # so a timestamp-millis long is written as plain "long" (as Java's SchemaNormalization does).
    canonical = codec.schemas.get("Registration").canonical_form
    assert '{"name":"submitted_at","type":"long"}' in canonical
    assert "logicalType" not in canonical


def test_a_file_referring_to_an_undefined_type_is_rejected() -> None:
    broken = {"type": "record", "name": "R", "fields": [{"name": "x", "type": "Missing"}]}
    with pytest.raises(ValueError, match="unknown type 'Missing'"):
        SchemaSet([("R.avsc", broken)])


@pytest.fixture
def registration_frame(codec: EventCodec) -> bytes:
    return codec.encode(sample_events()[0])


def test_bytes_without_the_marker_are_rejected(codec: EventCodec) -> None:
    with pytest.raises(FrameError, match=r"expected marker C3 01, found 7B 22.*JSON"):
        codec.decode(b'{"product": "x"}', Registration)


def test_an_empty_value_is_rejected(codec: EventCodec) -> None:
    with pytest.raises(FrameError, match="found nothing"):
        codec.decode(b"", Registration)


def test_a_truncated_header_is_rejected(codec: EventCodec, registration_frame: bytes) -> None:
    with pytest.raises(FrameError, match="truncated single-object frame: 6 bytes"):
        codec.decode(registration_frame[:6], Registration)


def test_an_unknown_fingerprint_is_rejected_naming_it(
    codec: EventCodec, registration_frame: bytes
) -> None:
    forged = MARKER + bytes.fromhex("0102030405060708") + registration_frame[HEADER_SIZE:]
    with pytest.raises(
        UnknownSchemaError, match="unknown writer schema fingerprint 0102030405060708"
    ) as info:
        codec.decode(forged, Registration)
    assert info.value.fingerprint == bytes.fromhex("0102030405060708")


def test_a_truncated_body_is_rejected(codec: EventCodec, registration_frame: bytes) -> None:
    with pytest.raises(PayloadError, match="corrupt Registration payload"):
        codec.decode(registration_frame[:-5], Registration)


def test_trailing_bytes_after_the_record_are_rejected(
    codec: EventCodec, registration_frame: bytes
) -> None:
    with pytest.raises(PayloadError, match="3 trailing bytes"):
        codec.decode(registration_frame + b"\x00\x00\x00", Registration)


def test_a_corrupted_length_prefix_is_rejected(
    codec: EventCodec, registration_frame: bytes
) -> None:
    # The first field is a string: replace its zig-zag length with a huge one.
    corrupted = (
        registration_frame[:HEADER_SIZE]
        + b"\xfe\xff\xff\xff\x0f"
        + registration_frame[HEADER_SIZE + 1 :]
    )
    with pytest.raises(PayloadError):
        codec.decode(corrupted, Registration)


def test_a_known_event_of_another_type_is_rejected(codec: EventCodec) -> None:
    verdict = next(e for e in sample_events() if isinstance(e, Verdict))
    with pytest.raises(WrongEventTypeError, match="expected a Registration event, found a Verdict"):
        codec.decode(codec.encode(verdict), Registration)


def test_every_decode_failure_is_a_decode_error() -> None:
    for error in (FrameError, UnknownSchemaError, PayloadError, WrongEventTypeError):
        assert issubclass(error, DecodeError)


def test_encoding_a_record_that_does_not_fit_the_schema_names_the_type(codec: EventCodec) -> None:
    schema = codec.schemas.get("Registration")
    with pytest.raises(EncodeError, match="cannot encode Registration"):
        encode_frame(schema, {"registration_id": 5})


def test_frames_decode_without_a_reader_schema(
    codec: EventCodec, registration_frame: bytes
) -> None:
    writer, record = decode_frame(registration_frame, codec.schemas)
    assert writer.short_name == "Registration"
    assert record["product"] == "orders-daily-aggregated"


RELEASED = sorted((Path(__file__).parents[2] / "schemas" / "released").glob("*.avsc"))


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.name)
def test_events_written_with_a_released_schema_are_read_with_the_current_one(
    codec: EventCodec, path: Path
) -> None:
    """Evolving a schema never turns the events already on the topics into dead letters."""
    named: dict[str, object] = {}
    writer = parse_schema(json.loads(path.read_text()), named)
    _, fingerprint = crc64_fingerprint(writer, named)
    assert path.name.endswith(f".{fingerprint.hex()}.avsc")
    (event,) = [e for e in sample_events() if writer["name"] == e.avro_name]
    if isinstance(event, Verdict):  # a symbol the first release did not have
        assert event.decision is not Decision.UNDECIDED
    body = io.BytesIO()
    schemaless_writer(body, writer, event.model_dump(mode="python"))
    assert codec.decode_any(MARKER + fingerprint + body.getvalue()) == event


def test_what_this_version_writes_is_recorded_under_released(codec: EventCodec) -> None:
    """A changed .avsc needs its new version under schemas/released/ too, so the next
    version of meshgov reads what this one wrote."""
    released = {p.name.removesuffix(".avsc") for p in RELEASED}
    for event_type in EVENT_TYPES:
        schema = codec.schemas.get(event_type.avro_name)
        assert f"{event_type.__name__}.{schema.fingerprint.hex()}" in released


def test_a_wire_format_record_without_a_registry_is_a_frame_error_naming_the_id(
    codec: EventCodec,
) -> None:
    with pytest.raises(FrameError, match=r"schema-registry frame, schema id 42: configure"):
        codec.decode(b"\x00\x00\x00\x00\x2a\x02ab", Verdict)


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).__name__)
def test_every_event_schema_is_self_contained_for_a_registry(
    codec: EventCodec, event: object
) -> None:
    """What is registered under `<topic>-value` parses alone, to the same fingerprint."""
    schema = codec.schemas.get(type(event).avro_name)  # type: ignore[attr-defined]
    text = codec.schemas.self_contained(schema)
    assert codec.schemas.fingerprint_of(text) == schema.fingerprint
    assert "__fastavro" not in text


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_meshgov_compat_finds_every_event_schema_backward_compatible_with_its_releases(
    codec: EventCodec, event_type: type[Event], tmp_path: Path
) -> None:
    """The gate for changing an .avsc: `meshgov compat` against every released version."""
    from click.testing import CliRunner

    from meshgov.cli import cli

    current = tmp_path / "current.avsc"
    current.write_text(codec.schemas.self_contained(codec.schemas.get(event_type.avro_name)))
    released = [str(p) for p in RELEASED if p.name.startswith(f"{event_type.__name__}.")]
    assert released
    result = CliRunner().invoke(
        cli, ["compat", "--mode", "backward_transitive", str(current), *released]
    )
    assert result.exit_code == 0, result.output
