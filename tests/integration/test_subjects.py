"""meshgov as the Schema Registry's writer, on a real broker and the real registry: an
accepted product's schema lands in its subject at the compatibility level of its schema
stability; a rejected one does not; a SCHEDULED breaking change lands when it takes effect,
with the level restored; applying a verdict again changes nothing; a version written to the
registry directly opens UNGOVERNED_SCHEMA, and deleting it resolves the breach."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients
from meshgov.kafka.topics import VERDICTS
from meshgov.models.events import BreachKind, BreachState, Decision
from meshgov.registry.drift import DRIFT_GRACE
from meshgov.settings import Settings
from tests.support.mesh import Emitted, accepted, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

V1 = {
    "type": "record",
    "name": "Order",
    "namespace": "com.company.orders",
    "fields": [{"name": "order_id", "type": "string"}],
}
BREAKING = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}


def descriptor(name: str, topic: str, schema: dict[str, Any]) -> str:
    return f"""
data_product:
  name: "{name}"
  owner: "orders-team@company.com"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{topic}"
      schema: {json.dumps(json.dumps(schema))}
  sla:
    schema_stability: "Backward compatible, 30-day notice for breaking changes"
"""


@pytest.fixture
def settings(kafka_bootstrap: str, schema_registry_url: str, unique: str) -> Settings:
    settings = Settings(
        bootstrap=kafka_bootstrap,
        topic_prefix=f"sj{unique}.",
        schema_registry_url=schema_registry_url,
    )
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    return settings


@pytest.fixture
def subjects(settings: Settings, tmp_path: Path) -> Iterator[ProcessorProcess]:
    process = ProcessorProcess(
        "subjects",
        settings,
        tmp_path,
        env={
            "MESHGOV_SCHEMA_REGISTRY_URL": settings.schema_registry_url,
            "MESHGOV_REGISTRY_WATCH_SECONDS": "1",
        },
    )
    process.start()
    process.wait_ready()
    yield process
    process.stop()


def latest(registry: SchemaRegistryClient, subject: str) -> tuple[Any, int] | None:
    try:
        found = registry.get_latest_version(subject)
    except SchemaRegistryError:
        return None
    return json.loads(found.schema.schema_str), len(registry.get_versions(subject))


def wait_for(check: Callable[[], bool], logs: Callable[[], str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; subjects log:\n{logs()}")
        time.sleep(0.3)


def test_accepted_versions_govern_their_subjects(
    settings: Settings, subjects: ProcessorProcess
) -> None:
    clients = KafkaClients(settings)

    # A fresh client per look: the client caches the latest version of a subject.
    def registry() -> SchemaRegistryClient:
        return SchemaRegistryClient({"url": settings.schema_registry_url})

    publisher = EventPublisher(clients)
    topic = settings.topic(f"orders-{uuid.uuid4().hex[:6]}")
    subject = f"{topic}-value"
    first = registration(descriptor("gov-orders", topic, V1), "gov-orders")
    publisher.publish(VERDICTS, accepted(first))
    wait_for(lambda: latest(registry(), subject) == (V1, 1), lambda: subjects.log_tail(40))
    assert registry().get_compatibility(subject) == "BACKWARD"

    refused_topic = settings.topic(f"refused-{uuid.uuid4().hex[:6]}")
    refused = registration(descriptor("gov-refused", refused_topic, V1), "gov-refused")
    publisher.publish(VERDICTS, accepted(refused, decision=Decision.REJECTED))

    effective = datetime.now(UTC) + timedelta(seconds=8)
    breaking = registration(descriptor("gov-orders", topic, BREAKING), "gov-orders", "2.0.0")
    scheduled = accepted(breaking, decision=Decision.SCHEDULED).model_copy(
        update={"effective_at": effective}
    )
    publisher.publish(VERDICTS, scheduled)
    publisher.publish(VERDICTS, accepted(first))  # the first verdict again: nothing changes
    time.sleep(3)
    assert latest(registry(), subject) == (V1, 1)  # not before its effective date
    wait_for(lambda: latest(registry(), subject) == (BREAKING, 2), lambda: subjects.log_tail(40))
    assert datetime.now(UTC) >= effective
    assert registry().get_compatibility(subject) == "BACKWARD"  # restored after it
    assert latest(registry(), f"{refused_topic}-value") is None


def test_a_version_written_to_the_registry_directly_is_an_ungoverned_schema_breach(
    settings: Settings, subjects: ProcessorProcess
) -> None:
    from confluent_kafka.schema_registry import Schema

    clients = KafkaClients(settings)
    emitted = Emitted(settings, clients.codec(), lambda: subjects.log_tail(60))
    registry = SchemaRegistryClient({"url": settings.schema_registry_url})
    topic = settings.topic(f"drift-{uuid.uuid4().hex[:6]}")
    subject = f"{topic}-value"
    first = registration(descriptor("gov-drift", topic, V1), "gov-drift")
    EventPublisher(clients).publish(VERDICTS, accepted(first))
    wait_for(lambda: latest(registry, subject) is not None, lambda: subjects.log_tail(40))

    # A team bypasses meshgov: a compatible change, so the registry itself lets it in.
    sneaked = {
        **V1,
        "fields": [*V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
    }
    sneaked_id = registry.register_schema(subject, Schema(json.dumps(sneaked), "AVRO"))
    written_at = time.monotonic()

    def ungoverned(state: BreachState) -> list[Any]:
        return [
            b
            for b in emitted.breaches
            if b.kind is BreachKind.UNGOVERNED_SCHEMA
            and b.product == "gov-drift"
            and b.state is state
        ]

    emitted.poll_until(lambda: ungoverned(BreachState.OPEN), timeout=90)
    [opened] = ungoverned(BreachState.OPEN)
    assert time.monotonic() - written_at >= DRIFT_GRACE.total_seconds() - 1
    assert (opened.owner, opened.details["subject"]) == ("orders-team@company.com", subject)
    assert (opened.details["version"], opened.details["schema_id"]) == ("2", str(sneaked_id))
    assert f"schema id {sneaked_id}" in opened.observed

    emitted.drain(4)  # looked at again every second while open: still the one breach
    assert len(ungoverned(BreachState.OPEN)) == 1

    registry.delete_version(subject, 2)
    emitted.poll_until(lambda: ungoverned(BreachState.RESOLVED), timeout=60)
    [resolved] = ungoverned(BreachState.RESOLVED)
    assert resolved.breach_id == opened.breach_id
    emitted.drain(3)
    assert len(ungoverned(BreachState.OPEN)) == 1  # and deleted, nothing reopens
