"""Where a benchmark's Kafka comes from: KAFKA_BOOTSTRAP_SERVERS, else a local broker of its
own in a scratch directory, stopped when the benchmark ends."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from meshgov.broker.local import LocalBroker, free_port
from meshgov.settings import Settings


def bootstrap_for(stack: ExitStack, scratch: Path) -> str:
    settings = Settings.load()
    if configured := settings.bootstrap:
        return configured
    broker = LocalBroker(
        scratch / "kafka", settings.cache, port=free_port(), controller_port=free_port()
    )
    broker.start()
    stack.callback(broker.stop)
    return broker.bootstrap
