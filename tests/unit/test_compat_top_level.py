"""Schemas that are not records: bare primitives written as JSON strings, object-form
primitives, unions, arrays, maps, enums and fixed at the top level, wherever a schema is
given (the API, .avsc files, --batch lines, a product's history)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from meshgov.avro import InvalidSchemaError, PrimitiveSchema, parse_schema
from meshgov.checks.compatibility import SchemaVersion, check_product, check_schema
from meshgov.checks.compatibility.history import load_history, with_accepted
from meshgov.cli import cli
from meshgov.models import parse_descriptor
from meshgov.models.events import CheckStatus, Severity
from meshgov.models.sla import CompatibilityMode as Mode
from tests.support.descriptors import example_descriptor

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]


def findings(report: Any) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.code, f.severity.value, f.path, f.against_version) for f in report.findings]


@pytest.mark.parametrize("name", PRIMITIVES)
def test_a_bare_primitive_written_as_a_json_string_is_a_valid_new_schema(name: str) -> None:
    report = check_schema(json.dumps(name), [], Mode.BACKWARD)
    assert (report.compatible, findings(report)) == (True, [])
    schema = parse_schema(json.dumps(name))
    assert isinstance(schema, PrimitiveSchema)
    assert schema.type == name


@pytest.mark.parametrize("name", PRIMITIVES)
def test_a_bare_primitive_in_the_history_is_read_not_skipped(name: str) -> None:
    record = {"type": "record", "name": "Order", "fields": []}
    report = check_schema(record, [SchemaVersion("1.0.0", json.dumps(name))], Mode.BACKWARD)
    assert (report.compatible, findings(report)) == (
        False,
        [("TYPE_MISMATCH", "ERROR", "/", "1.0.0")],
    )


@pytest.mark.parametrize(
    "replacement",
    [
        {"type": "record", "name": "Key", "fields": [{"name": "id", "type": "string"}]},
        {"type": "enum", "name": "Key", "symbols": ["A"]},
        {"type": "fixed", "name": "Key", "size": 16},
        {"type": "array", "items": "string"},
        {"type": "map", "values": "string"},
    ],
    ids=lambda s: s["type"],
)
@pytest.mark.parametrize("mode", [Mode.BACKWARD, Mode.FORWARD, Mode.FULL_TRANSITIVE])
def test_a_named_or_complex_type_replacing_a_primitive_is_a_type_mismatch_as_in_java(
    replacement: dict[str, Any], mode: Mode
) -> None:
    history = [SchemaVersion("1", '"string"')]
    report = check_schema(json.dumps(replacement), history, mode)
    assert report.compatible is False
    directions = {"BACKWARD": 1, "FORWARD": 1, "FULL_TRANSITIVE": 2}[mode.value]
    assert findings(report) == [("TYPE_MISMATCH", "ERROR", "/", "1")] * directions


@pytest.mark.parametrize(
    ("new", "old", "mode", "expected"),
    [
        ('"long"', '"int"', Mode.BACKWARD, []),
        ('"int"', '"long"', Mode.BACKWARD, [("TYPE_MISMATCH", "ERROR", "/", "1")]),
        ('"int"', '"long"', Mode.FORWARD, []),
        ('"bytes"', '"string"', Mode.FULL, []),
        ('["null", "string"]', '"string"', Mode.BACKWARD, []),
        ('["null", "string"]', '"string"', Mode.FORWARD, [("TYPE_MISMATCH", "ERROR", "/0", "1")]),
        ('{"type": "array", "items": "long"}', '{"type": "array", "items": "int"}', Mode.FULL,
         [("TYPE_MISMATCH", "ERROR", "/items", "1")]),
        ('{"type": "map", "values": "double"}', '{"type": "map", "values": "float"}',
         Mode.BACKWARD, []),
        ('{"type": "enum", "name": "E", "symbols": ["A"]}',
         '{"type": "enum", "name": "E", "symbols": ["A", "B"]}', Mode.BACKWARD,
         [("MISSING_ENUM_SYMBOLS", "ERROR", "/symbols", "1")]),
        ('{"type": "fixed", "name": "F", "size": 8}', '{"type": "fixed", "name": "F", "size": 4}',
         Mode.FORWARD, [("FIXED_SIZE_MISMATCH", "ERROR", "/size", "1")]),
    ],
)  # fmt: skip
def test_top_level_non_records_resolve_by_avro_rules(
    new: str, old: str, mode: Mode, expected: list[tuple[str, str, str, str]]
) -> None:
    report = check_schema(new, [SchemaVersion("1", old)], mode)
    assert (report.compatible, findings(report)) == (not expected, expected)


def test_object_form_primitives_are_the_primitive() -> None:
    report = check_schema('{"type": "int"}', [SchemaVersion("1", '"int"')], Mode.FULL_TRANSITIVE)
    assert (report.compatible, findings(report)) == (True, [])
    narrowed = check_schema('{"type": "int"}', [SchemaVersion("1", '"long"')], Mode.BACKWARD)
    assert findings(narrowed) == [("TYPE_MISMATCH", "ERROR", "/", "1")]
    dated = parse_schema({"type": "int", "logicalType": "date"})
    assert (dated.type, dated.logical_type) == ("int", "date")


def test_a_primitive_name_given_as_decoded_json_is_that_primitive() -> None:
    # YAML descriptors and JSON Lines values give a bare primitive as the string itself.
    report = check_schema("string", [SchemaVersion("1", "bytes")], Mode.FULL)
    assert (report.compatible, findings(report)) == (True, [])


@pytest.mark.parametrize(
    ("schema", "reason", "path"),
    [
        ("strin", 'a type name alone is written as a JSON string, "\\"strin\\""', "/"),
        ('{"type": {"type": "int"}}', "'type' must name a primitive type", "/type"),
        ('{"type": ["null", "int"]}', "'type' must name a primitive type", "/type"),
        ('{"type": "bogus"}', "not 'bogus'", "/"),
        ('"Undefined"', "unknown type 'Undefined'", "/"),
        ("5", "a schema must be a string, object or array, not 5", "/"),
    ],
)
def test_unusable_top_level_schemas_say_why(schema: str, reason: str, path: str) -> None:
    with pytest.raises(InvalidSchemaError) as info:
        parse_schema(schema)
    assert reason in info.value.reason
    assert info.value.path == path
    report = check_schema(schema, [], Mode.BACKWARD)
    assert findings(report) == [("INVALID_SCHEMA", "ERROR", path, None)]


def test_a_reference_in_object_form_is_refused_as_java_does() -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [
            {"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["X"]}},
            {"name": "b", "type": {"type": "E"}},
        ],
    }
    with pytest.raises(InvalidSchemaError) as info:
        parse_schema(schema)
    assert info.value.path == "/fields/b/type"
    assert "a reference to E is written as the bare name" in info.value.reason


def test_avsc_files_holding_a_bare_primitive(tmp_path: Path) -> None:
    for name, text in (("new", '"long"\n'), ("old", '"int"'), ("narrow", '"string"')):
        (tmp_path / f"{name}.avsc").write_text(text)
    runner = CliRunner()
    ok = runner.invoke(cli, ["compat", str(tmp_path / "new.avsc"), str(tmp_path / "old.avsc")])
    assert (ok.exit_code, ok.output.strip()) == (0, "compatible")
    bad = runner.invoke(
        cli, ["compat", "--json", str(tmp_path / "narrow.avsc"), str(tmp_path / "new.avsc")]
    )
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert [(f["code"], f["path"]) for f in report["findings"]] == [("TYPE_MISMATCH", "/")]


def test_batch_lines_with_bare_primitives_in_both_spellings() -> None:
    lines = [
        {"id": "inline", "mode": "BACKWARD", "new": "long", "previous": ["int"]},
        {"id": "text", "mode": "BACKWARD", "new": '"long"', "previous": ['"int"']},
        {"id": "object", "mode": "FULL", "new": {"type": "long"}, "previous": ['"long"']},
        {"id": "narrow", "mode": "BACKWARD", "new": '"int"', "previous": ["long"]},
    ]
    result = CliRunner().invoke(
        cli, ["compat", "--batch", "-"], input="".join(json.dumps(x) + "\n" for x in lines)
    )
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [(a["id"], a["compatible"]) for a in answers] == [
        ("inline", True),
        ("text", True),
        ("object", True),
        ("narrow", False),
    ]
    assert [f["code"] for f in answers[3]["findings"]] == ["TYPE_MISMATCH"]


def test_a_product_whose_port_schema_is_a_bare_primitive(seed_descriptor_text: str) -> None:
    def product(version: str, schema: Any) -> Any:
        text = example_descriptor(version=version, schema=schema, seed=seed_descriptor_text)
        return parse_descriptor(text).data_product

    first = product("1.0.0", "string")
    (port,) = [p for p in first.output_ports if p.name == "orders-events"]
    assert port.avro_schema == '"string"'  # JSON text, as a YAML string
    history = load_history(with_accepted({}, first))
    assert [v.schema for v in history["orders-events"]] == ['"string"']
    submitted = datetime(2026, 11, 25, tzinfo=UTC)
    same = check_product(product("1.1.0", "bytes"), history, submitted)
    assert (same.status, same.findings) == (CheckStatus.PASSED, [])
    record = {"type": "record", "name": "Key", "fields": [{"name": "id", "type": "string"}]}
    broken = check_product(product("1.2.0", record), history, submitted)
    assert broken.status is CheckStatus.FAILED
    assert [(f.code, f.severity, f.against_version) for f in broken.findings] == [
        ("TYPE_MISMATCH", Severity.ERROR, "1.0.0"),
        ("BREAKING_CHANGE_NEEDS_MAJOR_VERSION", Severity.ERROR, None),
    ]
