"""Accepted history is parsed lazily; that must never change a finding."""

from __future__ import annotations

import json

import pytest

from meshgov.avro.parser import EagerParseNeeded, parse_schema, parse_trusted
from meshgov.checks.compatibility import SchemaVersion, check_schema, resolve
from meshgov.checks.compatibility.check import clear_parse_cache
from meshgov.models.sla import CompatibilityMode
from tests.support.schema_gen import SchemaGenerator


def _findings(report: object) -> list[tuple[str, str | None, str | None, str]]:
    return [(f.code, f.path, f.against_version, f.message) for f in report.findings]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", [m for m in CompatibilityMode if m is not CompatibilityMode.NONE])
def test_lazy_history_gives_the_same_findings_as_eagerly_parsed_history(
    mode: CompatibilityMode,
) -> None:
    generator = SchemaGenerator(seed=11)
    for _ in range(12):
        history = generator.history(generator.rng.randint(5, 40), versions=5, breaking=0.3)
        new = generator.next_version(history, breaking=0.5)
        versions = [SchemaVersion(str(i), json.dumps(s)) for i, s in enumerate(history, 1)]
        clear_parse_cache()
        lazy = check_schema(json.dumps(new), versions, mode)
        # The same check with every version fully parsed and validated, one pair at a time.
        new_schema = parse_schema(new)
        expected_codes = set()
        against = versions if mode.value.endswith("TRANSITIVE") else versions[-1:]
        for version in against:
            old = parse_schema(version.schema)
            pairs = []
            if mode.value.startswith(("BACKWARD", "FULL")):
                pairs.append((new_schema, old))
            if mode.value.startswith(("FORWARD", "FULL")):
                pairs.append((old, new_schema))
            for reader, writer in pairs:
                expected_codes |= {
                    (i.code, i.path or "/", version.version)
                    for i in resolve(reader, writer).incompatibilities
                }
        assert {(c, p, v) for c, p, v, _ in _findings(lazy) if c != "LOGICAL_TYPE_CHANGED"} == (
            expected_codes
        )


def test_unchanged_fields_of_an_accepted_schema_are_never_built() -> None:
    fields = [{"name": f"f{i}", "type": ["null", "string"], "default": None} for i in range(50)]
    old = {"type": "record", "name": "Wide", "fields": fields}
    new = {
        "type": "record",
        "name": "Wide",
        "fields": [*fields[:49], {"name": "f49", "type": "int"}],
    }
    accepted = parse_trusted(old)
    result = resolve(parse_schema(new), accepted)
    assert [i.path for i in result.incompatibilities] == [
        "/fields/f49/type/0",
        "/fields/f49/type/1",
    ]
    built = [f.name for f in accepted.fields if f.built is not None]  # type: ignore[attr-defined]
    assert built == ["f49"]


def test_a_lazy_parse_stops_at_a_named_reference() -> None:
    address = {
        "type": "record",
        "name": "Address",
        "fields": [{"name": "street", "type": "string"}],
    }
    schema = {
        "type": "record",
        "name": "Customer",
        "fields": [{"name": "home", "type": address}, {"name": "work", "type": "Address"}],
    }
    lazy = parse_trusted(schema)
    with pytest.raises(EagerParseNeeded):
        _ = lazy.fields[1].schema  # type: ignore[attr-defined]


def test_history_with_named_references_is_checked_like_any_other() -> None:
    def customer(street_type: str) -> dict[str, object]:
        address = {
            "type": "record",
            "name": "Address",
            "fields": [{"name": "street", "type": street_type}],
        }
        return {
            "type": "record",
            "name": "Customer",
            "fields": [{"name": "home", "type": address}, {"name": "work", "type": "Address"}],
        }

    clear_parse_cache()
    history = [SchemaVersion("1.0.0", json.dumps(customer("string")))]
    report = check_schema(json.dumps(customer("int")), history, CompatibilityMode.BACKWARD)
    assert sorted(f.path for f in report.errors) == [
        "/fields/home/type/fields/street/type",
    ]
    assert check_schema(json.dumps(customer("string")), history, CompatibilityMode.FULL).compatible
