"""The freshness and quality processors on a real broker, with second-level schedules:
deadlines met and missed (detected within a second), late outputs, quality rules failing
and passing again, a processor killed before a deadline and restarted after it, silence and
schema violations on a streaming port."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from meshgov.checks.freshness.schedule import Schedule
from meshgov.client.outputs import output_event
from meshgov.codec import EventCodec
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import MARKER
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import OUTPUTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CheckStatus,
    ColumnStats,
    Event,
    OutputPublished,
    Registration,
    SlaBreach,
)
from meshgov.models.sla import Freshness
from meshgov.settings import Settings
from tests.support.descriptors import batch_descriptor
from tests.support.kafka import create_topic, produce
from tests.support.mesh import Emitted, accepted, registration
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

CRON = "* * * * * */10"  # every ten seconds
WITHIN = "within 4 seconds of the scheduled run"
SCHEMA = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": ["null", "string"]},
        {"name": "amount", "type": "double"},
    ],
}


def batch_product(name: str) -> str:
    return batch_descriptor(
        name, refresh=CRON, freshness=WITHIN, availability="10% over 1 day", schema=SCHEMA
    )


def streaming_product(name: str, topic: str) -> str:
    return f"""
data_product:
  name: "{name}"
  owner: "orders-team@company.com"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{topic}"
      schema: {json.dumps(json.dumps(SCHEMA))}
  sla:
    freshness: "no records for 4 seconds"
  quality:
    - metric: "no_nulls_in_order_id"
