"""The Confluent wire format against the real Schema Registry, on a real broker: records
produced with confluent-kafka's own AvroSerializer are read by the quality processor in the
current and the previous accepted version alike, a record whose schema id is no accepted
version of the port opens SCHEMA_VIOLATION naming the id; meshgov's own events, with a
registry configured, are read by the stock AvroDeserializer."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from fastavro import parse_schema, schemaless_writer

from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients, read_to_end
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS, TopicSpec
from meshgov.models.events import BreachKind, BreachState
from meshgov.processors.signals import Seen, Signal, decode_signal
from meshgov.settings import Settings
from tests.support.mesh import Emitted, accepted, check_result, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

V1 = {
    "type": "record",
    "name": "Order",
    "namespace": "com.company.orders",
    "fields": [{"name": "order_id", "type": "string"}],
}
V2 = {**V1, "fields": [*V1["fields"], {"name": "channel", "type": "string", "default": "web"}]}
STRANGER = {"type": "record", "name": "Click", "fields": [{"name": "page", "type": "long"}]}


def descriptor(name: str, topic: str, schema: dict[str, Any], version: str) -> str:
    return f"""
data_product:
  name: "{name}"
  version: "{version}"
  owner: "orders-team@company.com"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{topic}"
      schema: {json.dumps(json.dumps(schema))}
  quality:
    - metric: "no_nulls_in_order_id"
