"""Scale-out on a 6-partition mesh: two workers of every processor of the verdict pipeline
give exactly the verdicts one worker gives (deterministic ids, one final verdict each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients
from meshgov.kafka.topics import REGISTRATIONS
from meshgov.models.events import Registration, Verdict
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.mesh import Emitted, registration
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
