"""Following mesh.catalog from its beginning inside a loop that does other work: each poll
returns what changed since the last, without blocking (or, the first time, everything up
to the topic's end). A removed product comes as its name."""

from __future__ import annotations

import time

from meshgov.codec import DecodeError
from meshgov.codec.errors import RegistryUnavailableError
from meshgov.kafka.clients import KafkaClients, TopicPartition
from meshgov.kafka.topics import CATALOG
from meshgov.models.events import CatalogEntry
from meshgov.settings import Settings


class CatalogTail:
    def __init__(self, settings: Settings, clients: KafkaClients) -> None:
        self.topic = settings.topic(CATALOG)
        self.clients = clients
        self._codec = clients.codec()
        self._consumer = clients.consumer()
        self.entries: dict[str, CatalogEntry] = {}

    def start(self) -> None:
        self.clients.assign_all(self._consumer, [self.topic])

    def close(self) -> None:
        self._consumer.close()

    def poll(self, until_caught_up: bool = False) -> list[CatalogEntry | str]:
        changes: list[CatalogEntry | str] = []
        while True:
            message = self._consumer.poll(1.0 if until_caught_up else 0)
            if message is None:
                if until_caught_up and not self._caught_up():
                    continue
                return changes
            if message.error():
                continue
            value = message.value()
            if value is None:
                name = (message.key() or b"").decode("utf-8", "replace")
                self.entries.pop(name, None)
                changes.append(name)
                continue
            try:
                entry = self._codec.decode(value, CatalogEntry)
            except DecodeError:
                continue
            except RegistryUnavailableError:  # read it again; at start, wait for it
                self._consumer.seek(
                    TopicPartition(message.topic(), message.partition(), message.offset())
                )
                if not until_caught_up:
                    return changes
                time.sleep(2)
                continue
            self.entries[entry.product] = entry
            changes.append(entry)

    def _caught_up(self) -> bool:
        for tp in self._consumer.assignment():
            _, high = self._consumer.get_watermark_offsets(tp, cached=False)
            position = self._consumer.position([tp])[0].offset
            if high > 0 and (position < 0 or position < high):
                return False
        return True
