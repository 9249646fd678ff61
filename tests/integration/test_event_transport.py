"""Every event type travels through a real broker and a real consumer group, unchanged."""

from __future__ import annotations

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from tests.support.events import sample_events
from tests.support.kafka import consume, group_consumer, prefixed_mesh_topics, produce

pytestmark = pytest.mark.kafka


def test_every_event_round_trips_on_its_mesh_topic_with_committed_offsets(
    kafka_bootstrap: str, codec: EventCodec, unique: str
) -> None:
    specs = prefixed_mesh_topics(unique)
    TopicAdmin(kafka_bootstrap).ensure(specs, partitions=3)
    topic_of = {spec.value_type: spec.name for spec in specs}
    events = sample_events(descriptor="data_product:\n  name: orders-daily-aggregated\n")
    produce(
        kafka_bootstrap,
        [(topic_of[type(e).__name__], e.kafka_key().encode(), codec.encode(e)) for e in events],
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
        assert type(event).__name__ == spec.value_type
        assert message.key() == event.kafka_key().encode()
        received[type(event).__name__] = event
    assert received == {type(e).__name__: e for e in events}

    # The group's committed offsets cover everything read: a new member reads nothing old.
    checker = group_consumer(kafka_bootstrap, group, [s.name for s in specs])
    try:
        committed = checker.committed(assigned, timeout=30)
        assert sum(tp.offset for tp in committed if tp.offset >= 0) == len(events)
        late = sample_events()[0]
        produce(kafka_bootstrap, [(topic_of["Registration"], b"late", codec.encode(late))])
        (only,) = consume(checker, 1)
        assert only.key() == b"late"
        assert checker.poll(2.0) is None
    finally:
        checker.close()


def test_a_registration_keyed_by_product_lands_on_one_partition(
    kafka_bootstrap: str, codec: EventCodec, unique: str
) -> None:
    (registrations, *_) = prefixed_mesh_topics(unique)
    TopicAdmin(kafka_bootstrap).ensure([registrations], partitions=3)
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


def test_meshgov_producers_place_keys_where_the_processors_do(
    kafka_bootstrap: str, unique: str
) -> None:
    from aiokafka.partitioner import DefaultPartitioner
    from confluent_kafka import Producer

    from meshgov.kafka.clients import producer_config
    from tests.support.kafka import create_topic

    topic = f"it-partitions-{unique}"
    create_topic(kafka_bootstrap, topic, partitions=6)
    keys = [f"product-{i}".encode() for i in range(40)]
    placed: dict[bytes, int] = {}
    producer = Producer(producer_config(kafka_bootstrap))
    for key in keys:
        producer.produce(
            topic,
            key=key,
            value=b"x",
            on_delivery=lambda _e, m: placed.__setitem__(m.key(), m.partition()),
        )
    assert producer.flush(30) == 0
    faust_partitioner = DefaultPartitioner()
    partitions = list(range(6))
    assert placed == {k: faust_partitioner(k, partitions, partitions) for k in keys}
