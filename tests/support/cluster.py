"""Where the tests' Kafka comes from: the configured cluster, a testcontainers Kafka when a
Docker engine answers, else meshgov's own local broker in a throw-away directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meshgov.broker.local import LocalBroker, free_port
from meshgov.settings import Settings

KAFKA_IMAGE_ENV = "MESHGOV_TEST_KAFKA_IMAGE"
SECURE_ENV = "MESHGOV_TEST_SECURE"
# Confluent Platform 8.x runs Apache Kafka 4.x in KRaft mode; testcontainers' KafkaContainer
# drives that image's start scripts.
DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:8.1.0"


def docker_engine_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - no client library, no socket, no engine: all mean no
        return False


@contextmanager
def local_broker(data_dir: Path, secure: bool = False) -> Iterator[LocalBroker]:
    node = LocalBroker(
        data_dir,
        Settings.load().cache,
        port=free_port(),
        controller_port=free_port(),
        secure=secure,
    )
    node.start()
    try:
        yield node
    finally:
        node.stop()


@contextmanager
def kafka_cluster(scratch: Path) -> Iterator[str]:
    """Yield a bootstrap address for the whole test session. With MESHGOV_TEST_SECURE=1 (and
    no cluster configured), the secured local broker (SASL_SSL, SCRAM, its authorizer on):
    every client of the session, and every process it starts, connects as its super user;
    tests/integration/test_secured_mesh.py runs each as its own principal under ACLs."""
    if configured := Settings.load().bootstrap:
        yield configured
        return
    if os.environ.get(SECURE_ENV) == "1":
        with local_broker(scratch / "kafka-secure", secure=True) as node:
            assert node.security is not None
            before = os.environ.get("MESHGOV_CLIENT_CONFIG")
            os.environ["MESHGOV_CLIENT_CONFIG"] = str(node.security.client_properties_file)
            try:
                yield node.bootstrap
            finally:
                if before is None:
                    del os.environ["MESHGOV_CLIENT_CONFIG"]
                else:
                    os.environ["MESHGOV_CLIENT_CONFIG"] = before
        return
    if docker_engine_answers():
        from testcontainers.community.kafka import KafkaContainer

        image = os.environ.get(KAFKA_IMAGE_ENV, DEFAULT_KAFKA_IMAGE)
        with KafkaContainer(image).with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    with local_broker(scratch / "kafka") as node:
        yield node.bootstrap
