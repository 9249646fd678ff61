"""The one way meshgov builds Kafka clients: producers, consumers, the admin client and the
stream processors' connection, all from one `Settings`, so SASL, TLS (CA, client certificate
and key) and every other client property reach each of them alike.

Every producer places keys with murmur2, as Java clients (and so Kafka Connect, Kafka
Streams and ksqlDB) do: a product's events then share a partition number on every topic
whoever wrote them, which the processors' per-product state relies on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from confluent_kafka import OFFSET_BEGINNING, KafkaException, Producer
from confluent_kafka import Consumer as Consumer  # the types clients here return, re-exported
from confluent_kafka import Message as Message
from confluent_kafka import TopicPartition as TopicPartition
from confluent_kafka.admin import AdminClient

from meshgov.codec import EventCodec, default_codec
from meshgov.codec.confluent import RegistryFraming
from meshgov.models.events import Event
from meshgov.settings import Settings

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from quixstreams import Application
    from quixstreams.kafka.configuration import ConnectionConfig

App = TypeVar("App", bound="Application")

PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable.idempotence": True,
    "partitioner": "murmur2_random",
}
STREAM_CONSUMER_DEFAULTS: dict[str, Any] = {
    # A crashed member holds its partitions until its session expires (Kafka's default 45 s).
    "session.timeout.ms": 15000,
    "heartbeat.interval.ms": 3000,
}


def reader_group_prefix(settings: Settings) -> str:
    """The groups of meshgov's own readers (register, tail, the catalog and dashboard
    readers): named after the SASL user, so on a cluster with ACLs each principal may use
    only its own (meshgov.kafka.acls)."""
    user = settings.kafka_properties().get("sasl.username")
    return f"meshgov-reader-{user}-" if user else "meshgov-reader-"


class DeliveryError(RuntimeError):
    """Records the broker did not acknowledge."""


class KafkaClients:
    def __init__(self, settings: Settings) -> None:
        if not settings.bootstrap:
            raise ValueError("no bootstrap servers in the settings")
        self.settings = settings

    @property
    def bootstrap(self) -> str:
        return self.settings.bootstrap

    def common_config(self) -> dict[str, Any]:
        return {"bootstrap.servers": self.settings.bootstrap, **self.settings.kafka_properties()}

    def producer_config(self, **extra: Any) -> dict[str, Any]:
        return {**self.common_config(), **PRODUCER_DEFAULTS, **extra}

    def consumer_config(self, group: str | None = None, **extra: Any) -> dict[str, Any]:
        """A consumer in `group`, or in a group of its own that never commits."""
        config: dict[str, Any] = {
            **self.common_config(),
            "group.id": group or f"{reader_group_prefix(self.settings)}{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
        return {**config, **extra}

    def producer(self, **extra: Any) -> Producer:
        return Producer(self.producer_config(**extra))

    def consumer(self, group: str | None = None, **extra: Any) -> Consumer:
        return Consumer(self.consumer_config(group, **extra))

    def admin(self, **extra: Any) -> AdminClient:
        return AdminClient({**self.common_config(), **extra})

    def codec(self) -> EventCodec:
        """The event codec: single-object frames, or the Confluent wire format with the
        settings' Schema Registry (one per process and registry)."""
        if not self.settings.schema_registry_url:
            return default_codec()
        return _registry_codec(self.settings.schema_registry_url, self)

    def schema_registry(self) -> SchemaRegistryClient:
        """A client of the settings' Schema Registry, any Confluent-compatible one."""
        # Imported here: the registry client (httpx, authlib) takes a quarter of a second.
        from confluent_kafka.schema_registry import SchemaRegistryClient

        if not self.settings.schema_registry_url:
            raise ValueError(
                "no Schema Registry URL in the settings: set MESHGOV_SCHEMA_REGISTRY_URL or "
                "schema.registry.url in the client properties (`meshgov registry start` runs "
                "a local one)"
            )
        return SchemaRegistryClient(self.settings.schema_registry_config())

    def stream_connection(self) -> tuple[ConnectionConfig, dict[str, Any]]:
        """The stream processors' connection: the settings Quix Streams types, and every
        other client property as extra configuration."""
        from quixstreams.kafka.configuration import ConnectionConfig

        common = self.common_config()
        connection = ConnectionConfig.from_librdkafka_dict(common, ignore_extras=True)
        known = set(connection.as_librdkafka_dict())
        return connection, {key: value for key, value in common.items() if key not in known}

    def stream_application(self, group: str, application: type[App]) -> App:
        """A Quix Streams application of class `application` in consumer group `group`:
        at-least-once, reading new groups from the beginning, checkpointing every second,
        its state under the settings' state directory. Every client property of the
        settings applies."""
        connection, extra = self.stream_connection()
        return application(
            broker_address=connection,
            consumer_group=group,
            auto_offset_reset="earliest",
            commit_interval=1.0,
            # Quix Streams reads co-partitioned topics in batches and waits this long for
            # each: the latency each hop of the mesh adds when traffic is light.
            consumer_poll_timeout=0.02,
            consumer_extra_config={
                **STREAM_CONSUMER_DEFAULTS,
                **self._lag_statistics(group),
                **extra,
            },
            producer_extra_config={**PRODUCER_DEFAULTS, **extra},
            state_dir=self.settings.state_dir,
            loglevel=None,
        )

    def _lag_statistics(self, group: str) -> dict[str, Any]:
        """librdkafka's statistics every consumer_stats_ms, for meshgov_consumer_lag_records."""
        if not self.settings.consumer_stats_ms:
            return {}
        from meshgov.metrics import CONSUMER_LAG

        return {
            "statistics.interval.ms": self.settings.consumer_stats_ms,
            "stats_cb": CONSUMER_LAG.callback(group),
        }

    def assign_all(
        self,
        consumer: Consumer,
        topics: Iterable[str],
        offset: int = OFFSET_BEGINNING,
        timeout: float = 30.0,
    ) -> list[TopicPartition]:
        """Assign every partition of `topics` to `consumer`, starting at `offset`."""
        assignment = []
        for topic in topics:
            metadata = consumer.list_topics(topic, timeout=timeout).topics[topic]
            if metadata.error is not None:
                raise KafkaException(metadata.error)
            assignment += [TopicPartition(topic, p, offset) for p in sorted(metadata.partitions)]
        consumer.assign(assignment)
        return assignment


