"""Where the tests' Schema Registry comes from: $SCHEMA_REGISTRY_URL (any Confluent-compatible
registry), else meshgov's local Apicurio Registry, in memory, in a throw-away directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meshgov.registry import LocalRegistry
from meshgov.settings import Settings

REGISTRY_URL_ENV = "SCHEMA_REGISTRY_URL"


@contextmanager
def schema_registry(scratch: Path) -> Iterator[str]:
    """Yield a Schema Registry URL for the whole test session."""
    if configured := os.environ.get(REGISTRY_URL_ENV):
        yield configured
        return
    settings = Settings.load()
    registry = LocalRegistry(scratch / "registry", settings.cache, java_home=settings.java_home)
    status = registry.start()
    try:
        yield status.url
    finally:
        registry.stop()
