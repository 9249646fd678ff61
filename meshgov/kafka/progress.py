"""Delivering mesh events somewhere outside Kafka, with the progress kept in a consumer group.

A ProgressFollower reads its topics in its own consumer group and hands each event to
`deliver`, committing the record's offset once `deliver` returned: after a crash or a
restart it goes on after the last record delivered; nothing is skipped, and at most the
record in hand at a crash is delivered twice (receivers dedupe by the ids meshgov gives).

A DeliveryError marked transient (the receiver down, a 5xx, a timeout) is retried with
exponential backoff while the group's partitions are paused, so the member stays in its
group; past `give_up_after` seconds (None: never) the record is reported on mesh.dead-
letters and the follower moves on. A permanent error (the receiver refuses the event) or a
record that is no meshgov event goes to mesh.dead-letters at once, with its coordinates and
the reason."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from meshgov.codec import DecodeError
from meshgov.codec.errors import RegistryUnavailableError
from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, Message, TopicPartition
from meshgov.kafka.topics import DEAD_LETTERS
from meshgov.models.events import Event
from meshgov.processors.spec import dead_letter

log = logging.getLogger("meshgov.delivery")

MAX_BACKOFF = 60.0


class DeliveryError(Exception):
    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class ProgressFollower:
    def __init__(
        self,
        clients: KafkaClients,
        name: str,
        group: str,
        topics: Sequence[str],
        deliver: Callable[[Event], None],
        give_up_after: float | None = None,
        between_polls: Callable[[], None] | None = None,
        on_given_up: Callable[[Event, DeliveryError], None] | None = None,
    ) -> None:
        self.clients = clients
        self.name = name
        self.group = group
        self.topics = list(topics)
        self.deliver = deliver
        self.give_up_after = give_up_after
        self.between_polls = between_polls
        self.on_given_up = on_given_up
        self.delivered = 0
        self.dead_lettered = 0

    def run(self, stop: threading.Event) -> None:
        codec = self.clients.codec()
        consumer = self.clients.consumer(self.group)
        publisher = EventPublisher(self.clients)
        consumer.subscribe(self.topics)
        try:
            while not stop.is_set():
                if self.between_polls is not None:
                    self.between_polls()
                message = consumer.poll(0.5)
                if message is None or message.error():
                    continue
                try:
                    event = codec.decode_any(message.value() or b"")
                except DecodeError as error:
                    self._dead_letter(publisher, message, error)
                except RegistryUnavailableError as error:  # read again once it answers
                    log.warning("%s: %s; trying again", self.name, error)
                    consumer.seek(_position(message))
                    stop.wait(2)
                    continue
                else:
                    if not self._deliver(consumer, publisher, message, event, stop):
                        continue  # stopped, or the partition went to another member
                consumer.commit(message, asynchronous=False)
        finally:
            publisher.flush(10)
            consumer.close()

    def _deliver(
        self,
        consumer: Consumer,
        publisher: EventPublisher,
        message: Message,
        event: Event,
        stop: threading.Event,
    ) -> bool:
        """True once delivered or dead-lettered; False if it must be left to be read
        again (stopped while retrying, or its partition revoked)."""
        first_failure: float | None = None
        backoff = 1.0
        while not stop.is_set():
            try:
                self.deliver(event)
                self.delivered += 1
                return True
            except DeliveryError as error:
                now = time.monotonic()
                first_failure = first_failure or now
                gave_up = (
                    self.give_up_after is not None and now - first_failure >= self.give_up_after
                )
                if not error.transient or gave_up:
                    if gave_up and self.on_given_up is not None:
                        self.on_given_up(event, error)
                    self._dead_letter(publisher, message, error)
                    return True
                log.warning("%s: %s; trying again in %.0f s", self.name, error, backoff)
                if not _wait_in_group(consumer, message, backoff, stop):
                    return False
                backoff = min(backoff * 2, MAX_BACKOFF)
        return False

    def _dead_letter(self, publisher: EventPublisher, message: Message, error: Exception) -> None:
        self.dead_lettered += 1
        letter = dead_letter(
            self.name,
            message.topic() or "",
            message.partition() or 0,
            message.offset() or 0,
            message.key(),
            message.value(),
            message.timestamp()[1],
            message.headers() or [],
            error,
        )
        log.error(
            "%s: %s[%s]@%s to the dead letters: %s",
            self.name,
            message.topic(),
            message.partition(),
            message.offset(),
            letter.error_message,
        )
        publisher.send(DEAD_LETTERS, letter)
        publisher.flush(30)


def _position(message: Message) -> TopicPartition:
    return TopicPartition(message.topic(), message.partition(), message.offset())


def _wait_in_group(
    consumer: Consumer, message: Message, seconds: float, stop: threading.Event
) -> bool:
    """Wait with the partitions paused, polling so the member stays in its group; False if
    stopped or if the message's partition was revoked meanwhile."""
    consumer.pause(consumer.assignment())
    try:
        deadline = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < deadline:
            consumer.poll(min(0.5, max(deadline - time.monotonic(), 0.0)))
    finally:
        current = consumer.assignment()
        consumer.resume(current)
    held = (message.topic(), message.partition())
    return not stop.is_set() and any((tp.topic, tp.partition) == held for tp in current)
