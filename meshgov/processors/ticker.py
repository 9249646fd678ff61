"""Wall-clock wake-ups for a stream processor, kept in Kafka.

A processor writes each product's next wake-up to its compacted schedule topic (key: the
product, value: the due instant in epoch milliseconds, a tombstone for none). The ticker
reads that topic from its beginning, keeps one deadline queue, and when a product is due
sends it a Tick through the processor's signals topic, so the state is only ever changed by
the stream that owns it, and a replay decides as the first pass did. Restarted, it reads the
schedule again and fires at once what fell due meanwhile (catch-up). The ticker's own
consumer group spreads the schedule's partitions over the processor's workers."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from confluent_kafka import OFFSET_BEGINNING

from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, TopicPartition
from meshgov.processors.sidecar import SidecarThread
from meshgov.processors.signals import Tick, encode_signal
from meshgov.timers import DeadlineQueue

log = logging.getLogger("meshgov.processors.ticker")


class Ticker(SidecarThread):
    def __init__(
        self, clients: KafkaClients, schedule_topic: str, signals_topic: str, group: str
    ) -> None:
        super().__init__(f"ticker of {group}")
        self.clients = clients
        self.schedule_topic = schedule_topic
        self.signals_topic = signals_topic
        self.group = group
        self.queue = DeadlineQueue()
        self._partition_of: dict[str, int] = {}

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for partition in partitions:
            partition.offset = OFFSET_BEGINNING
        consumer.assign(partitions)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {p.partition for p in partitions}
        for product, partition in list(self._partition_of.items()):
            if partition in revoked:
                self.queue.schedule(product, None)
                del self._partition_of[product]
        consumer.unassign()

    def run(self) -> None:
        consumer = self.clients.consumer(self.group, **{"fetch.wait.max.ms": 100})
        publisher = EventPublisher(self.clients, **{"linger.ms": 5})
        try:
            consumer.subscribe(
                [self.schedule_topic], on_assign=self._on_assign, on_revoke=self._on_revoke
            )
            while not self.stopping.is_set():
                now_ms = int(time.time() * 1000)
                due = self.queue.next_due()
                wait = 0.2 if due is None else max(0.0, min(0.2, (due - now_ms) / 1000))
                for record in consumer.consume(500, wait):
                    if record.error() is not None or record.key() is None:
                        continue
                    self._schedule(record.key() or b"", record.value(), record.partition())
                now = datetime.now(UTC)
                fired = self.queue.pop_due(int(now.timestamp() * 1000))
                for product in fired:
                    publisher.send_raw(
                        self.signals_topic, product.encode(), encode_signal(Tick(at=now))
                    )
                if fired:
                    publisher.flush()
        finally:
            consumer.close()

    def _schedule(self, key: bytes, value: bytes | None, partition: int | None) -> None:
        product = key.decode("utf-8", errors="replace")
        try:
            due = None if value is None else int(value)
        except ValueError:
            log.warning("%s: unreadable wake-up %r for %s", self.schedule_topic, value, product)
            return
        self.queue.schedule(product, due)
        if due is None:
            self._partition_of.pop(product, None)
        else:
            self._partition_of[product] = partition or 0
