"""Following mesh topics from their beginning on a thread, one decoded event at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.models.events import Event


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

    def _run(self) -> None:
        codec = self.clients.codec()
        consumer = self.clients.consumer(None, **{"fetch.wait.max.ms": 50})
        try:
            self.clients.assign_all(consumer, self.topics)
            while not self._stop.is_set():
                for message in consumer.consume(500, 0.1):
                    if message.error() or message.value() is None:
                        continue
                    try:
                        event = codec.decode_any(message.value() or b"")
                    except DecodeError:
                        continue
                    self.handle(event)
        finally:
            consumer.close()