"""


@pytest.fixture
def settings(kafka_bootstrap: str, schema_registry_url: str, unique: str) -> Settings:
    settings = Settings(
        bootstrap=kafka_bootstrap,
        topic_prefix=f"wf{unique}.",
        schema_registry_url=schema_registry_url,
    )
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    return settings


@pytest.fixture
def readers(settings: Settings, tmp_path: Path) -> Iterator[list[ProcessorProcess]]:
    """The processors that read streaming ports."""
    processes = [
        ProcessorProcess(
            name,
            settings,
            tmp_path,
            env={"MESHGOV_SCHEMA_REGISTRY_URL": settings.schema_registry_url},
        )
        for name in ("quality", "pii", "freshness")
    ]
    for process in processes:
        process.start()
    yield processes
    for process in processes:
        process.stop()


def test_records_of_every_accepted_version_are_read_and_an_unknown_id_is_a_violation(
    settings: Settings, readers: list[ProcessorProcess]
) -> None:
    clients = KafkaClients(settings)
    registry = clients.schema_registry()
    topic = settings.topic(f"orders-{uuid.uuid4().hex[:6]}")
    TopicAdmin(clients).ensure([TopicSpec(topic, None)], 1)
    product = "wire-orders"
    publisher = EventPublisher(clients)
    ids = []
    for schema, version in ((V1, "1.0.0"), (V2, "1.1.0")):
        ids.append(registry.register_schema(f"{topic}-value", Schema(json.dumps(schema), "AVRO")))
        reg = registration(descriptor(product, topic, schema, version), product, version)
        publisher.publish(VERDICTS, accepted(reg))
    stranger_id = registry.register_schema(
        f"{topic}-stranger-value", Schema(json.dumps(STRANGER), "AVRO")
    )
    for reader in readers:
        reader.wait_ready()

    def serializer(schema: dict[str, Any], subject: str) -> AvroSerializer:
        return AvroSerializer(
            registry,
            json.dumps(schema),
            conf={
                "auto.register.schemas": False,  # a governed subject: no schema of its own
                "subject.name.strategy": lambda ctx, name: subject,
            },
        )

    context = SerializationContext(topic, MessageField.VALUE)
    values = [
        # An email in each: only a PII reader that decoded the record can see it.
        serializer(V1, f"{topic}-value")({"order_id": "alice@example.com"}, context),
        serializer(V2, f"{topic}-value")(
            {"order_id": "ORD-2", "channel": "bob@example.org"}, context
        ),
        serializer(STRANGER, f"{topic}-stranger-value")({"page": 4}, context),
    ]
    producer = clients.producer()
    for value in values:
        producer.produce(topic, value=value)
    # Newer clients may name the schema in a header, before bare Avro: offsets 3 and 4.
    for schema_id in (ids[0], stranger_id):
        producer.produce(
            topic,
            value=fastavro_bare(V1, {"order_id": "ORD-3"}),
            headers=[("__value_schema_id", b"\x00" + schema_id.to_bytes(4, "big"))],
        )
    producer.flush(30)

    emitted = Emitted(
        settings,
        clients.codec(),
        lambda: "\n".join(f"--- {r.name}\n{r.log_tail(40)}" for r in readers),
    )

    def leaked() -> set[str | None]:
        return {b.field for b in emitted.breaches if b.kind is BreachKind.PII_LEAK}

    try:
        emitted.poll_until(
            lambda: (
                any(b.kind is BreachKind.SCHEMA_VIOLATION for b in emitted.breaches)
                and leaked() >= {"order_id", "channel"}
            )
        )
        emitted.drain(4)
    finally:
        emitted.close()
    # pii decoded the previous version's record (order_id) and the current one's (channel).
    assert leaked() == {"order_id", "channel"}
    # freshness needs only the records' times, whatever their framing: it saw the newest.
    newest = max(record_times(settings, topic))
    seen = [s for s in signals(settings, "freshness") if isinstance(s, Seen)]
    assert any(s.event_at == newest for s in seen), (newest, seen)
    [violation] = [b for b in emitted.breaches if b.kind is BreachKind.SCHEMA_VIOLATION]
    assert violation.state is BreachState.OPEN
    assert f"Schema Registry id {stranger_id}," in violation.observed
    # Only the strangers are dead letters: both accepted versions decoded, framed or named
    # in the header.
    letters = sorted(emitted.dead_letters, key=lambda d: d.source_offset)
    assert [d.source_offset for d in letters] == [2, 4], [d.error_message for d in letters]
    assert f"schema {stranger_id} (header __value_schema_id)" in letters[1].error_message


def fastavro_bare(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(schema), record)
    return body.getvalue()


def test_a_verdict_is_read_by_the_stock_avro_deserializer(
    settings: Settings, tmp_path: Path
) -> None:
    """With a registry configured, meshgov writes its events in the Confluent wire format
    (schemas under `<topic>-value`): the verdicts processor reads registrations and check
    results so written and its verdict is read by AvroDeserializer, no meshgov code."""
    verdicts = ProcessorProcess(
        "verdicts",
        settings,
        tmp_path,
        env={"MESHGOV_SCHEMA_REGISTRY_URL": settings.schema_registry_url},
    )
    verdicts.start()
    try:
        verdicts.wait_ready()
        reg = registration(descriptor("wire-verdict", "orders", V1, "1.0.0"), "wire-verdict")
        publisher = EventPublisher(KafkaClients(settings))
        publisher.send(REGISTRATIONS, reg)
        for check in ("compatibility", "pii", "policy", "sla"):
            publisher.send(CHECK_RESULTS, check_result(reg, check))
        publisher.flush()
        registry = SchemaRegistryClient({"url": settings.schema_registry_url})
        deserializer = AvroDeserializer(registry)
        consumer = KafkaClients(settings).consumer()
        topic = settings.topic(VERDICTS)
        consumer.subscribe([topic])
        found: dict[str, Any] | None = None
        deadline = time.monotonic() + 60
        while found is None and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            assert (message.value() or b"")[:1] == b"\x00"  # the wire format's magic byte
            found = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
        consumer.close()
        assert found is not None, verdicts.log_tail(60)
        assert (found["registration_id"], found["product"], found["decision"]) == (
            reg.registration_id,
            "wire-verdict",
            "ACCEPTED",
        )
        subjects = registry.get_subjects()
        assert f"{topic}-value" in subjects
        assert settings.topic(REGISTRATIONS) + "-value" in subjects
    finally:
        verdicts.stop()


def record_times(settings: Settings, topic: str) -> list[datetime]:
    return [
        datetime.fromtimestamp(m.timestamp()[1] / 1000, UTC)
        for m in read_to_end(KafkaClients(settings), topic)
    ]


def signals(settings: Settings, processor: str) -> list[Signal]:
    topic = settings.topic(f"meshgov-{processor}-signals")
    return [decode_signal(m.value() or b"") for m in read_to_end(KafkaClients(settings), topic)]