def read_to_end(clients: KafkaClients, topic: str, timeout: float = 30.0) -> Iterator[Message]:
    """Every record of `topic` from its beginning up to its end as of now (a compacted
    topic's latest value per key among them); nothing for a topic that does not exist."""
    consumer = clients.consumer()
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
            yield message
            partition, offset = message.partition(), message.offset()
            if partition is not None and offset is not None and offset + 1 >= ends[partition]:
                remaining.discard(partition)
    finally:
        consumer.close()


_REGISTRY_CODECS: dict[str, EventCodec] = {}


def _registry_codec(url: str, clients: KafkaClients) -> EventCodec:
    if url not in _REGISTRY_CODECS:
        codec = default_codec()
        framing = RegistryFraming(clients.schema_registry(), codec.schemas)
        _REGISTRY_CODECS[url] = EventCodec(codec.schemas, framing)
    return _REGISTRY_CODECS[url]


class EventPublisher:
    """Publishes meshgov events, Avro-encoded and keyed by product, and raises unless every
    one was acknowledged."""

    def __init__(self, clients: KafkaClients, **extra: Any) -> None:
        self.clients = clients
        self.producer = clients.producer(**extra)
        self.codec = clients.codec()
        self._errors: list[str] = []

    def _delivered(self, error: object, message: Message) -> None:
        if error is not None:
            self._errors.append(f"{message.topic()}: {error}")

    def send(self, topic: str, event: Event) -> None:
        """Queue one event on mesh topic `topic` (a name without the mesh's prefix)."""
        self.send_raw(
            self.clients.settings.topic(topic),
            event.kafka_key().encode(),
            self.codec.encode(event, self.clients.settings.topic(topic)),
        )

    def send_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        while True:
            try:
                self.producer.produce(topic, key=key, value=value, on_delivery=self._delivered)
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                self.producer.poll(0.1)

    def flush(self, timeout: float = 30.0) -> None:
        remaining = self.producer.flush(timeout)
        errors, self._errors = self._errors, []
        if remaining:
            raise DeliveryError(f"{remaining} records not delivered within {timeout:.0f} s")
        if errors:
            raise DeliveryError("; ".join(errors[:5]))

    def publish(self, topic: str, event: Event, timeout: float = 30.0) -> None:
        self.send(topic, event)
        self.flush(timeout)
