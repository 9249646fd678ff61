"""Small helpers for integration tests that produce and consume on a real broker."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from confluent_kafka.admin import NewTopic

from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, Message
from meshgov.kafka.topics import MESH_TOPICS, TopicSpec
from meshgov.settings import Settings


def clients(bootstrap: str) -> KafkaClients:
    return KafkaClients(Settings(bootstrap=bootstrap))


def prefixed_mesh_topics(prefix: str) -> list[TopicSpec]:
    """The mesh topics under a prefix, so a test owns its topics on a shared cluster."""
    return [replace(spec, name=f"{prefix}.{spec.name}") for spec in MESH_TOPICS]


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    admin = clients(bootstrap).admin()
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)


def produce(
    bootstrap: str, records: Iterable[tuple[str, bytes | None, bytes | None]], **extra: Any
) -> None:
    """Produce raw records (topic, key, value) and wait until each is acknowledged."""
    publisher = EventPublisher(clients(bootstrap), **extra)
    for topic, key, value in records:
        publisher.send_raw(topic, key, value)
    publisher.flush()


def group_consumer(bootstrap: str, group: str, topics: list[str]) -> Consumer:
    consumer = clients(bootstrap).consumer(group)
    consumer.subscribe(topics)
    return consumer


def consume(consumer: Consumer, count: int, timeout: float = 60.0) -> list[Message]:
    """Poll until `count` records arrived, committing each synchronously after reading it."""
    messages: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        assert message.error() is None, message.error()
        messages.append(message)
        consumer.commit(message=message, asynchronous=False)
    return messages


def await_consumed(settings: Settings, processor: str, topic: str, timeout: float = 60.0) -> None:
    """Until `processor`'s consumer group has committed every record now on mesh `topic`:
    a processor commits only after its outputs and state changelog were flushed, so its
    state then holds what those records taught it."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    kafka = KafkaClients(settings)
    admin, reader = kafka.admin(), kafka.consumer()
    name = settings.topic(topic)
    try:
        partitions = reader.list_topics(name, timeout=30).topics[name].partitions
        ends = {
            p: reader.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1]
            for p in partitions
        }
        group = settings.group(processor)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            request = ConsumerGroupTopicPartitions(
                group, [TopicPartition(name, p) for p in partitions]
            )
            result = admin.list_consumer_group_offsets([request])[group].result(timeout=10)
            committed = {tp.partition: tp.offset for tp in result.topic_partitions}
            if all(committed.get(p, -1) >= end for p, end in ends.items() if end > 0):
                return
            time.sleep(0.3)
        raise AssertionError(f"{group} did not consume {name} to {ends} in {timeout:.0f} s")
    finally:
        reader.close()
