"""meshgov's compatibility decision against the Schema Registry's own answer
(`POST /compatibility/subjects/{s}/versions/latest`) for generated subjects, with Java
Avro's SchemaCompatibility (the code Confluent's registry runs) as the arbiter: wherever the
registry differs from meshgov, Java Avro must side with meshgov. The tally and the kinds of
each difference are printed (pytest -s) for the record."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError

from meshgov.checks.compatibility import SchemaVersion, check_schema
from meshgov.kafka.clients import KafkaClients
from meshgov.models.sla import CompatibilityMode
from meshgov.settings import Settings
from tests.support.avro_java import JavaAvro
from tests.support.schema_gen import SchemaGenerator

pytestmark = pytest.mark.kafka

SEED = 5_550_123  # never looked at while meshgov's checker was built
SUBJECTS = 150
MODES = ("BACKWARD", "FORWARD", "FULL")


@pytest.fixture(scope="module")
def java() -> Iterator[JavaAvro]:
    reference = JavaAvro()
    yield reference
    reference.close()


def ours(mode: str, new: Any, old: Any) -> bool:
    report = check_schema(
        json.dumps(new), [SchemaVersion("1", json.dumps(old))], CompatibilityMode(mode)
    )
    return report.compatible


def javas(java: JavaAvro, mode: str, new: Any, old: Any) -> bool:
    answer = java.history(mode, json.dumps(new), [json.dumps(old)])
    return bool(answer["compatible"])


def test_where_the_registry_differs_java_avro_sides_with_meshgov(
    java: JavaAvro, kafka_bootstrap: str, schema_registry_url: str
) -> None:
    registry = KafkaClients(
        Settings(bootstrap=kafka_bootstrap, schema_registry_url=schema_registry_url)
    ).schema_registry()
    generator = SchemaGenerator(SEED)
    tally: Counter[str] = Counter()
    differences: list[str] = []
    for index in range(SUBJECTS):
        old = generator.record(generator.rng.randint(3, 12))
        new = generator.evolve(old, breaking=0.5)
        mode = MODES[index % len(MODES)]
        subject = f"differential-{uuid.uuid4().hex}-value"
        try:
            registry.register_schema(subject, Schema(json.dumps(old), "AVRO"))
        except SchemaRegistryError:
            tally["refused by the registry as a first version"] += 1
            continue
        registry.set_compatibility(subject_name=subject, level=mode)
        try:
            theirs = registry.test_compatibility(subject, Schema(json.dumps(new), "AVRO"))
        except SchemaRegistryError as error:
            tally["registry error"] += 1
            differences.append(f"{mode}: registry error {error}")
            continue
        mine = ours(mode, new, old)
        tally["cases"] += 1
        if theirs == mine:
            tally["identical"] += 1
            continue
        reference = javas(java, mode, new, old)
        assert reference == mine, (
            f"Java Avro sides with the registry ({mode}):\nold={json.dumps(old)}\n"
            f"new={json.dumps(new)}"
        )
        tally[
            f"registry says {'compatible' if theirs else 'incompatible'}, Java and meshgov not"
        ] += 1
        differences.append(f"{mode}: registry {theirs}, meshgov and Java {mine}")
    print(dict(tally))
    for line in differences[:20]:
        print(" ", line)
    assert tally["cases"] >= SUBJECTS * 0.9, tally
