"""A CatalogView kept current by tailing mesh.catalog in a background thread."""

from __future__ import annotations

import contextlib
import threading

from meshgov.catalog.view import CatalogView
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CATALOG
from meshgov.models.events import CatalogEntry
from meshgov.settings import Settings


class LiveCatalog:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.view = CatalogView()
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="catalog-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _follow(self) -> None:
        topic = self.settings.topic(CATALOG)
        clients = KafkaClients(self.settings)
        codec = clients.codec()
        consumer = clients.consumer()
        try:
            clients.assign_all(consumer, [topic])
            while not self._stop.is_set():
                message = consumer.poll(0.5)
                if message is None or message.error():
                    continue
                value = message.value()
                with self.lock:
                    if value is None:
                        self.view.remove((message.key() or b"").decode())
                    else:
                        with contextlib.suppress(DecodeError):
                            self.view.put(codec.decode(value, CatalogEntry))
        finally:
            consumer.close()
