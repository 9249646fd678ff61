"""Transitive modes find a break against any earlier version, and the shortcuts that make the
check fast (each version parsed beside the one before, shared unchanged fields skipped) never
change a finding: the same checks made on fresh trees with every shortcut disabled, over
generated multi-version histories, give the same findings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshgov.avro import Field, InvalidSchemaError, RecordSchema, Schema, SchemaCache, parse_schema
from meshgov.avro.cache import canonical_form
from meshgov.avro.schema import ArraySchema, MapSchema, PrimitiveSchema, UnionSchema
from meshgov.checks.compatibility import SchemaVersion, check_schema, resolve
from meshgov.checks.compatibility.check import compared_versions
from meshgov.models.sla import CompatibilityMode as Mode
from tests.support.schema_gen import HistoryGenerator


def record(*fields: dict[str, Any], name: str = "Order") -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": [{"name": "id", "type": "string"}, *fields]}


def versions(*schemas: Any) -> list[SchemaVersion]:
    return [SchemaVersion(str(i), json.dumps(s)) for i, s in enumerate(schemas, start=1)]


def errors(report: Any) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.path, f.against_version) for f in report.errors]


def field(type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": "f", "type": type_, **extra}


def test_a_promotion_chain_after_a_narrowing_breaks_only_against_the_older_version() -> None:
    # v1 double, v2 int (a break accepted earlier), new long: long reads int, not double.
    history = versions(record(field("double")), record(field("int")))
    new = record(field("long"))
    assert check_schema(new, history, Mode.BACKWARD).compatible
    report = check_schema(new, history, Mode.BACKWARD_TRANSITIVE)
    assert (report.compatible, errors(report)) == (
        False,
        [("TYPE_MISMATCH", "/fields/f/type", "1")],
    )
    full = check_schema(new, history, Mode.FULL_TRANSITIVE)
    assert errors(full) == [
        ("TYPE_MISMATCH", "/fields/f/type", "2"),
        ("TYPE_MISMATCH", "/fields/f/type", "1"),
    ]


def test_a_promotion_chain_across_versions_is_forward_incompatible_with_every_step() -> None:
    history = versions(record(field("int")), record(field("long")), record(field("float")))
    new = record(field("double"))
    assert check_schema(new, history, Mode.BACKWARD_TRANSITIVE).compatible
    report = check_schema(new, history, Mode.FORWARD_TRANSITIVE)
    assert errors(report) == [("TYPE_MISMATCH", "/fields/f/type", v) for v in ("3", "2", "1")]


def enum(*symbols: str, name: str = "Kind") -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": list(symbols)}


def test_an_enum_that_lost_a_symbol_earlier_breaks_against_the_version_that_had_it() -> None:
    history = versions(record(field(enum("A", "B", "C"))), record(field(enum("A", "B"))))
    new = record(field(enum("A", "B", "D")))
    assert check_schema(new, history, Mode.BACKWARD).compatible
    backward = check_schema(new, history, Mode.BACKWARD_TRANSITIVE)
    assert errors(backward) == [("MISSING_ENUM_SYMBOLS", "/fields/f/type/symbols", "1")]
    assert backward.errors[0].details["detail"] == "[C]"
    forward = check_schema(new, history, Mode.FORWARD_TRANSITIVE)
    assert errors(forward) == [
        ("MISSING_ENUM_SYMBOLS", "/fields/f/type/symbols", "2"),
        ("MISSING_ENUM_SYMBOLS", "/fields/f/type/symbols", "1"),
    ]


def test_a_nullable_field_made_required_earlier_breaks_against_the_nullable_version() -> None:
    history = versions(
        record(field(["null", "string"], default=None)),
        record(field("string")),
    )
    new = record(field("string"), {"name": "note", "type": "string", "default": ""})
    assert check_schema(new, history, Mode.BACKWARD).compatible
    report = check_schema(new, history, Mode.BACKWARD_TRANSITIVE)
    assert (report.compatible, errors(report)) == (
        False,
        [("TYPE_MISMATCH", "/fields/f/type/0", "1")],
    )
    assert check_schema(new, history, Mode.FORWARD_TRANSITIVE).compatible


def test_a_type_named_by_reference_is_compared_even_when_the_reference_is_unchanged() -> None:
    # `b` names Kind; Kind's definition moves from field a to field c, so the definitions
    # are never paired, and only the reference shows that Kind lost a symbol.
    old = record({"name": "a", "type": enum("X", "Y")}, {"name": "b", "type": "Kind"})
    new = record(
        {"name": "c", "type": enum("X"), "default": "X"},
        {"name": "b", "type": "Kind"},
    )
    report = check_schema(new, versions(old), Mode.BACKWARD)
    assert errors(report) == [("MISSING_ENUM_SYMBOLS", "/fields/b/type/symbols", "1")]


def test_an_unchanged_record_whose_field_alias_names_another_field_is_ambiguous() -> None:
    # Java's lookup finds `id` by name and by alias: it throws even reading a record with
    # itself, so the unchanged nested record may not be skipped.
    inner = {
        "type": "record",
        "name": "Inner",
        "fields": [
            {"name": "id", "type": "string", "aliases": ["legacy"]},
            {"name": "legacy", "type": "string"},
        ],
    }
    old = record({"name": "inner", "type": inner})
    new = record({"name": "inner", "type": inner}, {"name": "x", "type": "int", "default": 0})
    report = check_schema(new, versions(old), Mode.BACKWARD)
    assert errors(report) == [("READER_FIELD_AMBIGUOUS", "/fields/inner/type/fields/id", "1")]


def test_wide_records_find_the_changed_field_among_shared_ones_in_every_version() -> None:
    fields = [{"name": f"f{i}", "type": ["null", "string"], "default": None} for i in range(60)]
    v1 = {"type": "record", "name": "Wide", "fields": fields}
    v2 = {**v1, "fields": [*fields[:30], {"name": "f30", "type": "string"}, *fields[31:]]}
    v3 = {**v2, "fields": [*v2["fields"], {"name": "extra", "type": "int", "default": 0}]}
    cache = SchemaCache()
    report = check_schema(v3, versions(v1, v2), Mode.FULL_TRANSITIVE, cache=cache)
    assert errors(report) == [
        ("TYPE_MISMATCH", "/fields/f30/type/0", "1"),
    ]
    shared = [f for f in cache.get(json.dumps(v2)).schema.fields if f.name != "f30"]  # type: ignore[union-attr]
    first = cache.get(json.dumps(v1)).schema
    assert isinstance(first, RecordSchema)
    assert all(first.field_index[f.name] is f for f in shared)


# -- the shortcuts against the plain path, on generated histories ----------------------------


def _plain(schema: Schema, seen: set[int] | None = None) -> Schema:
    """`schema` with every shortcut off: no node counts as reflexive, every field is checked."""
    seen = set() if seen is None else seen
    if id(schema) in seen or isinstance(schema, PrimitiveSchema):
        # Primitives are decided by the promotion table before any shortcut, and a bare one
        # is a node shared by every tree, which must stay as parsed.
        return schema
    seen.add(id(schema))
    schema.reflexive = False
    if isinstance(schema, RecordSchema):
        for item in schema.fields:
            item.reflexive = False
            _plain(item.schema, seen)
        schema.always = tuple(schema.fields)
    elif isinstance(schema, ArraySchema):
        _plain(schema.items, seen)
    elif isinstance(schema, MapSchema):
        _plain(schema.values, seen)
    elif isinstance(schema, UnionSchema):
        for branch in schema.branches:
            _plain(branch, seen)
    return schema


Key = tuple[str, str, str | None]


def _plain_check(new: str, previous: list[str], mode: Mode) -> tuple[bool, list[Key]]:
    """check_schema's decision and errors, made the slow way: every schema parsed afresh
    (no cache, no base, no shared nodes) and resolved without shortcuts."""
    try:
        new_schema = _plain(parse_schema(new))
    except InvalidSchemaError as exc:
        return False, [("INVALID_SCHEMA", exc.path, None)]
    olds: list[Schema | InvalidSchemaError] = []
    for text in previous:
        try:
            olds.append(_plain(parse_schema(text)))
        except InvalidSchemaError as exc:
            olds.append(exc)
    latest_readable = bool(previous) and not isinstance(olds[-1], InvalidSchemaError)
    if latest_readable and canonical_form(json.loads(new)) == canonical_form(
        json.loads(previous[-1])
    ):
        return True, []
    backward = mode.value.startswith(("BACKWARD", "FULL"))
    forward = mode.value.startswith(("FORWARD", "FULL"))
    compared = compared_versions(mode, len(previous))
    found: list[Key] = []
    for index in reversed(range(len(previous))):
        old = olds[index]
        if index not in compared:
            continue
        if isinstance(old, InvalidSchemaError):
            found.append(("INVALID_HISTORY_SCHEMA", old.path, str(index)))
            continue
        pairs = ([(new_schema, old)] if backward else []) + ([(old, new_schema)] if forward else [])
        for reader, writer in pairs:
            for item in resolve(reader, writer).incompatibilities:
                found.append((item.code, item.path or "/", str(index)))
    return not found, found


class _QuirkyGenerator(HistoryGenerator):
    """Histories of records that mostly evolve through renames, aliases (some matching two
    fields) and enum defaults, nested records included: where Java and shortcuts could part."""

    def top_level(self, depth: int = 0) -> Any:
        return self.record(self.rng.randint(2, 8)) if depth == 0 else super().top_level(depth)

    def evolve_any(self, schema: Any, breaking: float = 0.3) -> Any:
        if isinstance(schema, dict) and schema.get("type") == "record" and self.rng.random() < 0.6:
            return self.evolve_with_quirks(schema)
        return super().evolve_any(schema, breaking)


@pytest.mark.parametrize(
    "generator",
    [HistoryGenerator(3), HistoryGenerator(41), HistoryGenerator(2026), _QuirkyGenerator(8)],
    ids=["seed-3", "seed-41", "seed-2026", "quirks-8"],
)
def test_shared_parsing_and_skipped_fields_never_change_a_finding(
    generator: HistoryGenerator,
) -> None:
    cache = SchemaCache()
    cases = breaks_before_latest = 0
    for _ in range(60):
        previous, new = generator.history_case(generator.rng.randint(3, 10))
        history = [SchemaVersion(str(i), text) for i, text in enumerate(previous)]
        for mode in Mode:
            report = check_schema(new, history, mode, cache=cache)
            fast = (report.compatible, [(f.code, f.path, f.against_version) for f in report.errors])
            assert fast == _plain_check(new, previous, mode), f"{mode}\n{new}\n{previous}"
            cases += 1
            latest = str(len(previous) - 1)
            breaks_before_latest += any(v != latest for _, _, v in fast[1])
    assert cases == 60 * 7
    assert breaks_before_latest > 20  # the shapes a check of the latest alone misses


def _same_tree(a: Schema, b: Schema, seen: set[tuple[int, int]] | None = None) -> bool:
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen:
        return True
    seen.add((id(a), id(b)))
    if (type(a), a.type, a.raw, a.self_contained, a.reflexive) != (
        type(b),
        b.type,
        b.raw,
        b.self_contained,
        b.reflexive,
    ):
        return False
    if isinstance(a, RecordSchema) and isinstance(b, RecordSchema):
        return (a.fullname, a.aliases, [f.name for f in a.fields]) == (
            b.fullname,
            b.aliases,
            [f.name for f in b.fields],
        ) and all(_same_field(x, y, seen) for x, y in zip(a.fields, b.fields, strict=True))
    if isinstance(a, UnionSchema) and isinstance(b, UnionSchema):
        return all(_same_tree(x, y, seen) for x, y in zip(a.branches, b.branches, strict=True))
    if isinstance(a, ArraySchema) and isinstance(b, ArraySchema):
        return _same_tree(a.items, b.items, seen)
    if isinstance(a, MapSchema) and isinstance(b, MapSchema):
        return _same_tree(a.values, b.values, seen)
    return True


def _same_field(a: Field, b: Field, seen: set[tuple[int, int]]) -> bool:
    return (a.raw, a.contained, a.reflexive, [d.fullname for d in a.definitions]) == (
        b.raw,
        b.contained,
        b.reflexive,
        [d.fullname for d in b.definitions],
    ) and _same_tree(a.schema, b.schema, seen)


def _outcome(text: str, base: Schema | None) -> Schema | tuple[str, str]:
    try:
        return parse_schema(text, base)
    except InvalidSchemaError as exc:
        return exc.reason, exc.path


def test_a_version_parsed_beside_the_one_before_is_the_tree_a_fresh_parse_gives() -> None:
    generator = HistoryGenerator(seed=77)
    shared_fields = 0
    for _ in range(80):
        previous, new = generator.history_case(generator.rng.randint(3, 10), invalid=0)
        base: Schema | None = None
        for text in [*previous, new]:
            fresh, beside = _outcome(text, None), _outcome(text, base)
            if isinstance(fresh, Schema):
                assert isinstance(beside, Schema)
                assert _same_tree(beside, fresh), text
            else:
                assert beside == fresh, text
                continue
            if isinstance(beside, RecordSchema) and isinstance(base, RecordSchema):
                shared_fields += sum(base.field_index.get(f.name) is f for f in beside.fields)
            base = beside
    assert shared_fields > 200  # the sharing this test is about did happen


def test_a_bare_primitive_early_in_the_history_is_checked_in_transitive_modes() -> None:
    history = [
        SchemaVersion("1", '"long"'),
        SchemaVersion("2", '"null"'),
        SchemaVersion("3", '["null", "string"]'),
    ]
    new = '["null", "boolean", "string"]'
    assert check_schema(new, history, Mode.BACKWARD).compatible
    report = check_schema(new, history, Mode.BACKWARD_TRANSITIVE)
    assert (report.compatible, errors(report)) == (False, [("MISSING_UNION_BRANCH", "/", "1")])
