"""A real Schema Registry through meshgov's one client layer, and the local registry's
lifecycle: the session's registry ($SCHEMA_REGISTRY_URL or a local Apicurio in memory) for the
API, and registries of their own in throw-away directories for start, stop and storage."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from meshgov.broker.local import free_port, port_is_free
from meshgov.kafka.clients import KafkaClients
from meshgov.registry import LocalRegistry, RegistryPortError
from meshgov.settings import Settings

pytestmark = pytest.mark.kafka

ORDER_V1 = {
    "type": "record",
    "name": "Order",
    "namespace": "meshgov.test",
    "fields": [{"name": "id", "type": "string"}],
}
# A new field without a default: records written with v1 cannot be read with it.
ORDER_INCOMPATIBLE = {
    **ORDER_V1,
    "fields": [*ORDER_V1["fields"], {"name": "quantity", "type": "int"}],
}
ORDER_V2 = {
    **ORDER_V1,
    "fields": [*ORDER_V1["fields"], {"name": "quantity", "type": "int", "default": 0}],
}


def _avro(schema: dict[str, Any]) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def _client(bootstrap: str, url: str) -> SchemaRegistryClient:
    return KafkaClients(
        Settings.load(bootstrap=bootstrap, schema_registry_url=url)
    ).schema_registry()


def _local(data_dir: Path, **options: Any) -> LocalRegistry:
    settings = Settings.load()
    return LocalRegistry(data_dir, settings.cache, java_home=settings.java_home, **options)


def test_a_schema_round_trips_and_backward_compatibility_is_enforced(
    kafka_bootstrap: str, schema_registry_url: str, unique: str
) -> None:
    registry = _client(kafka_bootstrap, schema_registry_url)
    subject = f"meshgov-test-{unique}-value"

    schema_id = registry.register_schema(subject, _avro(ORDER_V1))
    assert json.loads(registry.get_schema(schema_id).schema_str) == ORDER_V1
    latest = registry.get_latest_version(subject)
    assert (latest.subject, latest.version, latest.schema_id) == (subject, 1, schema_id)

    registry.set_compatibility(subject_name=subject, level="BACKWARD")
    assert registry.get_compatibility(subject) == "BACKWARD"
    assert registry.test_compatibility(subject, _avro(ORDER_INCOMPATIBLE)) is False
    with pytest.raises(SchemaRegistryError) as refused:
        registry.register_schema(subject, _avro(ORDER_INCOMPATIBLE))
    assert refused.value.http_status_code == 409
    assert subject in str(refused.value)
    assert registry.get_latest_version(subject).version == 1

    registry.register_schema(subject, _avro(ORDER_V2))
    assert registry.get_versions(subject) == [1, 2]


def _meshgov(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meshgov", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _gone(pid: int, timeout: float = 10.0) -> bool:
    """True once `pid` has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_registry_commands_start_report_and_stop(tmp_path: Path) -> None:
    data = str(tmp_path / "registry")
    port, management_port = free_port(), free_port()
    started = _meshgov(
        "registry",
        "start",
        "--data-dir",
        data,
        "--port",
        str(port),
        "--management-port",
        str(management_port),
    )
    url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
    try:
        assert started.returncode == 0, started.stderr
        assert f"schema registry URL: {url}" in started.stdout
        status = _meshgov("registry", "status", "--data-dir", data)
        assert status.returncode == 0
        assert status.stdout.startswith("running (pid ")
        assert url in status.stdout
        pid = int(status.stdout.split("(pid ", 1)[1].split(")", 1)[0])
        assert _local(Path(data)).status().url == url
    finally:
        stopped = _meshgov("registry", "stop", "--data-dir", data)
    assert stopped.returncode == 0
    assert "registry stopped" in stopped.stdout
    assert _gone(pid)
    assert port_is_free(port)
    assert port_is_free(management_port)
    after = _meshgov("registry", "status", "--data-dir", data)
    assert after.returncode == 1
    assert "not running" in after.stdout


def test_kafkasql_storage_keeps_subjects_across_a_stop_and_start(
    kafka_bootstrap: str, tmp_path: Path, unique: str
) -> None:
    registry = _local(
        tmp_path / "registry",
        storage="kafkasql",
        bootstrap=kafka_bootstrap,
        topic_prefix=f"test-{unique}-",
    )
    subject = f"persisted-{unique}-value"
    try:
        first = registry.start()
        client = _client(kafka_bootstrap, first.url)
        schema_id = client.register_schema(subject, _avro(ORDER_V1))
        client.set_compatibility(subject_name=subject, level="BACKWARD")
        assert registry.stop() is True
        assert registry.status().running is False

        again = registry.start()
        client = _client(kafka_bootstrap, again.url)
        latest = client.get_latest_version(subject)
        assert (latest.version, latest.schema_id) == (1, schema_id)
        assert json.loads(latest.schema.schema_str) == ORDER_V1
        assert client.get_compatibility(subject) == "BACKWARD"
    finally:
        registry.stop()


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        registry = _local(tmp_path / "registry", port=taken)
        with pytest.raises(RegistryPortError, match=f"port {taken} on 127.0.0.1 is in use"):
            registry.start()
    assert registry.status().running is False
