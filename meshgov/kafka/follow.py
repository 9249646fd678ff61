"""Following mesh topics from their beginning on a thread, one decoded event at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from meshgov.codec import DecodeError, EventCodec
from meshgov.codec.errors import RegistryUnavailableError
from meshgov.kafka.clients import KafkaClients
from meshgov.models.events import Event

log = logging.getLogger("meshgov.kafka.follow")


class EventFollower:
    """Reads `topics` from the beginning in a group of its own and hands each event to
    `handle`; records that are not meshgov events are skipped (the processors dead-letter
    them). The client reconnects by itself when the broker restarts."""

    def __init__(
        self,
        clients: KafkaClients,
        topics: Sequence[str],
        handle: Callable[[Event], None],
        name: str,
    ) -> None:
        self.clients = clients
        self.topics = list(topics)
        self.handle = handle
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _decode(self, codec: EventCodec, value: bytes) -> Event | None:
        """The event, None for bytes that are none; while the Schema Registry cannot be
        asked, asked again (the event is not skipped) until stopped."""
        while not self._stop.is_set():
            try:
                return codec.decode_any(value)
            except DecodeError:
                return None
            except RegistryUnavailableError as error:
                log.warning("%s: %s; trying again", self._thread.name, error)
                self._stop.wait(2)
        return None

    def _run(self) -> None:
        codec = self.clients.codec()
        consumer = self.clients.consumer(None, **{"fetch.wait.max.ms": 50})
        try:
            self.clients.assign_all(consumer, self.topics)
            while not self._stop.is_set():
                for message in consumer.consume(500, 0.1):
                    if message.error() or message.value() is None:
                        continue
                    event = self._decode(codec, message.value() or b"")
                    if event is not None:
                        self.handle(event)
        finally:
            consumer.close()
