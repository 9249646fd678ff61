"""Reading accepted products' streaming ports beside a processor's stream.

A reader follows mesh.verdicts from the beginning (every worker reads it all, so it knows
every accepted product's streaming ports and their schemas) and subscribes to those topics
in its processor's streams group, re-subscribing as products are accepted: a new product is
read without a restart. The processor's `observe` turns each batch of records into signals
(masked observations, never values) for the processor's own stream, and dead letters; the
batch's offsets are committed once those are acknowledged."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from confluent_kafka import KafkaException

from meshgov.codec import DecodeError
from meshgov.codec.product_records import VALUE_SCHEMA_ID_HEADER, ProductRecordDecoder, SchemaById
from meshgov.kafka.clients import (
    STREAM_CONSUMER_DEFAULTS,
    Consumer,
    EventPublisher,
    KafkaClients,
    Message,
    TopicPartition,
)
from meshgov.kafka.topics import VERDICTS
from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.events import ACCEPTED_DECISIONS, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.sidecar import SidecarThread
from meshgov.processors.signals import encode_signal
from meshgov.settings import Settings

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

log = logging.getLogger("meshgov.processors.ports")

BATCH = 5000  # records per consume call: each batch is one call of the observer
CHECKPOINT_SECONDS = 0.5  # outputs flushed and offsets committed this often


@dataclass(frozen=True)
class StreamingPort:
    product: DataProduct
    port: str
    topic: str
    decoder: ProductRecordDecoder

    @property
    def product_name(self) -> str:
        return self.product.name


class PortRecord:
    """A record read from a product topic; its fields are read from the message when asked
    for, since a reader keeping up with a busy topic looks at most of them never."""

    __slots__ = ("_message",)

    def __init__(self, message: Message) -> None:
        self._message = message

    @classmethod
    def of(cls, message: Message) -> PortRecord:
        return cls(message)

    @property
    def topic(self) -> str:
        return self._message.topic() or ""

    @property
    def partition(self) -> int:
        return self._message.partition() or 0

    @property
    def offset(self) -> int:
        return self._message.offset() or 0

    @property
    def timestamp_ms(self) -> int | None:
        millis = self._message.timestamp()[1]
        return millis if millis > 0 else None

    @property
    def key(self) -> bytes | None:
        key: bytes | None = self._message.key()
        return key

    @property
    def value(self) -> bytes | None:
        value: bytes | None = self._message.value()
        return value

    @property
    def headers(self) -> list[tuple[str, bytes | None]]:
        headers = self._message.headers() or []
        pairs = headers.items() if isinstance(headers, dict) else headers
        return [(k, v.encode() if isinstance(v, str) else v) for k, v in pairs]

    @property
    def schema_header(self) -> bytes | None:
        """Its `__value_schema_id` header: the writer schema's registry id, if given there."""
        for key, value in self._message.headers() or []:
            if key == VALUE_SCHEMA_ID_HEADER:
                return value.encode() if isinstance(value, str) else value
        return None

    @property
    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def event_millis(self, now_ms: int) -> int:
        """The record's timestamp, or `now_ms` for a record without one."""
        millis = self._message.timestamp()[1]
        return millis if millis > 0 else now_ms

    def event_time(self, now: datetime) -> datetime:
        millis = self.timestamp_ms
        if millis is None:
            return now
        return datetime.fromtimestamp(millis / 1000, UTC)


class PortObserver:
    """Turns batches of port records into outputs. One that carries figures across batches
    says which offsets it still needs (`retained`), so the reader commits no further and a
    restart reads those records again, and forgets what it counted of partitions it lost."""

    def __init__(self) -> None:
        self.partition_counts: dict[str, int] = {}  # by topic, as the reader last saw them

    def observe(
        self, batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
    ) -> list[Output]:
        raise NotImplementedError

    def retained(self) -> Mapping[tuple[str, int], int]:
        """The first offset still needed, by (topic, partition)."""
        return {}

    def revoked(self, partitions: Sequence[tuple[str, int]]) -> None:
        """These partitions are another worker's now."""


def streaming_ports(
    verdict: Verdict, schema_by_id: SchemaById | None = None
) -> list[StreamingPort]:
    """The streaming ports an accepting verdict declares (none for any other)."""
    # Parsing a descriptor costs a millisecond; a mesh of 100,000 products has few with a
    # streaming port, and each of those says so in its text.
    if verdict.decision not in ACCEPTED_DECISIONS or "streaming" not in verdict.descriptor.lower():
        return []
    product = parse_descriptor(verdict.descriptor, verdict.product).data_product
    return [
        StreamingPort(
            product,
            port.name,
            port.kafka_topic,
            ProductRecordDecoder(port.avro_schema, port.format.value, schema_by_id=schema_by_id),
        )
        for port in product.output_ports
        if port.type is PortType.STREAMING and port.kafka_topic and port.name
    ]


def registry_schemas(registry: SchemaRegistryClient) -> SchemaById:
    """Writer schemas by id or GUID from a Schema Registry (its client caches them)."""
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    def schema_by_id(schema_id: int | str) -> str | None:
        try:
            if isinstance(schema_id, str):
                text: str | None = registry.get_schema_by_guid(schema_id).schema_str
            else:
                text = registry.get_schema(schema_id).schema_str
            return text
        except SchemaRegistryError as error:
            if error.http_status_code == 404:
                return None
            raise

    return schema_by_id


