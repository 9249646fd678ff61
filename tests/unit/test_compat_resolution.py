"""Each Avro resolution rule, decided as Java's SchemaCompatibility decides it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshgov.avro import InvalidSchemaError, parse_schema
from meshgov.checks.compatibility import resolve


def codes(reader: Any, writer: Any) -> list[tuple[str, str]]:
    result = resolve(parse_schema(json.dumps(reader)), parse_schema(json.dumps(writer)))
    return [(i.code, i.path) for i in result.incompatibilities]


def record(*fields: dict[str, Any], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def field(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


PROMOTIONS = [
    ("long", "int"),
    ("float", "int"),
    ("float", "long"),
    ("double", "int"),
    ("double", "long"),
    ("double", "float"),
    ("bytes", "string"),
    ("string", "bytes"),
]


@pytest.mark.parametrize(("reader", "writer"), PROMOTIONS)
def test_numeric_and_string_promotions_are_compatible(reader: str, writer: str) -> None:
    assert codes(reader, writer) == []


@pytest.mark.parametrize(
    ("reader", "writer"), [(w, r) for r, w in PROMOTIONS if (w, r) not in PROMOTIONS]
)
def test_narrowing_is_a_type_mismatch(reader: str, writer: str) -> None:
    assert codes(reader, writer) == [("TYPE_MISMATCH", "")]


def test_a_new_field_needs_a_default_and_the_path_names_it() -> None:
    old = record(field("id", "string"))
    new = record(field("id", "string"), field("segment", "string"))
    assert codes(new, old) == [("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/segment")]
    with_default = record(field("id", "string"), field("segment", "string", default="all"))
    assert codes(with_default, old) == []


def test_removed_fields_are_ignored_by_the_reader() -> None:
    assert codes(record(field("a", "int")), record(field("a", "int"), field("b", "int"))) == []


def test_nested_record_paths_name_every_step() -> None:
    def customer(email: str) -> dict[str, Any]:
        return record(field("email", email), name="Customer")

    old = record(field("customer", customer("string")))
    new = record(field("customer", customer("int")))
    assert codes(new, old) == [("TYPE_MISMATCH", "/fields/customer/type/fields/email/type")]


def test_every_incompatibility_is_reported_not_only_the_first() -> None:
    old = record(field("a", "string"), field("b", "long"))
    new = record(field("a", "int"), field("b", "int"), field("c", "string"))
    assert sorted(codes(new, old)) == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/c"),
        ("TYPE_MISMATCH", "/fields/a/type"),
        ("TYPE_MISMATCH", "/fields/b/type"),
    ]


def test_field_order_does_not_matter() -> None:
    assert (
        codes(
            record(field("b", "int"), field("a", "int")),
            record(field("a", "int"), field("b", "int")),
        )
        == []
    )


def test_a_field_alias_finds_the_renamed_writer_field() -> None:
    old = record(field("customer_id", "string"))
    new = record(field("client_id", "string", aliases=["customer_id"]))
    assert codes(new, old) == []


def test_a_reader_field_matching_two_writer_fields_is_incompatible_as_in_java() -> None:
    writer = record(field("id", "string"), field("legacy_id", "string"))
    reader = record(field("id", "string", aliases=["legacy_id"]))
    assert codes(reader, writer) == [("READER_FIELD_AMBIGUOUS", "/fields/id")]


def test_record_names_compare_unqualified_then_by_reader_alias() -> None:
    assert codes(record(name="a.Order"), record(name="b.Order")) == []
    assert codes(record(name="Order2"), record(name="Order")) == [("NAME_MISMATCH", "/name")]
    assert codes(record(name="Order2", aliases=["Order"]), record(name="Order")) == []


def test_a_short_alias_is_resolved_against_the_types_namespace_as_in_java() -> None:
    writer = record(name="shop.Order")
    assert codes(record(name="Order2", namespace="shop", aliases=["Order"]), writer) == []
    # Qualified in "other", the alias names other.Order, not shop.Order.
    assert codes(record(name="Order2", namespace="other", aliases=["Order"]), writer) == [
        ("NAME_MISMATCH", "/name")
    ]


def enum(symbols: list[str], name: str = "Kind", **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": symbols, **extra}


def test_enum_reader_must_know_every_writer_symbol_unless_it_has_a_default() -> None:
    assert codes(enum(["A", "B", "C"]), enum(["A", "B"])) == []
    assert codes(enum(["A"]), enum(["A", "B", "C"])) == [("MISSING_ENUM_SYMBOLS", "/symbols")]
    assert codes(enum(["A", "Z"], default="Z"), enum(["A", "B"])) == []
    result = resolve(parse_schema(enum(["A"])), parse_schema(enum(["A", "C", "B"])))
    assert result.incompatibilities[0].detail == "[B, C]"


def test_a_missing_enum_field_with_only_an_enum_default_is_a_type_mismatch_as_in_java() -> None:
    # Java compares the reader field's enum with the writer *record* in this case.
    reader = record(field("a", "int"), field("kind", enum(["X", "Y"], default="X")))
    writer = record(field("a", "int"))
    assert codes(reader, writer) == [("TYPE_MISMATCH", "/fields/kind/type")]


def test_fixed_needs_the_same_size_and_name() -> None:
    def fixed(size: int, name: str = "Hash") -> dict[str, Any]:
        return {"type": "fixed", "name": name, "size": size}

    assert codes(fixed(16), fixed(16)) == []
    assert codes(fixed(16), fixed(8)) == [("FIXED_SIZE_MISMATCH", "/size")]
    assert codes(fixed(8, "Other"), fixed(8)) == [("NAME_MISMATCH", "/name")]


def test_arrays_and_maps_resolve_their_items_and_values() -> None:
    assert codes({"type": "array", "items": "long"}, {"type": "array", "items": "int"}) == []
    assert codes({"type": "array", "items": "int"}, {"type": "array", "items": "long"}) == [
        ("TYPE_MISMATCH", "/items")
    ]
    assert codes({"type": "map", "values": "string"}, {"type": "map", "values": "int"}) == [
        ("TYPE_MISMATCH", "/values")
    ]
    assert codes({"type": "array", "items": "int"}, {"type": "map", "values": "int"}) == [
        ("TYPE_MISMATCH", "")
    ]


def test_unions_on_either_side() -> None:
    assert codes(["null", "string"], "string") == []
    assert codes(["null", "long"], "int") == []
    assert codes(["null", "string"], "int") == [("MISSING_UNION_BRANCH", "")]
    assert codes("string", ["null", "string"]) == [("TYPE_MISMATCH", "/0")]
    assert codes(["null", "string", "int"], ["null", "string"]) == []
    assert codes(["null", "string"], ["null", "string", "int"]) == [("MISSING_UNION_BRANCH", "/2")]


def test_recursive_types_terminate_and_resolve() -> None:
    def node(value: str) -> dict[str, Any]:
        return record(
            field("value", value), field("next", ["null", "Node"], default=None), name="Node"
        )

    assert codes(node("long"), node("int")) == []
    assert codes(node("int"), node("long")) == [("TYPE_MISMATCH", "/fields/value/type")]


def test_logical_types_do_not_change_the_decision_but_are_warned_about() -> None:
    millis = {"type": "long", "logicalType": "timestamp-millis"}
    micros = {"type": "long", "logicalType": "timestamp-micros"}
    result = resolve(
        parse_schema(record(field("at", micros))), parse_schema(record(field("at", millis)))
    )
    assert result.compatible
    (change,) = result.logical_type_changes
    assert (change.code, change.path) == ("LOGICAL_TYPE_CHANGED", "/fields/at/type")
    assert change.detail == "long (timestamp-millis) read as long (timestamp-micros)"


@pytest.mark.parametrize(
    ("schema", "reason", "path"),
    [
        ("{not json", "not JSON", "/"),
        (record(field("a", "int"), field("a", "long")), "duplicate field 'a'", "/fields/a"),
        (record(field("a", "int", default="zero")), "is not a valid int", "/fields/a/default"),
        (
            record(field("a", ["null", "int"], default="x")),
            "one of its branches",
            "/fields/a/default",
        ),
        (record(field("a", "Customer")), "unknown type 'Customer'", "/fields/a/type"),
        (enum(["A", "A"]), "symbol appears twice", "/symbols"),
        (enum(["A"], default="B"), "not one of its symbols", "/default"),
        ({"type": "fixed", "name": "F"}, "integer 'size'", "/"),
        (["int", "int"], "contains 'int' twice", "/1"),
        (record(field("a", "int"), name="1bad"), "invalid name", "/name"),
    ],
)
def test_invalid_schemas_say_why_and_where(schema: Any, reason: str, path: str) -> None:
    with pytest.raises(InvalidSchemaError) as info:
        parse_schema(schema)
    assert reason in info.value.reason
    assert info.value.path == path
