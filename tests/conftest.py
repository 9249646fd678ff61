from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshgov.codec import EventCodec, default_codec
from tests.support.cluster import kafka_cluster
from tests.support.registry import schema_registry

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka for the session: $KAFKA_BOOTSTRAP_SERVERS, testcontainers, or local jars."""
    with kafka_cluster(tmp_path_factory.mktemp("cluster")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def schema_registry_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Schema Registry for the session: $SCHEMA_REGISTRY_URL, else a local Apicurio
    Registry in memory."""
    with schema_registry(tmp_path_factory.mktemp("registry")) as url:
        yield url


@pytest.fixture
def codec() -> EventCodec:
    return default_codec()


@pytest.fixture
def unique() -> str:
    """A suffix that keeps topic and group names of one test apart from every other run."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def seed_descriptor_text() -> str:
    return (REPO / "examples" / "orders-daily-aggregated.yaml").read_text()
