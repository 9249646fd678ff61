"""Scale-out on a 6-partition mesh: two workers of every processor of the verdict pipeline
give exactly the verdicts one worker gives (deterministic ids, one final verdict each), and
two quality workers judge a streaming port's windows as one does."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients
from meshgov.kafka.topics import REGISTRATIONS, VERDICTS, TopicSpec
from meshgov.models.events import BreachKind, Registration, Verdict
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.mesh import Emitted, accepted, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

PROCESSORS = ("compatibility", "pii", "policy", "freshness", "verdicts")
V1 = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}
BREAKING = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}


def registrations() -> list[Registration]:
    """Twenty products: a first version each, then a breaking change for every other one
    (rejected against the history the first verdict taught), in one order on their keys."""
    first = [
        registration(example_descriptor(name=f"scale-{i}", schema=V1), f"scale-{i}")
        for i in range(20)
    ]
    second = [
        registration(
            example_descriptor(
                name=f"scale-{i}", version="1.1.0", schema=BREAKING if i % 2 else V1
            ),
            f"scale-{i}",
            "1.1.0",
        )
        for i in range(20)
    ]
    return first + second


def outcome(verdict: Verdict) -> tuple[Any, ...]:
    return (
        verdict.verdict_id,
        verdict.decision,
        tuple((c.check, c.status, tuple(f.code for f in c.findings)) for c in verdict.checks),
    )


def run_mesh(
    settings: Settings, workers: int, sent: list[Registration], codec: EventCodec, logs: Path
) -> set[tuple[Any, ...]]:
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    processes = [
        ProcessorProcess(name, settings, logs / f"{name}-{worker}")
        for name in PROCESSORS
        for worker in range(workers)
    ]
    for process in processes:
        process.log_path.parent.mkdir(parents=True, exist_ok=True)
        process.start()
    emitted = Emitted(settings, codec, lambda: "\n".join(p.log_tail(15) for p in processes))
    try:
        for process in processes:
            process.wait_ready()
        publisher = EventPublisher(KafkaClients(settings))
        first, second = sent[:20], sent[20:]
        for reg in first:
            publisher.send(REGISTRATIONS, reg)
        publisher.flush()
        # The second versions once the first are decided, so each is checked against them.
        emitted.poll_until(lambda: {r.registration_id for r in first} <= set(emitted.verdicts))
        for reg in second:
            publisher.send(REGISTRATIONS, reg)
        publisher.flush()
        expected = {r.registration_id for r in sent}
        emitted.poll_until(lambda: expected <= set(emitted.verdicts), timeout=180)
        emitted.drain(3)
        assert all(len(v) == 1 for v in emitted.verdicts.values()), emitted.verdicts
        return {outcome(v[0]) for v in emitted.verdicts.values()}
    finally:
        emitted.close()
        for process in processes:
            process.stop()


def test_two_workers_of_each_processor_decide_as_one(
    kafka_bootstrap: str, codec: EventCodec, unique: str, tmp_path: Path
) -> None:
    sent = registrations()
    one = run_mesh(
        Settings(bootstrap=kafka_bootstrap, topic_prefix=f"s1{unique}.", partitions=6),
        1,
        sent,
        codec,
        tmp_path / "one",
    )
    two = run_mesh(
        Settings(bootstrap=kafka_bootstrap, topic_prefix=f"s2{unique}.", partitions=6),
        2,
        sent,
        codec,
        tmp_path / "two",
    )
    assert two == one
    decisions = sorted(decision.value for _, decision, _ in one)
    assert decisions.count("REJECTED") == 10
    assert decisions.count("ACCEPTED") == 30


NULLABLE = {
    "type": "record",
    "name": "Order",
    "fields": [{"name": "order_id", "type": ["null", "string"], "default": None}],
}
WINDOW_SECONDS = 10


def null_rate_product(name: str, topic: str) -> str:
    return f"""
