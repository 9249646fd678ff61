"""What every meshgov stream processor shares: the faust app, raw topics, dead-lettering.

Processing is at-least-once; outputs carry deterministic ids, so a record processed again
after a crash re-emits an identical event that consumers de-duplicate. Agents run with
concurrency 1: above 1, faust-streaming can commit past a record still in flight and lose
it in a crash (faust-streaming #606); `exactly_once` has produced duplicates and crashes
(#323, #517)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import faust

from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.clients import connection_properties
from meshgov.kafka.topics import DEAD_LETTERS
from meshgov.models import ids
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import ACCEPTED_DECISIONS, DeadLetter, Event, Header, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.settings import Settings

log = logging.getLogger("meshgov.services")
E = TypeVar("E", bound=Event)


def broker_credentials(properties: dict[str, str]) -> Any:
    """faust's credentials for the Kafka client properties meshgov's other clients use
    (security.protocol, sasl.mechanism, sasl.username, sasl.password, ssl.ca.location)."""
    protocol = properties.get("security.protocol", "PLAINTEXT").upper()
    if protocol == "PLAINTEXT":
        return None
    ssl_context = None
    if protocol in ("SSL", "SASL_SSL"):
        import ssl

        ssl_context = ssl.create_default_context(cafile=properties.get("ssl.ca.location"))
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=properties.get("sasl.username"),
            password=properties.get("sasl.password"),
            mechanism=properties.get("sasl.mechanism", "PLAIN").upper(),
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


def create_app(processor: str, settings: Settings) -> faust.App:
    brokers = [f"kafka://{address.strip()}" for address in settings.bootstrap.split(",")]
    return faust.App(
        f"{settings.topic_prefix}meshgov-{processor}",
        broker=brokers,
        store="memory://",  # tables are rebuilt from their changelog topics on start
        processing_guarantee="at_least_once",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # A crashed member holds its partitions until its session expires; faust's default
        # of 60 s would stall checks for a minute after a crash.
        broker_session_timeout=15.0,
        broker_heartbeat_interval=3.0,
        producer_acks=-1,
        web_enabled=False,
        broker_credentials=broker_credentials(connection_properties()),
    )


def raw_topic(app: faust.App, *names: str) -> Any:
    """A topic (or several read as one stream) as bytes: decoding is ours, so failures can
    be dead-lettered with the exact bytes."""
    return app.topic(
        *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


def json_table(app: faust.App, name: str, default: Any, settings: Settings) -> Any:
    """A table keyed by str with JSON values. Keys are JSON-encoded too: a raw bytes key is
    JSON-decoded when faust recovers the table from its changelog, which fails and stalls.
    (faust decodes every changelog as JSON on recovery, whatever the table's serializer, so
    values must be JSON too; a large table may hold each value as one compact JSON string.)"""
    schema: Any = faust.Schema(key_type=str, key_serializer="json", value_serializer="json")
    return app.Table(name, default=default, partitions=settings.partitions, schema=schema)


def internal_topic(app: faust.App, settings: Settings, name: str) -> Any:
    """A raw topic of the processor's own, co-partitioned with the mesh topics."""
    return app.topic(
        settings.topic(name),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        internal=True,
    )


async def decoded(
    stream: Any, event_type: type[E], emitter: Emitter
) -> AsyncIterator[tuple[Any, E]]:
    """(faust event, decoded meshgov event) for each record; unreadable records are
    dead-lettered and skipped."""
    codec = default_codec()
    async for event in stream.events():
        try:
            value = codec.decode(event.message.value, event_type)
        except DecodeError as error:
            await emitter.dead_letter(event.message, error)
            continue
        yield event, value


async def accepted_products(
    stream: Any, emitter: Emitter
) -> AsyncIterator[tuple[Verdict, DataProduct]]:
    """(verdict, its parsed product) for each verdict that accepts or schedules a version."""
    async for event, verdict in decoded(stream, Verdict, emitter):
        if verdict.decision not in ACCEPTED_DECISIONS:
            continue
        try:
            product = parse_descriptor(verdict.descriptor, verdict.product).data_product
        except DescriptorError as error:
            await emitter.dead_letter(event.message, error)
            continue
        yield verdict, product


class Emitter:
    """Sends meshgov events, Avro-encoded and keyed by product."""

    def __init__(self, app: faust.App, settings: Settings, processor: str) -> None:
        self.app = app
        self.settings = settings
        self.processor = processor
        self.codec = default_codec()
        self._topics: dict[str, Any] = {}

    def _topic(self, name: str) -> Any:
        full = self.settings.topic(name)
        if full not in self._topics:
            self._topics[full] = raw_topic(self.app, full)
        return self._topics[full]

    async def emit(self, topic: str, event: Event) -> None:
        await self._topic(topic).send(
            key=event.kafka_key().encode("utf-8"), value=self.codec.encode(event)
        )

    async def dead_letter(self, message: Any, error: Exception) -> None:
        """Keep an unreadable record whole, with where it came from and why it failed."""
        headers = message.headers or []
        pairs = headers.items() if isinstance(headers, dict) else headers
        timestamp = message.timestamp
        letter = DeadLetter(
            dead_letter_id=ids.dead_letter_id(message.topic, message.partition, message.offset),
            source_topic=message.topic,
            source_partition=message.partition,
            source_offset=message.offset,
            source_timestamp=datetime.fromtimestamp(timestamp, UTC) if timestamp else None,
            source_key=message.key,
            source_value=message.value,
            source_headers=[Header(key=str(k), value=v) for k, v in pairs],
            error_type=type(error).__name__,
            error_message=str(error)[:4000],
            processor=self.processor,
            failed_at=datetime.now(UTC),
        )
        log.warning(
            "%s: dead-lettered %s[%s]@%s: %s",
            self.processor,
            message.topic,
            message.partition,
            message.offset,
            letter.error_message,
        )
        await self._topic(DEAD_LETTERS).send(
            key=message.key or b"", value=self.codec.encode(letter)
        )