"""


def output(product: str, run: datetime, rows: int, source_rows: int, nulls: int) -> OutputPublished:
    return output_event(
        product,
        "daily",
        run.isoformat(),
        rows,
        source_row_count=source_rows,
        scheduled_for=run,
        columns=[ColumnStats(name="order_id", null_count=nulls), ColumnStats(name="amount")],
        published_by="orders-batch",
    )


def order_record(order_id: str | None) -> bytes:
    named: dict[str, Any] = {}
    parsed = parse_schema(SCHEMA, named)
    body = io.BytesIO()
    body.write(MARKER + crc64_fingerprint(parsed, named)[1])
    schemaless_writer(body, parsed, {"order_id": order_id, "amount": 12.5})
    return body.getvalue()


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


class Mesh:
    def __init__(self, settings: Settings, codec: EventCodec, processes: list[ProcessorProcess]):
        self.settings = settings
        self.codec = codec
        self.processes = {p.name: p for p in processes}
        self.emitted = Emitted(settings, codec, self.logs)

    def logs(self) -> str:
        return "\n".join(f"== {n}\n{p.log_tail()}" for n, p in self.processes.items())

    def send(self, topic: str, event: Event) -> None:
        produce(
            self.settings.bootstrap,
            [(self.settings.topic(topic), event.kafka_key().encode(), self.codec.encode(event))],
        )

    def register(self, text: str, product: str) -> Registration:
        """Register through the sla check; the product is not accepted yet."""
        reg = registration(text, product)
        self.send(REGISTRATIONS, reg)
        result = self.emitted.result_of(reg)
        assert result.check == "sla"
        assert result.status is CheckStatus.PASSED, result.findings
        return reg

    def accept(self, reg: Registration) -> None:
        self.send(VERDICTS, accepted(reg))

    def breaches(
        self, kind: BreachKind, state: BreachState, episode: str | None = None
    ) -> list[SlaBreach]:
        return [
            b
            for b in self.emitted.breaches
            if b.kind is kind and b.state is state and (episode is None or b.episode == episode)
        ]

    def wait_for(
        self, kind: BreachKind, state: BreachState, episode: str | None = None, count: int = 1
    ) -> list[SlaBreach]:
        self.emitted.poll_until(lambda: len(self.breaches(kind, state, episode)) >= count)
        return self.breaches(kind, state, episode)

    def latency(self, breach: SlaBreach) -> float:
        assert breach.deadline is not None
        seen = self.emitted.seen_at[(breach.breach_id, breach.state.value)]
        return seen - breach.deadline.timestamp()


@pytest.fixture
def sla_mesh(
    kafka_bootstrap: str, unique: str, tmp_path: Path, codec: EventCodec
) -> Iterator[Mesh]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"s{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    env = {"MESHGOV_QUALITY_WINDOW_SECONDS": "2"}
    processes = [ProcessorProcess(n, settings, tmp_path, env) for n in ("freshness", "quality")]
    for process in processes:
        process.start()
    for process in processes:
        process.wait_ready()
    mesh = Mesh(settings, codec, processes)
    yield mesh
    mesh.emitted.close()
    for process in processes:
        process.stop()


def test_batch_deadlines_quality_and_a_restart_across_a_deadline(sla_mesh: Mesh) -> None:
    mesh = sla_mesh
    product = "sla-orders"
    reg = mesh.register(batch_product(product), product)
    schedule = Schedule(CRON, "UTC", Freshness.model_validate(WITHIN))
    # Accepted just after a deadline: the first run watched is the next one.
    _, d0 = schedule.next_deadline(datetime.now(UTC))
    sleep_until(d0 + timedelta(seconds=0.2))
    mesh.accept(reg)

    # Run 1: on time and complete.
    r1, d1 = schedule.next_deadline(d0)
    sleep_until(r1 + timedelta(seconds=0.5))
    mesh.send(OUTPUTS, output(product, r1, 1000, 1000, 0))

    # Run 2: nothing by the deadline, then a late output that drops rows and has a null.
    r2, d2 = schedule.next_deadline(d1)
    [opened] = mesh.wait_for(BreachKind.FRESHNESS, BreachState.OPEN, r2.isoformat())
    assert opened.deadline == d2
    assert (opened.product, opened.port, opened.owner) == (
        product,
        "daily",
        "orders-team@company.com",
    )
    assert mesh.latency(opened) < 1.0, f"detected {mesh.latency(opened):.3f} s after the deadline"
    sleep_until(d2 + timedelta(seconds=1.5))
    mesh.send(OUTPUTS, output(product, r2, 990, 1000, 1))
    [resolved] = mesh.wait_for(BreachKind.FRESHNESS, BreachState.RESOLVED, r2.isoformat())
    assert resolved.breach_id == opened.breach_id
    assert 1.0 <= float(resolved.details["late_by_seconds"]) < 4.0
    assert float(resolved.details["error_budget_remaining"]) < 1.0
    quality = mesh.wait_for(BreachKind.QUALITY, BreachState.OPEN, count=2)
    by_rule = {b.rule: b for b in quality}
    assert by_rule["row_count_vs_source"].observed == "990 of 1000 rows (99.000%)"
    assert "99.9%" in by_rule["row_count_vs_source"].expected
    assert (by_rule["no_nulls_in_order_id"].field, by_rule["no_nulls_in_order_id"].observed) == (
        "order_id",
        "1 nulls",
    )

    # Run 3: on time and complete again: both quality breaches resolve.
    r3, d3 = schedule.next_deadline(d2)
    sleep_until(r3 + timedelta(seconds=0.5))
    mesh.send(OUTPUTS, output(product, r3, 1000, 1000, 0))
    fixed = mesh.wait_for(BreachKind.QUALITY, BreachState.RESOLVED, count=2)
    assert {b.breach_id for b in fixed} == {b.breach_id for b in quality}

    # Run 4: the processor crashes before its deadline and is back after it.
    r4, d4 = schedule.next_deadline(d3)
    sleep_until(d4 - timedelta(seconds=2))
    mesh.processes["freshness"].kill()
    sleep_until(d4 + timedelta(seconds=1))
    mesh.processes["freshness"].start()
    [caught_up] = mesh.wait_for(BreachKind.FRESHNESS, BreachState.OPEN, r4.isoformat())
    assert caught_up.deadline == d4
    latest = schedule.latest_due_run(datetime.now(UTC))
    assert latest is not None
    mesh.send(OUTPUTS, output(product, latest, 1000, 1000, 0))
    [back] = mesh.wait_for(BreachKind.FRESHNESS, BreachState.RESOLVED, r4.isoformat())
    assert int(back.details["missed_runs"]) >= 1

    mesh.emitted.drain(seconds=3)
    opens = [b for b in mesh.emitted.breaches if b.state is BreachState.OPEN]
    assert len(opens) == len({b.breach_id for b in opens}), "a breach opened twice"
    late_runs = [b.episode for b in opens if b.kind is BreachKind.FRESHNESS]
    # r2 and r4 (not r1, r3, nor the runs r4's episode covers); the schedule goes on, so a
    # run after the resolving output may be late by now too.
    assert late_runs[:2] == [r2.isoformat(), r4.isoformat()], late_runs
    assert all(run > latest.isoformat() for run in late_runs[2:]), late_runs

    # An unreadable output is dead-lettered by both processors, bytes and reason kept.
    garbage = b"\x00not an event"
    produce(mesh.settings.bootstrap, [(mesh.settings.topic(OUTPUTS), product.encode(), garbage)])
    mesh.emitted.poll_until(lambda: len(mesh.emitted.dead_letters) >= 2)
    assert {d.processor for d in mesh.emitted.dead_letters} == {"freshness", "quality"}
    assert all(d.source_value == garbage for d in mesh.emitted.dead_letters)


def test_streaming_silence_quality_windows_and_schema_violations(sla_mesh: Mesh) -> None:
    mesh = sla_mesh
    product = "sla-clicks"
    topic = mesh.settings.topic(f"clicks-{uuid.uuid4().hex[:6]}")
    create_topic(mesh.settings.bootstrap, topic, partitions=2)
    mesh.accept(mesh.register(streaming_product(product, topic), product))

    def send_records(seconds: float, order_id: str | None = "ORD-1") -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            produce(mesh.settings.bootstrap, [(topic, None, order_record(order_id))])
            time.sleep(0.25)

    send_records(3.0)
    [silent] = mesh.wait_for(BreachKind.FRESHNESS, BreachState.OPEN)
    assert silent.port == topic
    assert "4s" in silent.expected
    assert mesh.latency(silent) < 1.0, f"detected {mesh.latency(silent):.3f} s after the limit"
    assert not mesh.breaches(BreachKind.QUALITY, BreachState.OPEN)

    garbage = b"\xc3\x01 not a record of the registered schema"
    produce(
        mesh.settings.bootstrap,
        [(topic, None, order_record(None)), (topic, None, garbage)],
    )
    mesh.wait_for(BreachKind.FRESHNESS, BreachState.RESOLVED)
    [null] = mesh.wait_for(BreachKind.QUALITY, BreachState.OPEN)
    assert (null.rule, null.port, null.observed) == ("no_nulls_in_order_id", topic, "1 nulls")
    [violation] = mesh.wait_for(BreachKind.SCHEMA_VIOLATION, BreachState.OPEN)
    assert violation.port == topic
    mesh.emitted.poll_until(lambda: mesh.emitted.dead_letters)
    [letter] = mesh.emitted.dead_letters
    # A product record may hold PII: its coordinates, size, hash and shape, not its bytes.
    assert (letter.source_topic, letter.source_value, letter.processor) == (topic, None, "quality")
    assert f"value of {len(garbage)} bytes, sha256 {hashlib.sha256(garbage).hexdigest()}" in (
        letter.error_message
    )
    assert letter.error_message.endswith("masked: '\ufffd. xxx x xxxxxx xx xxx xxxxxxxxxx xxxxxx')")

    send_records(6.0)
    mesh.wait_for(BreachKind.QUALITY, BreachState.RESOLVED)
    mesh.wait_for(BreachKind.SCHEMA_VIOLATION, BreachState.RESOLVED)
    mesh.emitted.drain(seconds=2)
    opens = [b for b in mesh.emitted.breaches if b.state is BreachState.OPEN]
    assert len(opens) == len({b.breach_id for b in opens}), "a breach opened twice"
    assert sorted(b.kind.value for b in opens if b.kind is not BreachKind.FRESHNESS) == [
        "QUALITY",
        "SCHEMA_VIOLATION",
    ]
    # Once the records stop, the port falls silent again: a new episode, never the first.
    silences = [b.episode for b in opens if b.kind is BreachKind.FRESHNESS]
    assert silences[0] == silent.episode
    assert silent.episode not in silences[1:]
