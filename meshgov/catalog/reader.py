"""Reading mesh.catalog (compacted) into a CatalogView: its latest entry per product."""

from __future__ import annotations

import contextlib

from meshgov.catalog.view import CatalogView
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients, read_to_end
from meshgov.kafka.topics import CATALOG
from meshgov.models.events import CatalogEntry
from meshgov.settings import Settings


def read_catalog(settings: Settings, timeout: float = 30.0) -> CatalogView:
    """Everything on mesh.catalog up to its current end."""
    clients = KafkaClients(settings)
    codec = clients.codec()
    view = CatalogView()
    for message in read_to_end(clients, settings.topic(CATALOG), timeout):
        value = message.value()
        if value is None:  # a tombstone: the product left the catalog
            view.remove((message.key() or b"").decode())
        else:
            with contextlib.suppress(DecodeError):  # dead-lettered by its writer
                view.put(codec.decode(value, CatalogEntry))
    return view