data_product:
  name: "{name}"
  owner: "orders-team@company.com"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{topic}"
      schema: {json.dumps(json.dumps(NULLABLE))}
  quality:
    - metric: "null_rate_in_order_id"
      threshold: 20%
"""


def windows_of_records(start_ms: int) -> list[tuple[int, int, str | None]]:
    """(partition, timestamp, order_id) over four partitions and two windows. The first
    window holds 10 nulls in 100 rows, all on partition 0 (40% of its 25): fine as a whole,
    a breach if a partition were judged alone. The second holds 30 in 100, on partitions 0
    and 1 only: a breach as a whole, clean on partitions 2 and 3 alone."""
    records = []
    for window, nulls_on in ((0, {0: 10}), (1, {0: 15, 1: 15})):
        for partition in range(4):
            for index in range(25):
                at = start_ms + window * WINDOW_SECONDS * 1000 + index * 100
                null = index < nulls_on.get(partition, 0)
                records.append((partition, at, None if null else f"ORD-{partition}-{index}"))
    return records


def judge_windows(
    settings: Settings, workers: int, codec: EventCodec, logs: Path, topic: str
) -> list[tuple[Any, ...]]:
    clients = KafkaClients(settings)
    admin = TopicAdmin(clients)
    admin.ensure(settings.topic_specs(), settings.partitions)
    admin.ensure([TopicSpec(topic, None)], 4)
    product = "window-orders"
    publisher = EventPublisher(clients)
    publisher.publish(VERDICTS, accepted(registration(null_rate_product(product, topic), product)))
    processes = [
        ProcessorProcess(
            "quality",
            settings,
            logs / f"quality-{worker}",
            env={"MESHGOV_QUALITY_WINDOW_SECONDS": str(WINDOW_SECONDS)},
        )
        for worker in range(workers)
    ]
    for process in processes:
        process.log_path.parent.mkdir(parents=True, exist_ok=True)
        process.start()
    emitted = Emitted(settings, codec, lambda: "\n".join(p.log_tail(15) for p in processes))
    try:
        for process in processes:
            process.wait_ready()
        parsed = parse_schema(NULLABLE)
        start_ms = (int(time.time()) // WINDOW_SECONDS - 30) * WINDOW_SECONDS * 1000
        producer = clients.producer()
        for partition, at, order_id in windows_of_records(start_ms):
            value = io.BytesIO()
            schemaless_writer(value, parsed, {"order_id": order_id})
            producer.produce(topic, value=value.getvalue(), partition=partition, timestamp=at)
        producer.flush(30)
        emitted.poll_until(lambda: any(b.kind is BreachKind.QUALITY for b in emitted.breaches))
        emitted.drain(15)  # long enough for any other judgement of either window
        return sorted(
            (b.kind.value, b.state.value, b.rule, b.observed, b.episode) for b in emitted.breaches
        )
    finally:
        emitted.close()
        for process in processes:
            process.stop()


def test_a_window_read_by_two_workers_is_judged_once_on_all_its_partitions(
    kafka_bootstrap: str, codec: EventCodec, unique: str, tmp_path: Path
) -> None:
    """Quality windows are keyed by product: each worker counts the partitions of the port
    it reads, and the one worker that owns the product adds the parts up and judges."""
    topic = f"w{unique}.orders-stream"
    one = judge_windows(
        Settings(bootstrap=kafka_bootstrap, topic_prefix=f"w1{unique}.", partitions=6),
        1,
        codec,
        tmp_path / "one",
        topic,
    )
    assert [(kind, state, rule, observed) for kind, state, rule, observed, _ in one] == [
        ("QUALITY", "OPEN", "null_rate_in_order_id", "30 nulls in 100 rows (30.000%)")
    ]
    two = judge_windows(
        Settings(bootstrap=kafka_bootstrap, topic_prefix=f"w2{unique}.", partitions=6),
        2,
        codec,
        tmp_path / "two",
        topic + "-2",
    )
    assert [b[:4] for b in two] == [b[:4] for b in one]