class PortReader(SidecarThread):
    def __init__(
        self,
        settings: Settings,
        clients: KafkaClients,
        processor: str,
        signals_topic: str,
        observer: PortObserver,
        timeout: float = 0.5,
    ) -> None:
        super().__init__(f"{processor} streaming-port reader")
        self.settings = settings
        self.clients = clients
        self.processor = processor
        self.signals_topic = signals_topic
        self.observer = observer
        self.timeout = timeout
        self.ports: dict[str, StreamingPort] = {}  # by topic
        self._subscribed: tuple[str, ...] = ()
        self._read: dict[tuple[str, int], int] = {}  # next offset to read, by partition
        self._committed: dict[tuple[str, int], int] = {}
        self.schema_by_id = (
            registry_schemas(clients.schema_registry()) if settings.schema_registry_url else None
        )

    def _learn(self, verdicts: Consumer) -> None:
        codec = self.clients.codec()
        # Never waits while there are ports to read: a wait here is a wait per batch.
        wait = 0.0 if self.ports else self.timeout
        for message in verdicts.consume(num_messages=500, timeout=wait):
            if message.error() or message.value() is None:
                continue
            try:
                verdict = codec.decode(message.value() or b"", Verdict)
                for port in streaming_ports(verdict, self.schema_by_id):
                    known = self.ports.get(port.topic)
                    if known is not None and known.product_name == port.product_name:
                        port.decoder.after(known.decoder)  # its earlier versions stay valid
                    self.ports[port.topic] = port
            except (DecodeError, DescriptorError, ValueError):
                continue  # the processors' own streams dead-letter these

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        lost = [(tp.topic, tp.partition) for tp in partitions]
        self.observer.revoked(lost)
        for key in lost:
            self._read.pop(key, None)
            self._committed.pop(key, None)

    def _subscribe(self, records: Consumer, topics: tuple[str, ...]) -> None:
        records.subscribe(list(topics), on_revoke=self._revoked, on_lost=self._revoked)
        self._subscribed = topics
        try:
            metadata = records.list_topics(timeout=10).topics
        except KafkaException as error:  # the broker away: asked again on the next batch
            log.warning("%s: no partition counts of %s (%s)", self.processor, topics, error)
            self._subscribed = ()
        else:
            self.observer.partition_counts = {
                topic: len(metadata[topic].partitions) for topic in topics if topic in metadata
            }
        log.info("%s: reading streaming ports %s", self.processor, ", ".join(topics))

    def _batch(self, records: Consumer) -> list[tuple[StreamingPort, PortRecord]]:
        topics = tuple(sorted(self.ports))
        if topics != self._subscribed:
            self._subscribe(records, topics)
        if not topics:
            return []
        ports = self.ports
        batch = [
            (ports[topic], PortRecord(message))
            for message in records.consume(num_messages=BATCH, timeout=self.timeout)
            if (topic := message.topic()) in ports and not message.error()
        ]
        for _, record in batch:
            self._read[(record.topic, record.partition)] = record.offset + 1
        return batch

    def _commit(self, records: Consumer) -> None:
        """Up to what was read, but not past what the observer still needs."""
        held = self.observer.retained()
        wanted = {key: min(offset, held.get(key, offset)) for key, offset in self._read.items()}
        changed = [
            TopicPartition(topic, partition, offset)
            for (topic, partition), offset in wanted.items()
            if self._committed.get((topic, partition)) != offset
        ]
        if changed:
            records.commit(offsets=changed, asynchronous=False)
            self._committed.update(wanted)

    def run(self) -> None:
        verdicts = self.clients.consumer()
        records = self.clients.consumer(
            self.settings.group(f"{self.processor}-streams"),
            # A dead worker's partitions move on as fast as the streams' own (15 s), well
            # within the time a quality window waits for its parts.
            **STREAM_CONSUMER_DEFAULTS,
            **{"topic.metadata.refresh.interval.ms": 5000},
        )
        publisher = EventPublisher(self.clients, **{"linger.ms": 5})
        checkpoint = time.monotonic() + CHECKPOINT_SECONDS
        try:
            self.clients.assign_all(verdicts, [self.settings.topic(VERDICTS)])
            while not self.stopping.is_set():
                self._learn(verdicts)
                batch = self._batch(records)
                if not self.ports:
                    continue
                for output in self.observer.observe(batch, datetime.now(UTC)):
                    if isinstance(output, Emit):
                        publisher.send(output.topic, output.event)
                    elif isinstance(output, Send):
                        publisher.send_raw(
                            self.signals_topic,
                            output.product.encode(),
                            encode_signal(output.signal),
                        )
                publisher.producer.poll(0)
                if time.monotonic() >= checkpoint:
                    # What was read is committed once what it gave is acknowledged.
                    publisher.flush()
                    self._commit(records)
                    checkpoint = time.monotonic() + CHECKPOINT_SECONDS
            publisher.flush()
            self._commit(records)
        finally:
            verdicts.close()
            records.close()
