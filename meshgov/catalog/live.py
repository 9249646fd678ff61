"""A CatalogView kept current by tailing mesh.catalog in a background thread."""

from __future__ import annotations

import contextlib
import threading
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from meshgov.catalog.view import CatalogView
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.clients import consumer_config
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
        codec = default_codec()
        consumer = Consumer(
            consumer_config(
                self.settings.bootstrap,
                **{"group.id": f"meshgov-catalog-api-{uuid.uuid4()}", "enable.auto.commit": False},
            )
        )
        try:
            partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
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
