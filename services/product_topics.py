"""Reading accepted products' streaming ports.

A reader follows mesh.verdicts from the beginning (the registry is the whole mesh, so each
instance reads it all, in a group of its own) to know every accepted product's streaming
ports and their schemas, and subscribes to those topics in its processor's consumer group,
re-subscribing as products are accepted: a new product is read without a restart. Offsets
are committed after the caller has handled a batch."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from meshgov.codec import DecodeError, default_codec
from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.kafka.clients import consumer_config
from meshgov.kafka.topics import VERDICTS
from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.events import ACCEPTED_DECISIONS, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.settings import Settings

log = logging.getLogger("meshgov.services.product_topics")


@dataclass(frozen=True)
class StreamingPort:
    product: DataProduct
    port: str
    topic: str
    decoder: ProductRecordDecoder

    @property
    def product_name(self) -> str:
        return self.product.name


@dataclass(frozen=True)
class ConsumedRecord:
    """A record read from a product topic, in the shape dead-lettering expects."""

    topic: str
    partition: int
    offset: int
    timestamp: float | None  # seconds
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]

    @classmethod
    def of(cls, message: Message) -> ConsumedRecord:
        _, millis = message.timestamp()
        return cls(
            topic=message.topic() or "",
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            timestamp=millis / 1000 if millis and millis > 0 else None,
            key=message.key(),
            value=message.value(),
            headers=[
                (key, value.encode() if isinstance(value, str) else value)
                for key, value in _header_pairs(message)
            ],
        )


class ProductTopics:
    def __init__(self, settings: Settings, group: str) -> None:
        self.settings = settings
        self.group = group
        self.ports: dict[str, StreamingPort] = {}  # by topic
        self._subscribed: tuple[str, ...] = ()
        self._verdicts: Consumer | None = None
        self._records: Consumer | None = None

    def _open(self) -> None:
        self._verdicts = Consumer(
            consumer_config(
                self.settings.bootstrap,
                **{
                    "group.id": f"{self.group}-registry-{uuid.uuid4()}",
                    "enable.auto.commit": False,
                },
            )
        )
        topic = self.settings.topic(VERDICTS)
        partitions = self._verdicts.list_topics(topic, timeout=30).topics[topic].partitions
        self._verdicts.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        self._records = Consumer(
            consumer_config(
                self.settings.bootstrap,
                **{
                    "group.id": f"{self.settings.topic_prefix}{self.group}",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "topic.metadata.refresh.interval.ms": 5000,
                },
            )
        )

    def _learn(self) -> None:
        assert self._verdicts is not None
        codec = default_codec()
        for message in self._verdicts.consume(num_messages=500, timeout=0.05):
            if message.error():
                continue
            try:
                verdict = codec.decode(message.value() or b"", Verdict)
                # Parsing a descriptor costs a millisecond; a mesh of 100,000 products has few
                # with a streaming port, and each of those says so in its text.
                if (
                    verdict.decision not in ACCEPTED_DECISIONS
                    or "streaming" not in verdict.descriptor.lower()
                ):
                    continue
                product = parse_descriptor(verdict.descriptor, verdict.product).data_product
            except (DecodeError, DescriptorError):
                continue  # the processors' verdict agents dead-letter these
            for port in product.output_ports:
                if port.type is PortType.STREAMING and port.kafka_topic and port.name:
                    self.ports[port.kafka_topic] = StreamingPort(
                        product,
                        port.name,
                        port.kafka_topic,
                        ProductRecordDecoder(port.avro_schema, port.format.value),
                    )

    def poll(self, timeout: float = 0.5) -> list[tuple[StreamingPort, Message]]:
        """The next records of watched ports (blocking up to `timeout`)."""
        if self._records is None:
            self._open()
        assert self._records is not None
        self._learn()
        topics = tuple(sorted(self.ports))
        if topics != self._subscribed:
            self._records.subscribe(list(topics))
            self._subscribed = topics
            log.info("%s: reading streaming ports %s", self.group, ", ".join(topics))
        if not topics:
            time.sleep(timeout)
            return []
        batch = []
        for message in self._records.consume(num_messages=1000, timeout=timeout):
            topic = message.topic()
            if message.error() or topic is None or topic not in self.ports:
                continue
            batch.append((self.ports[topic], message))
        return batch

    def commit(self) -> None:
        if self._records is not None and self._subscribed:
            try:
                self._records.commit(asynchronous=False)
            except Exception:  # noqa: BLE001 - nothing consumed yet is not an error
                log.debug("nothing to commit")

    def close(self) -> None:
        for consumer in (self._verdicts, self._records):
            if consumer is not None:
                consumer.close()

    async def batches(self, timeout: float = 0.5) -> AsyncIterator[list[tuple[StreamingPort, Any]]]:
        """Batches of records; each batch's offsets are committed once the caller asks for
        the next one, i.e. after it handled this one."""
        try:
            while True:
                batch = await asyncio.to_thread(self.poll, timeout)
                yield batch
                if batch:
                    await asyncio.to_thread(self.commit)
        finally:
            await asyncio.to_thread(self.close)


def _header_pairs(message: Message) -> list[tuple[str, str | bytes | None]]:
    headers = message.headers() or []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)
