"""Which Kafka cluster meshgov talks to."""

from __future__ import annotations

from meshgov.broker.local import LocalBroker
from meshgov.settings import Settings


class NoClusterError(RuntimeError):
    pass


def default_local_broker(
    settings: Settings, port: int = 9092, controller_port: int = 9093
) -> LocalBroker:
    return LocalBroker(
        settings.home / "kafka",
        settings.cache,
        port,
        controller_port,
        java_home=settings.java_home,
    )


def resolve(settings: Settings) -> Settings:
    """The settings with their cluster: the configured one, else the running local broker."""
    if settings.bootstrap:
        return settings
    status = default_local_broker(settings).status()
    if status.running:
        return settings.with_bootstrap(status.bootstrap)
    raise NoClusterError(
        "no Kafka cluster: start the local one with `meshgov broker start`, or set "
        "KAFKA_BOOTSTRAP_SERVERS (or pass --bootstrap-servers)"
    )
