"""A real Apache Kafka broker on this machine, from Maven Central's jars, in KRaft mode."""

from meshgov.broker.errors import BrokerError, MissingToolError
from meshgov.broker.jars import KAFKA_VERSION, ensure_kafka_jars
from meshgov.broker.local import BrokerStatus, LocalBroker

__all__ = [
    "KAFKA_VERSION",
    "BrokerError",
    "BrokerStatus",
    "LocalBroker",
    "MissingToolError",
    "ensure_kafka_jars",
]
