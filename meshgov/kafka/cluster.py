"""Which Kafka cluster meshgov talks to, and which Schema Registry beside it."""

from __future__ import annotations

from meshgov.broker.local import LocalBroker
from meshgov.registry.local import LocalRegistry
from meshgov.settings import Settings


class NoClusterError(RuntimeError):
    pass


def default_local_broker(
    settings: Settings, port: int = 9092, controller_port: int = 9093, secure: bool = False
) -> LocalBroker:
    """The local broker of $MESHGOV_HOME: kafka/, or kafka-secure/ for the secured one."""
    return LocalBroker(
        settings.home / ("kafka-secure" if secure else "kafka"),
        settings.cache,
        port,
        controller_port,
        java_home=settings.java_home,
        secure=secure,
    )


def default_local_registry(
    settings: Settings,
    bootstrap: str | None = None,
    kafka_properties: dict[str, str] | None = None,
) -> LocalRegistry:
    """The registry `meshgov up` and `meshgov demo` start beside the mesh: its schemas kept
    in the mesh's Kafka (kafkasql, connecting with `kafka_properties` in the Java client's
    names), its port a free one, recorded in its state file."""
    return LocalRegistry(
        settings.home / "registry",
        settings.cache,
        storage="kafkasql" if bootstrap else "memory",
        bootstrap=bootstrap,
        topic_prefix=settings.topic_prefix,
        java_home=settings.java_home,
        log_file=settings.log_dir / "schema-registry.log",
        kafka_properties=kafka_properties,
    )


def resolve(settings: Settings) -> Settings:
    """The settings with their cluster: the configured one, else the running local broker;
    and, unless one is configured, the local registry that keeps its schemas in that
    cluster (the one `meshgov up` started), so every command reads the mesh's events."""
    if settings.bootstrap:
        return _with_local_registry(settings)
    status = default_local_broker(settings).status()
    if status.running:
        return _with_local_registry(settings.with_bootstrap(status.bootstrap))
    raise NoClusterError(
        "no Kafka cluster: start the local one with `meshgov broker start`, or set "
        "KAFKA_BOOTSTRAP_SERVERS (or pass --bootstrap-servers)"
    )


def _with_local_registry(settings: Settings) -> Settings:
    if settings.schema_registry_url or not settings.local_registry:
        return settings
    status = default_local_registry(settings).status()
    if status.running and status.storage == "kafkasql" and status.bootstrap == settings.bootstrap:
        return settings.with_schema_registry(status.url)
    return settings
