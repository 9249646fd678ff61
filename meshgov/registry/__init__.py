"""A Confluent-compatible Schema Registry for the mesh: Apicurio Registry run locally from
Maven Central's distribution, where no registry is configured."""

from meshgov.registry.distribution import APICURIO_VERSION, ensure_registry_distribution
from meshgov.registry.errors import NoJavaError, RegistryError, RegistryPortError
from meshgov.registry.java import find_registry_java
from meshgov.registry.local import LocalRegistry, RegistryStatus

__all__ = [
    "APICURIO_VERSION",
    "LocalRegistry",
    "NoJavaError",
    "RegistryError",
    "RegistryPortError",
    "RegistryStatus",
    "ensure_registry_distribution",
    "find_registry_java",
]
