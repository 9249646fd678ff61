"""meshgov: federated computational governance for a data mesh, enforced on Apache Kafka."""

__version__ = "0.1.0"
