"""Every event type travels through a real broker and a real consumer group, unchanged."""

from __future__ import annotations

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.models.events import Registration
from tests.support.events import sample_events
from tests.support.kafka import clients, consume, group_consumer, prefixed_mesh_topics, produce

pytestmark = pytest.mark.kafka


def test_every_event_round_trips_on_its_mesh_topic_with_committed_offsets(
    kafka_bootstrap: str, codec: EventCodec, unique: str
) -> None:
    specs = prefixed_mesh_topics(unique)
    TopicAdmin(clients(kafka_bootstrap)).ensure(specs, partitions=3)
    topic_of = {spec.value_type: spec.name for spec in specs}
    events = sample_events(descriptor="data_product:\n  name: orders-daily-aggregated\n")
    produce(
        kafka_bootstrap,
        [(topic_of[type(e)], e.kafka_key().encode(), codec.encode(e)) for e in events],
    )

    group = f"it-transport-{unique}"
    consumer = group_consumer(kafka_bootstrap, group, [s.name for s in specs])
    try:
        messages = consume(consumer, len(events))
        assigned = consumer.assignment()
    finally:
        consumer.close()

    assert len(messages) == len(events)
    received = {}
    for message in messages:
        spec = next(s for s in specs if s.name == message.topic())
        event = codec.decode_any(message.value())
        assert type(event) is spec.value_type
        assert message.key() == event.kafka_key().encode()
        received[type(event).__name__] = event
    assert received == {type(e).__name__: e for e in events}

    # The group's committed offsets cover everything read: a new member reads nothing old.
    checker = group_consumer(kafka_bootstrap, group, [s.name for s in specs])
    try:
        committed = checker.committed(assigned, timeout=30)
        assert sum(tp.offset for tp in committed if tp.offset >= 0) == len(events)
        late = sample_events()[0]
        produce(kafka_bootstrap, [(topic_of[Registration], b"late", codec.encode(late))])
        (only,) = consume(checker, 1)
        assert only.key() == b"late"
        assert checker.poll(2.0) is None
    finally:
        checker.close()


def test_a_registration_keyed_by_product_lands_on_one_partition(
    kafka_bootstrap: str, codec: EventCodec, unique: str
) -> None:
    (registrations, *_) = prefixed_mesh_topics(unique)
    TopicAdmin(clients(kafka_bootstrap)).ensure([registrations], partitions=3)
    event = sample_events()[0]
    produce(
        kafka_bootstrap, [(registrations.name, event.kafka_key().encode(), codec.encode(event))] * 5
    )
    consumer = group_consumer(kafka_bootstrap, f"it-keys-{unique}", [registrations.name])
    try:
        messages = consume(consumer, 5)
    finally:
        consumer.close()
    assert len({m.partition() for m in messages}) == 1
    assert [m.offset() for m in messages] == sorted(m.offset() for m in messages)


def java_murmur2_partition(key: bytes, partitions: int) -> int:
    """Kafka's Java partitioner (Utils.murmur2, toPositive, modulo), the reference placement
    of Kafka Connect, Kafka Streams and ksqlDB."""
    seed, m, r = 0x9747B28C, 0x5BD1E995, 24
    length = len(key)
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(key[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = key[length - length % 4 :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


def test_meshgov_producers_place_keys_as_java_clients_do(kafka_bootstrap: str, unique: str) -> None:
    from tests.support.kafka import create_topic

    topic = f"it-partitions-{unique}"
    create_topic(kafka_bootstrap, topic, partitions=6)
    keys = [f"product-{i}".encode() for i in range(40)]
    placed: dict[bytes, int] = {}
    producer = clients(kafka_bootstrap).producer()
    for key in keys:
        producer.produce(
            topic,
            key=key,
            value=b"x",
            on_delivery=lambda _e, m: placed.__setitem__(m.key(), m.partition()),
        )
    assert producer.flush(30) == 0
    assert placed == {k: java_murmur2_partition(k, 6) for k in keys}
