"""Each distinct schema is parsed once: the cache keyed by canonical form, the exact-text
fast path, the size bound, and the fields shared with the version before."""

from __future__ import annotations

import json

import pytest

from meshgov.avro import RecordSchema, SchemaCache
from meshgov.avro.cache import canonical_form
from meshgov.checks.compatibility import SchemaVersion, check_schema, resolve
from meshgov.models.sla import CompatibilityMode as Mode
from tests.support.schema_gen import SchemaGenerator

ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}


def test_spellings_of_one_schema_share_one_entry_parsed_once() -> None:
    cache = SchemaCache()
    spellings = [
        json.dumps(ORDER),
        json.dumps(ORDER, indent=2),
        '{"fields": [{"type": "string", "name": "id"}], "name": "Order", "type": "record"}',
    ]
    entries = [cache.get(text) for text in spellings] + [cache.get(ORDER)]
    assert all(entry is entries[0] for entry in entries)
    assert cache.parses == 1
    assert entries[0].canonical == canonical_form(ORDER)
    assert entries[0].canonical == json.dumps(ORDER, sort_keys=True, separators=(",", ":"))


def test_a_text_seen_before_is_served_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = SchemaCache()
    text = json.dumps(ORDER)
    first = cache.get(text)

    def refuse(source: object) -> object:
        raise AssertionError("decoded again")

    monkeypatch.setattr("meshgov.avro.cache.load_json", refuse)
    assert cache.get(text) is first


def test_invalid_schemas_are_remembered_with_their_reason() -> None:
    cache = SchemaCache()
    first = cache.get('{"type": "bogus"}')
    assert first.schema is None
    assert first.error is not None
    assert "not 'bogus'" in first.error.reason
    assert cache.get('{"type":"bogus"}') is first
    not_json = cache.get("{oops")
    assert not_json.error is not None
    assert not_json.error.reason.startswith("not JSON")
    assert cache.parses == 1


def test_the_cache_is_bounded() -> None:
    cache = SchemaCache(maxsize=3)
    for size in range(10):
        cache.get(json.dumps({"type": "fixed", "name": "F", "size": size}))
    assert len(cache) == 3
    recent = cache.get(json.dumps({"type": "fixed", "name": "F", "size": 9}))
    parses = cache.parses
    assert cache.get({"type": "fixed", "name": "F", "size": 9}) is recent
    cache.get(json.dumps({"type": "fixed", "name": "F", "size": 0}))  # evicted: parsed again
    assert cache.parses == parses + 1
    with pytest.raises(ValueError, match="maxsize must be at least 1"):
        SchemaCache(maxsize=0)


def test_a_history_checked_again_at_each_registration_is_parsed_once() -> None:
    cache = SchemaCache()
    generator = SchemaGenerator(seed=5)
    schemas = generator.history(12, versions=6, breaking=0.0)
    texts = [json.dumps(s) for s in schemas]
    for count in range(1, len(texts)):
        history = [SchemaVersion(str(i), t) for i, t in enumerate(texts[:count])]
        check_schema(texts[count], history, Mode.FULL_TRANSITIVE, cache=cache)
    assert cache.parses == len({canonical_form(s) for s in schemas})


def test_a_version_parsed_beside_its_base_shares_the_unchanged_fields() -> None:
    fields = [{"name": f"f{i}", "type": ["null", "string"], "default": None} for i in range(50)]
    old = {"type": "record", "name": "Wide", "fields": fields}
    new = {**old, "fields": [*fields[:49], {"name": "f49", "type": "int"}]}
    cache = SchemaCache()
    base = cache.get(json.dumps(old))
    entry = cache.get(json.dumps(new), base)
    assert isinstance(base.schema, RecordSchema)
    assert isinstance(entry.schema, RecordSchema)
    shared = [f.name for f in entry.schema.fields if base.schema.field_index[f.name] is f]
    assert shared == [f"f{i}" for i in range(49)]
    # A wide record's canonical form is assembled from its fields': the same text.
    assert entry.canonical == canonical_form(new)
    result = resolve(entry.schema, base.schema)
    assert [(i.code, i.path) for i in result.incompatibilities] == [
        ("TYPE_MISMATCH", "/fields/f49/type/0"),
        ("TYPE_MISMATCH", "/fields/f49/type/1"),
    ]


def test_a_field_is_shared_only_within_the_same_namespace() -> None:
    inner = {"type": "enum", "name": "Kind", "symbols": ["A"]}
    old = {
        "type": "record",
        "name": "R",
        "namespace": "a",
        "fields": [{"name": "k", "type": inner}],
    }
    new = {**old, "namespace": "b"}
    cache = SchemaCache()
    base = cache.get(old)
    moved = cache.get(new, base)
    assert isinstance(base.schema, RecordSchema)
    assert isinstance(moved.schema, RecordSchema)
    assert moved.schema.fields[0] is not base.schema.fields[0]
    assert moved.schema.fields[0].definitions[0].fullname == "b.Kind"


def test_a_shared_field_still_defines_its_types_for_later_references() -> None:
    kind = {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}
    old = {"type": "record", "name": "R", "fields": [{"name": "k", "type": kind}]}
    new = {
        **old,
        "fields": [*old["fields"], {"name": "other", "type": ["null", "Kind"], "default": None}],
    }
    cache = SchemaCache()
    entry = cache.get(new, cache.get(old))
    assert entry.error is None
    assert isinstance(entry.schema, RecordSchema)
    duplicate = {**old, "fields": [*old["fields"], {"name": "again", "type": kind}]}
    refused = cache.get(duplicate, cache.get(old))
    assert refused.error is not None
    assert (refused.error.reason, refused.error.path) == (
        "the type 'Kind' is defined twice",
        "/fields/again/type",
    )


def test_field_forms_encoded_together_fall_back_when_a_value_holds_the_marker() -> None:
    from meshgov.avro.cache import _MARKER, _pieces

    strings = {"type": "array", "items": "string"}
    values = [
        {"name": "a", "type": "int"},
        {"name": "b", "type": strings, "default": ["x", _MARKER, "y"]},
    ]
    assert _pieces(values) == [canonical_form(v) for v in values]
    wide = {
        "type": "record",
        "name": "W",
        "fields": [{**values[1], "name": f"f{i}"} for i in range(30)],
    }
    assert SchemaCache().get(json.dumps(wide)).canonical == canonical_form(wide)
