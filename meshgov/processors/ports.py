"""Reading accepted products' streaming ports beside a processor's stream.

A reader follows mesh.verdicts from the beginning (every worker reads it all, so it knows
every accepted product's streaming ports and their schemas) and subscribes to those topics
in its processor's streams group, re-subscribing as products are accepted: a new product is
read without a restart. The processor's `observe` turns each batch of records into signals
(masked observations, never values) for the processor's own stream, and dead letters; the
batch's offsets are committed once those are acknowledged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from meshgov.codec import DecodeError, default_codec
from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, Message
from meshgov.kafka.topics import VERDICTS
from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.events import ACCEPTED_DECISIONS, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.processors.outputs import Emit, Output
from meshgov.processors.sidecar import SidecarThread
from meshgov.processors.signals import encode_signal
from meshgov.settings import Settings

log = logging.getLogger("meshgov.processors.ports")


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
class PortRecord:
    """A record read from a product topic."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]

    @classmethod
    def of(cls, message: Message) -> PortRecord:
        _, millis = message.timestamp()
        headers = message.headers() or []
        pairs = headers.items() if isinstance(headers, dict) else headers
        return cls(
            topic=message.topic() or "",
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            timestamp_ms=millis if millis and millis > 0 else None,
            key=message.key(),
            value=message.value(),
            headers=[(k, v.encode() if isinstance(v, str) else v) for k, v in pairs],
        )

    @property
    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def event_time(self, now: datetime) -> datetime:
        if self.timestamp_ms is None:
            return now
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)


Observe = Callable[[Sequence[tuple[StreamingPort, PortRecord]], datetime], list[Output]]


def streaming_ports(verdict: Verdict) -> list[StreamingPort]:
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
            ProductRecordDecoder(port.avro_schema, port.format.value),
        )
        for port in product.output_ports
        if port.type is PortType.STREAMING and port.kafka_topic and port.name
    ]


class PortReader(SidecarThread):
    def __init__(
        self,
        settings: Settings,
        clients: KafkaClients,
        processor: str,
        signals_topic: str,
        observe: Observe,
        timeout: float = 0.5,
    ) -> None:
        super().__init__(f"{processor} streaming-port reader")
        self.settings = settings
        self.clients = clients
        self.processor = processor
        self.signals_topic = signals_topic
        self.observe = observe
        self.timeout = timeout
        self.ports: dict[str, StreamingPort] = {}  # by topic
        self._subscribed: tuple[str, ...] = ()

    def _learn(self, verdicts: Consumer) -> None:
        codec = default_codec()
        for message in verdicts.consume(num_messages=500, timeout=0.05):
            if message.error() or message.value() is None:
                continue
            try:
                verdict = codec.decode(message.value() or b"", Verdict)
                for port in streaming_ports(verdict):
                    self.ports[port.topic] = port
            except (DecodeError, DescriptorError, ValueError):
                continue  # the processors' own streams dead-letter these

    def _batch(self, records: Consumer) -> list[tuple[StreamingPort, PortRecord]]:
        topics = tuple(sorted(self.ports))
        if topics != self._subscribed:
            records.subscribe(list(topics))
            self._subscribed = topics
            log.info("%s: reading streaming ports %s", self.processor, ", ".join(topics))
        if not topics:
            self.stopping.wait(self.timeout)
            return []
        batch = []
        for message in records.consume(num_messages=1000, timeout=self.timeout):
            topic = message.topic()
            if message.error() or topic is None or topic not in self.ports:
                continue
            batch.append((self.ports[topic], PortRecord.of(message)))
        return batch

    def run(self) -> None:
        verdicts = self.clients.consumer()
        records = self.clients.consumer(
            self.settings.group(f"{self.processor}-streams"),
            **{"topic.metadata.refresh.interval.ms": 5000},
        )
        publisher = EventPublisher(self.clients, **{"linger.ms": 5})
        try:
            self.clients.assign_all(verdicts, [self.settings.topic(VERDICTS)])
            while not self.stopping.is_set():
                self._learn(verdicts)
                batch = self._batch(records)
                outputs = self.observe(batch, datetime.now(UTC))
                for output in outputs:
                    if isinstance(output, Emit):
                        publisher.send(output.topic, output.event)
                    else:
                        publisher.send_raw(
                            self.signals_topic,
                            output.product.encode(),
                            encode_signal(output.signal),
                        )
                if outputs:
                    publisher.flush()
                if batch:
                    records.commit(asynchronous=False)
        finally:
            verdicts.close()
            records.close()
