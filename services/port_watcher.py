"""Reads accepted products' streaming ports and reports the PII leaks in their records.

It follows mesh.verdicts from the beginning to know every accepted product's topics,
schemas and field declarations, and re-subscribes as that set changes, so a newly accepted
product is watched without a restart. Only masked leak reports leave it; offsets are
committed after those are sent."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from meshgov.checks.pii.watch import Leak, find_leaks
from meshgov.codec import DecodeError, default_codec
from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.kafka.topics import VERDICTS
from meshgov.models.descriptor import PortType
from meshgov.models.events import ACCEPTED_DECISIONS, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.models.policy import GlobalPolicy
from meshgov.settings import Settings

log = logging.getLogger("meshgov.services.port_watcher")
Report = Callable[[str, str, list[Leak], datetime], Awaitable[Any]]


@dataclass(frozen=True)
class WatchedPort:
    product: str
    port: str
    fields: dict[str, Any]
    decoder: ProductRecordDecoder


class PortWatcher:
    def __init__(self, settings: Settings, policy: GlobalPolicy) -> None:
        self.settings = settings
        self.policy = policy
        self.ports: dict[str, WatchedPort] = {}  # by topic
        self._subscribed: tuple[str, ...] = ()
        self._verdicts: Consumer | None = None
        self._records: Consumer | None = None

    def _open(self) -> None:
        common = {"bootstrap.servers": self.settings.bootstrap, "enable.auto.commit": False}
        # Every instance reads all verdicts: the registry is the whole mesh.
        self._verdicts = Consumer({**common, "group.id": f"meshgov-pii-registry-{uuid.uuid4()}"})
        topic = self.settings.topic(VERDICTS)
        partitions = self._verdicts.list_topics(topic, timeout=30).topics[topic].partitions
        self._verdicts.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        self._records = Consumer(
            {
                **common,
                "group.id": f"{self.settings.topic_prefix}meshgov-pii-streams",
                "auto.offset.reset": "earliest",
                "topic.metadata.refresh.interval.ms": 5000,
            }
        )

    def _learn(self) -> None:
        assert self._verdicts is not None
        codec = default_codec()
        for message in self._verdicts.consume(num_messages=500, timeout=0.1):
            if message.error():
                continue
            try:
                verdict = codec.decode(message.value() or b"", Verdict)
                if verdict.decision not in ACCEPTED_DECISIONS:
                    continue
                product = parse_descriptor(verdict.descriptor, verdict.product).data_product
            except (DecodeError, DescriptorError):
                continue  # the PII processor's verdict agent dead-letters these
            for port in product.output_ports:
                if port.type is PortType.STREAMING and port.kafka_topic and port.name:
                    self.ports[port.kafka_topic] = WatchedPort(
                        product.name,
                        port.name,
                        {p: c.model_dump(mode="json") for p, c in port.fields.items()},
                        ProductRecordDecoder(port.avro_schema, port.format.value),
                    )

    def _poll(self) -> list[tuple[str, str, list[Leak], datetime]]:
        if self._records is None:
            self._open()
        assert self._records is not None
        self._learn()
        topics = tuple(sorted(self.ports))
        if topics != self._subscribed:
            self._records.subscribe(list(topics))
            self._subscribed = topics
            log.info("watching streaming ports: %s", ", ".join(topics))
        if not topics:
            return []
        found = []
        for message in self._records.consume(num_messages=500, timeout=0.5):
            topic = message.topic()
            if message.error() or topic is None or topic not in self.ports:
                continue
            watched = self.ports[topic]
            try:
                record = watched.decoder.decode(message.value() or b"")
            except DecodeError:
                continue  # schema violations are the quality processor's to report
            leaks = find_leaks(watched.product, watched.port, watched.fields, record, self.policy)
            if leaks:
                _, millis = message.timestamp()
                at = datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else datetime.now(UTC)
                found.append((watched.product, watched.port, leaks, at))
        return found

    def _commit(self) -> None:
        if self._records is not None and self._subscribed:
            try:
                self._records.commit(asynchronous=False)
            except Exception:  # noqa: BLE001 - nothing consumed yet is not an error
                log.debug("nothing to commit")

    async def run(self, report: Report) -> None:
        try:
            while True:
                for product, port, leaks, at in await asyncio.to_thread(self._poll):
                    await report(product, port, leaks, at)
                await asyncio.to_thread(self._commit)
        finally:
            for consumer in (self._verdicts, self._records):
                if consumer is not None:
                    consumer.close()
