"""Processors under faults, on a real broker: SIGKILLed mid-stream again and again, every
input offset is still handled (an output for each, none skipped); poison records end as dead
letters with their coordinates while the processor keeps consuming."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meshgov.client.outputs import output_event
from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients
from meshgov.kafka.topics import CHECK_RESULTS, OUTPUTS, REGISTRATIONS, VERDICTS
from meshgov.models import ids
from meshgov.models.events import BreachKind, CheckStatus, Event
from meshgov.settings import Settings
from tests.support.descriptors import batch_descriptor, example_descriptor
from tests.support.kafka import produce
from tests.support.mesh import Emitted, accepted, check_result, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

# A killed member holds its partitions until its session expires: the broker's minimum.
FAST_REJOIN = {"MESHGOV_KAFKA_SESSION_TIMEOUT_MS": "6000"}
COUNT = 240
RATE = 40.0  # records per second: production spans the kills


@dataclass(frozen=True)
class Feed:
    """What to send a processor, and which outputs prove each input was handled."""

    events: list[tuple[str, Event]]  # (mesh topic, event)
    expected: set[str]
    seen: Callable[[Emitted], set[str]]


def registrations_feed(check: str) -> Feed:
    events: list[tuple[str, Event]] = []
    expected = set()
    for index in range(COUNT // 2):
        product = f"orders-{index % 12}"
        reg = registration(example_descriptor(name=product), product, f"1.{index}.0")
        events += [(REGISTRATIONS, reg), (VERDICTS, accepted(reg))]
        expected.add(reg.registration_id)
    return Feed(
        events,
        expected,
        lambda out: {r.registration_id for r in out.all_results if r.check == check},
    )


def verdicts_feed() -> Feed:
    events: list[tuple[str, Event]] = []
    expected = set()
    for index in range(COUNT // 5):
        product = f"orders-{index % 12}"
        reg = registration(example_descriptor(name=product), product, f"1.{index}.0")
        events.append((REGISTRATIONS, reg))
        for check in ("compatibility", "pii", "policy", "sla"):
            result = check_result(reg, check)
            events.append((CHECK_RESULTS, result))
        expected.add(reg.registration_id)
    return Feed(events, expected, lambda out: set(out.verdicts))


def catalog_feed() -> Feed:
    events: list[tuple[str, Event]] = []
    for index in range(COUNT):
        product = f"orders-{index}"
        events.append((VERDICTS, accepted(registration(example_descriptor(name=product), product))))
    return Feed(events, {f"orders-{i}" for i in range(COUNT)}, lambda out: set(out.catalog))


def quality_feed() -> Feed:
    events: list[tuple[str, Event]] = []
    for index in range(COUNT // 2):
        product = f"daily-{index}"
        events.append(
            (
                VERDICTS,
                accepted(
                    registration(batch_descriptor(product, rules=["row_count_vs_source"]), product)
                ),
            )
        )
        output = output_event(product, "daily", "run-1", 990, source_row_count=1000)
        events.append((OUTPUTS, output))
    return Feed(
        events,
        {f"daily-{i}" for i in range(COUNT // 2)},
        lambda out: {b.product for b in out.breaches if b.kind is BreachKind.QUALITY},
    )


FEEDS: dict[str, Callable[[], Feed]] = {
    "compatibility": lambda: registrations_feed("compatibility"),
    "pii": lambda: registrations_feed("pii"),
    "policy": lambda: registrations_feed("policy"),
    "freshness": lambda: registrations_feed("sla"),
    "verdicts": verdicts_feed,
    "catalog": catalog_feed,
    "quality": quality_feed,
}


@pytest.fixture
def settings(kafka_bootstrap: str, unique: str) -> Settings:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"k{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    return settings


@pytest.fixture
def emitted(settings: Settings, codec: EventCodec) -> Iterator[Emitted]:
    reader = Emitted(settings, codec, lambda: "")
    yield reader
    reader.close()


def send_steadily(settings: Settings, feed: Feed, codec: EventCodec) -> threading.Thread:
    def run() -> None:
        publisher = EventPublisher(KafkaClients(settings))
        start = time.monotonic()
        for index, (topic, event) in enumerate(feed.events):
            time.sleep(max(0.0, start + index / RATE - time.monotonic()))
            publisher.send(topic, event)
            publisher.producer.poll(0)
        publisher.flush()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_processor_killed_again_and_again_mid_stream_skips_no_input(
    name: str, settings: Settings, emitted: Emitted, codec: EventCodec, tmp_path: Path
) -> None:
    feed = FEEDS[name]()
    processor = ProcessorProcess(name, settings, tmp_path, env=FAST_REJOIN)
    emitted.diagnostics = processor.log_tail
    processor.start()
    processor.wait_ready()
    sender = send_steadily(settings, feed, codec)
    seconds = len(feed.events) / RATE
    try:
        # Killed while records arrive, while it recovers, and with a backlog waiting.
        for at in (0.25, 0.5, 1.0):
            time.sleep(max(0.0, at * seconds - 1.0))
            processor.kill()
            time.sleep(1.0)
            processor.start()
        sender.join(60)
        emitted.poll_until(lambda: feed.expected <= feed.seen(emitted), timeout=120)
    finally:
        processor.stop()
    assert processor.starts == 4
    assert feed.expected <= feed.seen(emitted)
    assert not emitted.dead_letters


def test_poison_records_become_dead_letters_and_the_processor_keeps_consuming(
    settings: Settings, emitted: Emitted, codec: EventCodec, tmp_path: Path
) -> None:
    processor = ProcessorProcess("compatibility", settings, tmp_path)
    emitted.diagnostics = processor.log_tail
    processor.start()
    processor.wait_ready()
    topic = settings.topic(REGISTRATIONS)
    valid = registration(example_descriptor(), "orders-daily-aggregated")
    other = registration(example_descriptor(name="orders-other"), "orders-other")
    control = registration(
        example_descriptor().replace("Daily order counts", "Daily\x07order counts"),
        "orders-daily-aggregated",
    )
    forged = accepted(registration("data_product:\n  name: \x1b[31m\n", "orders-daily-aggregated"))
    poison = [
        (topic, b"orders-daily-aggregated", None),  # a tombstone
        (topic, None, None),  # no key, no value
        (topic, None, codec.encode(valid)),  # no key
        (topic, b"orders-daily-aggregated", b"\x00\x00\x00\x00\x01garbage"),
        (topic, b"orders-daily-aggregated", codec.encode(other)),  # the key is another product
        (settings.topic(VERDICTS), b"orders-daily-aggregated", codec.encode(forged)),
    ]
    produce(settings.bootstrap, poison)
    produce(settings.bootstrap, [(topic, b"orders-daily-aggregated", codec.encode(control))])
    compressed = {}
    for codec_name in ("zstd", "lz4", "snappy", "gzip"):
        batch = [registration(example_descriptor(), "orders-daily-aggregated") for _ in range(20)]
        produce(
            settings.bootstrap,
            [(topic, r.product.encode(), codec.encode(r)) for r in batch],
            **{"compression.type": codec_name, "linger.ms": 50},
        )
        compressed[codec_name] = batch
    after = registration(example_descriptor(), "orders-daily-aggregated")
    produce(settings.bootstrap, [(topic, after.product.encode(), codec.encode(after))])

    everything = [r for batch in compressed.values() for r in batch] + [control, after]
    emitted.poll_until(
        lambda: (
            {r.registration_id for r in everything} <= set(emitted.results)
            and len(emitted.dead_letters) >= len(poison)
        )
    )
    letters = sorted(emitted.dead_letters, key=lambda d: (d.source_topic, d.source_offset))
    reasons = [(d.source_topic, d.error_type, d.error_message) for d in letters]
    assert len(letters) == len(poison), reasons
    # Each poison record is dead-lettered whole, with why (partitions differ: match by bytes).
    by_record = {(d.source_topic, d.source_key, d.source_value): d for d in letters}
    why = [by_record[record].error_message for record in poison]
    assert "no value" in why[0]
    assert "no key" in why[1]
    assert "no key" in why[2]
    assert "Confluent schema-registry frame, schema id 1:" in why[3]
    assert "'orders-other' of its Registration" in why[4]
    (verdict_letter,) = [d for d in letters if d.source_topic == settings.topic(VERDICTS)]
    assert verdict_letter.error_type == "DescriptorError"
    assert "#x001b" in verdict_letter.error_message
    for letter in letters:
        assert letter.dead_letter_id == ids.dead_letter_id(
            letter.source_topic, letter.source_partition, letter.source_offset
        )
        assert letter.processor == "compatibility"

    invalid = emitted.results[control.registration_id]
    line = control.descriptor[: control.descriptor.index("\x07")].count("\n") + 1
    assert invalid.status is CheckStatus.FAILED
    (finding,) = invalid.findings
    assert (finding.code, finding.details) == ("INVALID_DESCRIPTOR", {"line": str(line)})
    assert "#x0007" in finding.message
    for batch in compressed.values():
        assert all(emitted.results[r.registration_id].status is CheckStatus.PASSED for r in batch)
    assert emitted.results[after.registration_id].status is CheckStatus.PASSED
    assert processor.process is not None
    assert processor.process.poll() is None
    assert processor.starts == 1
