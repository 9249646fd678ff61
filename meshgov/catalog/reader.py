"""Reading mesh.catalog (compacted) into a CatalogView: its latest entry per product."""

from __future__ import annotations

import contextlib
import time

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from meshgov.catalog.view import CatalogView
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CATALOG
from meshgov.models.events import CatalogEntry
from meshgov.settings import Settings


def read_catalog(settings: Settings, timeout: float = 30.0) -> CatalogView:
    """Everything on mesh.catalog up to its current end."""
    topic = settings.topic(CATALOG)
    codec = KafkaClients(settings).codec()
    view = CatalogView()
    consumer = KafkaClients(settings).consumer()
    try:
        partitions = consumer.list_topics(topic, timeout=timeout).topics[topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1]
            for p in partitions
        }
        remaining = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in remaining])
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            value = message.value()
            if value is None:  # a tombstone: the product left the catalog
                view.remove((message.key() or b"").decode())
            else:
                with contextlib.suppress(DecodeError):  # dead-lettered by its writer
                    view.put(codec.decode(value, CatalogEntry))
            partition, offset = message.partition(), message.offset()
            if partition is not None and offset is not None and offset + 1 >= ends[partition]:
                remaining.discard(partition)
    finally:
        consumer.close()
    return view
