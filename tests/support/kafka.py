"""Small helpers for integration tests that produce and consume on a real broker."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from meshgov.kafka.clients import producer_config
from meshgov.kafka.topics import MESH_TOPICS, TopicSpec


def prefixed_mesh_topics(prefix: str) -> list[TopicSpec]:
    """The mesh topics under a prefix, so a test owns its topics on a shared cluster."""
    return [replace(spec, name=f"{prefix}.{spec.name}") for spec in MESH_TOPICS]


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)


def produce(bootstrap: str, records: Iterable[tuple[str, bytes | None, bytes]]) -> None:
    producer = Producer(producer_config(bootstrap))
    errors: list[str] = []

    def on_delivery(error: object, _message: Message) -> None:
        if error is not None:
            errors.append(str(error))

    for topic, key, value in records:
        producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
    remaining = producer.flush(30)
    assert remaining == 0, f"{remaining} records not delivered"
    assert not errors, errors


def group_consumer(bootstrap: str, group: str, topics: list[str]) -> Consumer:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
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
