"""What a stream processor is, without Kafka: the topics it reads, the typed state it keeps
per product, and its pure handler `handle(state, message, now) -> (state, outputs)`.
processors.runtime runs one on Quix Streams."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from meshgov.kafka.topics import DAY_MS, TopicSpec
from meshgov.models import ids
from meshgov.models.events import DeadLetter, Event, Header
from meshgov.processors.outputs import Output
from meshgov.processors.signals import Signal
from meshgov.settings import Settings

if TYPE_CHECKING:
    from meshgov.kafka.clients import KafkaClients

DEAD_VALUE_KEPT = 64 * 1024  # bytes of an unreadable record's value kept in its dead letter

S = TypeVar("S", bound=BaseModel)
S_contra = TypeVar("S_contra", bound=BaseModel, contravariant=True)


@dataclass(frozen=True)
class Message:
    """One decoded input record: its product (the record key), what it says, and where it
    came from (the mesh topic name without prefix, or "signals")."""

    product: str
    body: Event | Signal
    topic: str
    origin: str = ""  # topic[partition]@offset: a record read again has the same origin
    at: datetime | None = None  # the record's timestamp


class Handler(Protocol[S]):
    def handle(self, state: S, message: Message, now: datetime) -> tuple[S, list[Output]]: ...


@runtime_checkable
class Timed(Protocol[S_contra]):
    """A handler that wants a Tick at a time its state says."""

    def wake(self, state: S_contra, now: datetime) -> datetime | None: ...


class Sidecar(Protocol):
    """A thread beside the stream (a ticker, a streaming-port reader). It calls `failed`
    with what ended it, if anything does before `stop`."""

    def start(self, failed: Callable[[BaseException], None]) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Processor(Generic[S]):
    """What `meshgov run NAME` runs: the topics it reads, its state, its handler."""

    name: str
    state: type[S]
    inputs: Mapping[str, type[Event]]
    handler: Callable[[Settings], Handler[S]]
    outputs: tuple[str, ...] = ()  # the mesh topics its handler emits to (and dead letters)
    signals: bool = False  # reads its own signals topic
    timed: bool = False  # its handler is Timed: a ticker and a schedule topic
    effects: bool = False  # its handler returns Effects, applied from its effects topic
    needs_registry: bool = False  # run under `meshgov up` only with a Schema Registry
    sidecars: Sequence[Callable[[Settings, KafkaClients], Sidecar]] = field(default=())
    reads_ports: bool = False  # reads accepted products' streaming ports (any topic)

    def input_topics(self, settings: Settings) -> list[str]:
        """Every topic its stream reads."""
        topics = [settings.topic(t) for t in self.inputs]
        if self.signals or self.timed:
            topics.append(self.signals_topic(settings))
        return topics

    def signals_topic(self, settings: Settings) -> str:
        return settings.topic(f"meshgov-{self.name}-signals")

    def schedule_topic(self, settings: Settings) -> str:
        return settings.topic(f"meshgov-{self.name}-schedule")

    def effects_topic(self, settings: Settings) -> str:
        return settings.topic(f"meshgov-{self.name}-effects")

    def internal_topics(self, settings: Settings) -> list[TopicSpec]:
        """Its own topics, created before it starts."""
        topics = []
        if self.signals or self.timed:
            topics.append(
                TopicSpec(
                    self.signals_topic(settings),
                    None,
                    {"cleanup.policy": "delete", "retention.ms": str(DAY_MS)},
                )
            )
        if self.timed:
            topics.append(
                TopicSpec(
                    self.schedule_topic(settings),
                    None,
                    {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1"},
                )
            )
        if self.effects:
            topics.append(
                TopicSpec(
                    self.effects_topic(settings),
                    None,
                    {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1"},
                )
            )
        return topics


def masked_preview(value: bytes, length: int = 48) -> str:
    """The shape of a value's first bytes and nothing of its content: letters become x,
    digits 9, other printable characters stay, the rest is a dot."""
    text = value[:length].decode("utf-8", errors="replace")
    shape = "".join(
        "x" if c.isalpha() else "9" if c.isdigit() else c if c.isprintable() else "." for c in text
    )
    return shape + ("..." if len(value) > length else "")


def dead_letter(
    processor: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    timestamp_ms: int | None,
    headers: Sequence[tuple[str, bytes | str | None]],
    error: BaseException,
    product_data: bool = False,
) -> DeadLetter:
    """An unreadable record with where it came from and why it failed; a huge value is kept
    as its first bytes, with its size and hash in the message. A record of a product topic
    (`product_data`) may hold PII: its key, value and headers stay out, and the message
    gives the value's size, hash and a masked preview instead."""
    message = f"{type(error).__name__}: {error}"[:4000]
    kept = value
    if product_data:
        if value is not None:
            digest = hashlib.sha256(value).hexdigest()
            message += (
                f" (value of {len(value)} bytes, sha256 {digest}, masked: "
                f"{masked_preview(value)!r})"
            )
        key, kept, headers = None, None, []
    elif value is not None and len(value) > DEAD_VALUE_KEPT:
        kept = value[:DEAD_VALUE_KEPT]
        digest = hashlib.sha256(value).hexdigest()
        message += f" (value of {len(value)} bytes, sha256 {digest}; first {len(kept)} kept)"
    return DeadLetter(
        dead_letter_id=ids.dead_letter_id(topic, partition, offset),
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        source_timestamp=datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        if timestamp_ms and timestamp_ms > 0
        else None,
        source_key=key,
        source_value=kept,
        source_headers=[
            Header(key=str(k), value=v.encode() if isinstance(v, str) else v) for k, v in headers
        ],
        error_type=type(error).__name__,
        error_message=message,
        processor=processor,
        failed_at=datetime.now(UTC),
    )
