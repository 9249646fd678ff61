"""Delivering mesh events somewhere outside Kafka, with the progress kept in a consumer group.

A ProgressFollower reads its topics in its own consumer group and hands each event to
`deliver`, committing the record's offset once `deliver` returned: after a crash or a
restart it goes on after the last record delivered; nothing is skipped, and at most the
record in hand at a crash is delivered twice (receivers dedupe by the ids meshgov gives).

A DeliveryError marked transient (the receiver down, a 5xx, a timeout) is retried with
exponential backoff: the record's partition is rewound to it and read again once the
backoff has passed (the consumer keeps polling, so it stays in its group, and a rebalance
meanwhile hands the record, uncommitted, to whoever owns the partition then). Past
`give_up_after` seconds (None: never) the record is reported on mesh.dead-letters and the
follower moves on. A permanent error (the receiver refuses the event) or a record that is
no meshgov event goes to mesh.dead-letters at once, with its coordinates and the reason."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaException

from meshgov.codec import DecodeError
from meshgov.codec.errors import RegistryUnavailableError
from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, Message, TopicPartition
from meshgov.kafka.topics import DEAD_LETTERS
from meshgov.models.events import Event
from meshgov.processors.spec import dead_letter

log = logging.getLogger("meshgov.delivery")

MAX_BACKOFF = 60.0  # well below max.poll.interval.ms: the member polls between tries
MAX_RETRIES_KEPT = 10_000


class DeliveryError(Exception):
    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class _Retry:
    first_failure: float
    backoff: float
    due: float


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
        max_age: float | None = None,
        ages_out: Callable[[Event], bool] = lambda event: True,
    ) -> None:
        self.clients = clients
        self.name = name
        self.group = group
        self.topics = list(topics)
        self.deliver = deliver
        self.give_up_after = give_up_after
        self.between_polls = between_polls
        self.on_given_up = on_given_up
        # Records older than this (seconds, by their Kafka timestamp) are passed over: a
        # new group, or one whose offsets expired, does not page a year of old breaches.
        self.max_age = max_age
        self.ages_out = ages_out  # which events the age applies to
        self.skipped_old = 0
        self.delivered = 0
        self.dead_lettered = 0
        self._retries: dict[tuple[str, int, int], _Retry] = {}

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
                coordinates = (message.topic() or "", message.partition() or 0, message.offset())
                retry = self._retries.get(coordinates)
                if retry is not None and time.monotonic() < retry.due:
                    _rewind(consumer, message)  # not yet: read it again later
                    stop.wait(min(0.2, retry.due - time.monotonic()))
                    continue
                while len(self._retries) > MAX_RETRIES_KEPT:  # of partitions moved elsewhere
                    self._retries.pop(next(iter(self._retries)))
                try:
                    event = codec.decode_any(message.value() or b"")
                except DecodeError as error:
                    self._dead_letter(publisher, message, error)
                except RegistryUnavailableError as error:  # read again once it answers
                    log.warning("%s: %s; trying again", self.name, error)
                    _rewind(consumer, message)
                    stop.wait(2)
                    continue
                else:
                    if retry is None and self._too_old(message) and self.ages_out(event):
                        self.skipped_old += 1
                        log.info(
                            "%s: %s[%s]@%s is older than %.0f s: not delivered",
                            self.name,
                            message.topic(),
                            message.partition(),
                            message.offset(),
                            self.max_age,
                        )
                    elif not self._deliver(consumer, publisher, message, event, coordinates):
                        continue  # rewound: tried again after its backoff
                self._retries.pop(coordinates, None)
                _commit(consumer, message, self.name)
        finally:
            try:
                publisher.flush(10)
            finally:
                consumer.close()

    def _too_old(self, message: Message) -> bool:
        _, stamp = message.timestamp()
        if self.max_age is None or stamp <= 0:
            return False
        age_ms: float = time.time() * 1000 - stamp
        return age_ms > self.max_age * 1000

    def _deliver(
        self,
        consumer: Consumer,
        publisher: EventPublisher,
        message: Message,
        event: Event,
        coordinates: tuple[str, int, int],
    ) -> bool:
        """True once delivered or dead-lettered; False when rewound to be tried again."""
        try:
            self.deliver(event)
            self.delivered += 1
            return True
        except DeliveryError as error:
            now = time.monotonic()
            retry = self._retries.get(coordinates) or _Retry(now, 0.5, now)
            limit = self.give_up_after
            gave_up = limit is not None and now - retry.first_failure >= limit
            if not error.transient or gave_up:
                if gave_up and self.on_given_up is not None:
                    self.on_given_up(event, error)
                self._dead_letter(publisher, message, error)
                return True
            retry.backoff = min(retry.backoff * 2, MAX_BACKOFF)
            retry.due = now + retry.backoff
            self._retries[coordinates] = retry
            log.warning("%s: %s; trying again in %.0f s", self.name, error, retry.backoff)
            _rewind(consumer, message)
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


def _rewind(consumer: Consumer, message: Message) -> None:
    """Read `message` again next; a partition no longer ours is its new owner's to read."""
    try:
        consumer.seek(TopicPartition(message.topic(), message.partition(), message.offset()))
    except KafkaException as error:
        log.info("not rewound (%s): its partition moved to another member", error)


def _commit(consumer: Consumer, message: Message, name: str) -> None:
    """Commit past `message`; a commit refused in a rebalance leaves it to be read again."""
    try:
        consumer.commit(message, asynchronous=False)
    except KafkaException as error:
        log.warning("%s: offset not committed (%s); it may be delivered again", name, error)
