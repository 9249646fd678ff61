"""Which Kafka cluster meshgov talks to."""

from __future__ import annotations

import os

from meshgov.broker.local import LocalBroker
from meshgov.paths import cache_home, data_home

BOOTSTRAP_ENV = ("MESHGOV_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS")


class NoClusterError(RuntimeError):
    pass


def configured_bootstrap() -> str | None:
    for name in BOOTSTRAP_ENV:
        if value := os.environ.get(name, "").strip():
            return value
    return None


def default_local_broker(port: int = 9092, controller_port: int = 9093) -> LocalBroker:
    return LocalBroker(data_home() / "kafka", cache_home(), port, controller_port)


def resolve_bootstrap(explicit: str | None = None) -> str:
    """An explicit address, else the configured one, else the running local broker's."""
    if explicit:
        return explicit
    if configured := configured_bootstrap():
        return configured
    status = default_local_broker().status()
    if status.running:
        return status.bootstrap
    raise NoClusterError(
        "no Kafka cluster: start the local one with `meshgov broker start`, or set "
        "KAFKA_BOOTSTRAP_SERVERS (or pass --bootstrap-servers)"
    )
