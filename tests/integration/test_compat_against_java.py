"""The compatibility checker against the contract itself: Apache Avro's Java
SchemaCompatibility (the code Schema Registry runs), fetched from Maven Central."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from meshgov.avro import InvalidSchemaError, parse_schema
from meshgov.checks.compatibility import resolve
from meshgov.checks.compatibility.resolution import READER_FIELD_AMBIGUOUS
from tests.support.avro_java import JavaAvro
from tests.support.schema_gen import SchemaGenerator


@pytest.fixture(scope="module")
def java() -> Iterator[JavaAvro]:
    reference = JavaAvro()
    yield reference
    reference.close()


def _ours(reader: Any, writer: Any) -> tuple[bool, set[str]]:
    result = resolve(parse_schema(json.dumps(reader)), parse_schema(json.dumps(writer)))
    return result.compatible, {i.code for i in result.incompatibilities}


def _theirs(java: JavaAvro, reader: Any, writer: Any) -> tuple[bool, set[str]]:
    answer = java.compatibility(reader, writer)
    if "error" in answer:
        assert "matches multiple fields" in answer["error"], answer
        return False, {READER_FIELD_AMBIGUOUS}
    return answer["compatible"], set(answer["types"])


def _pairs(seed: int, count: int) -> Iterator[tuple[Any, Any]]:
    generator = SchemaGenerator(seed)
    for index in range(count):
        old = generator.record(generator.rng.randint(3, 30))
        if index % 2:
            new = generator.evolve_with_quirks(old)
        else:
            new = generator.evolve(old, breaking=0.5)
        yield new, old
        yield old, new


def test_decisions_and_incompatibility_kinds_match_java(java: JavaAvro) -> None:
    verdicts = {True: 0, False: 0}
    kinds: set[str] = set()
    for reader, writer in _pairs(seed=424242, count=400):
        ours, theirs = _ours(reader, writer), _theirs(java, reader, writer)
        assert ours == theirs, f"\nreader={json.dumps(reader)}\nwriter={json.dumps(writer)}"
        verdicts[ours[0]] += 1
        kinds |= ours[1]
    assert verdicts[True] > 150, verdicts
    assert verdicts[False] > 150, verdicts
    assert kinds >= {
        "NAME_MISMATCH",
        "TYPE_MISMATCH",
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "MISSING_UNION_BRANCH",
        "MISSING_ENUM_SYMBOLS",
        "FIXED_SIZE_MISMATCH",
        READER_FIELD_AMBIGUOUS,
    }, kinds


def _record(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": "R", "fields": list(fields), **extra}


SCHEMAS = [
    _record({"name": "a", "type": "int"}),
    _record({"name": "a", "type": "int", "default": "zero"}),
    _record({"name": "a", "type": "int", "default": 2**31}),
    _record({"name": "a", "type": "long", "default": 2**31}),
    _record({"name": "a", "type": ["null", "int"], "default": None}),
    _record({"name": "a", "type": ["null", "int"], "default": 1}),
    _record({"name": "a", "type": ["int", "null"], "default": 1}),
    _record({"name": "a", "type": "int"}, {"name": "a", "type": "long"}),
    _record({"name": "a", "type": "Missing"}),
    _record({"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["X", "X"]}}),
    _record({"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["X"], "default": "Y"}}),
    _record({"name": "a", "type": {"type": "fixed", "name": "F", "size": 4}, "default": "abcd"}),
    _record({"name": "a", "type": {"type": "fixed", "name": "F", "size": 4}, "default": "abc"}),
    _record({"name": "a", "type": ["int", "int"]}),
    _record({"name": "a", "type": ["null", ["int"]]}),
    _record({"name": "a", "type": "float", "default": 1}),
    _record({"name": "a", "type": "double", "default": "NaN"}),
    _record({"name": "a", "type": "boolean", "default": 0}),
    _record({"name": "a", "type": {"type": "array", "items": "int"}, "default": [1, 2]}),
    _record({"name": "a", "type": {"type": "array", "items": "int"}, "default": ["x"]}),
    _record({"name": "a", "type": {"type": "map", "values": "long"}, "default": {"k": 1}}),
    _record({"name": "1a", "type": "int"}),
    {"type": "record", "name": "R"},
    {"type": "record", "name": "a.b.R", "fields": [{"name": "x", "type": "R"}]},
    {
        "type": "record",
        "name": "R",
        "namespace": "n",
        "fields": [{"name": "x", "type": ["null", "n.R"], "default": None}],
    },
    {"type": "fixed", "name": "F"},
    {"type": "enum", "name": "int", "symbols": ["A"]},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: json.dumps(s)[:60])
def test_schema_validity_matches_java(java: JavaAvro, schema: Any) -> None:
    try:
        parse_schema(json.dumps(schema))
        ours = True
    except InvalidSchemaError:
        ours = False
    assert ours == java.is_valid(schema)
