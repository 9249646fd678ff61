"""Our resolution against an independent implementation, Apache Avro's Python package, on
many generated schema pairs. The generator avoids the two constructs where that package
departs from Java (namespace-qualified short aliases, a field matching two writer fields);
tests/unit/test_compat_resolution.py pins Java's behaviour there."""

from __future__ import annotations

import json

import avro.compatibility
import avro.schema

from meshgov.avro import parse_schema
from meshgov.checks.compatibility import resolve
from tests.support.schema_gen import SchemaGenerator


def _reference_compatible(reader: str, writer: str) -> bool:
    checker = avro.compatibility.ReaderWriterCompatibilityChecker()
    result = checker.get_compatibility(avro.schema.parse(reader), avro.schema.parse(writer))
    return result.compatibility is avro.compatibility.SchemaCompatibilityType.compatible


def test_verdicts_agree_with_apache_avro_on_generated_pairs() -> None:
    generator = SchemaGenerator(seed=20261125)
    pairs = 0
    outcomes = {True: 0, False: 0}
    for _ in range(150):
        old = generator.record(generator.rng.randint(3, 25))
        new = generator.evolve(old, breaking=0.5)
        for reader, writer in ((new, old), (old, new)):
            reader_text, writer_text = json.dumps(reader), json.dumps(writer)
            ours = resolve(parse_schema(reader_text), parse_schema(writer_text)).compatible
            assert ours == _reference_compatible(reader_text, writer_text), (
                f"disagreement\nreader={reader_text}\nwriter={writer_text}"
            )
            outcomes[ours] += 1
            pairs += 1
    assert pairs == 300
    # The corpus must exercise both verdicts substantially, or agreement proves little.
    assert outcomes[True] > 60, outcomes
    assert outcomes[False] > 60, outcomes
