"""The Schema Registry's settings and the local registry's helpers, without starting one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from meshgov.kafka.clients import KafkaClients
from meshgov.registry import LocalRegistry, NoJavaError, RegistryError, RegistryPortError
from meshgov.registry.distribution import ensure_registry_distribution
from meshgov.registry.java import find_registry_java
from meshgov.settings import Settings


def _fake_java(home: Path, version: str) -> Path:
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-01-01' >&2\n")
    java.chmod(0o755)
    return java


@pytest.fixture
def no_java_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("no_java_on_path")
def test_java_home_is_used_when_it_is_java_21_or_newer(tmp_path: Path) -> None:
    java = _fake_java(tmp_path / "jdk-21", "21.0.5")
    _fake_java(tmp_path / "jvm" / "jdk-25", "25.0.1")
    assert find_registry_java(tmp_path / "jdk-21", jvm_dir=tmp_path / "jvm") == java


@pytest.mark.usefixtures("no_java_on_path")
def test_an_older_java_home_gives_way_to_the_newest_jdk_of_the_jvm_directory(
    tmp_path: Path,
) -> None:
    _fake_java(tmp_path / "jdk-17", "17.0.15")
    jvm = tmp_path / "jvm"
    _fake_java(jvm / "java-17-openjdk", "17.0.15")
    _fake_java(jvm / "temurin-21-jdk", "21.0.5")
    newest = _fake_java(jvm / "temurin-25-jdk", "25.0.3")
    (jvm / "default-java").symlink_to(jvm / "java-17-openjdk")
    assert find_registry_java(tmp_path / "jdk-17", jvm_dir=jvm) == newest


@pytest.mark.usefixtures("no_java_on_path")
def test_without_java_21_the_error_says_where_it_looked(tmp_path: Path) -> None:
    _fake_java(tmp_path / "jdk-17", "17.0.15")
    jvm = tmp_path / "jvm"
    _fake_java(jvm / "java-17-openjdk", "17.0.15")
    with pytest.raises(NoJavaError) as error:
        find_registry_java(tmp_path / "jdk-17", jvm_dir=jvm)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("Apicurio Registry needs Java 21 or newer and none was found (")
    assert f"JAVA_HOME {tmp_path / 'jdk-17'}: Java 17" in message
    assert f"{jvm}: Java 17" in message


def _fake_maven(bin_dir: Path, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    mvn = bin_dir / "mvn"
    mvn.write_text("#!/bin/sh\n" + script)
    mvn.chmod(0o755)


def test_a_failed_download_is_one_line_naming_maven_s_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_maven(
        tmp_path / "bin",
        "echo '[ERROR] Failed to execute goal get: Could not transfer artifact: "
        "repo.maven.apache.org: Temporary failure in name resolution'\n"
        "echo '[ERROR] -> [Help 1]'\nexit 1\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RegistryError) as error:
        ensure_registry_distribution(tmp_path / "cache")
    assert str(error.value) == (
        "downloading io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all from Maven Central "
        "failed (Maven exit 1): Failed to execute goal get: Could not transfer artifact: "
        "repo.maven.apache.org: Temporary failure in name resolution"
    )
    assert list((tmp_path / "cache").iterdir()) == []


def test_without_maven_the_fetch_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        RegistryError, match=r"^Fetching Apicurio Registry from Maven Central needs"
    ):
        ensure_registry_distribution(tmp_path / "cache")


def test_both_ports_listen_on_loopback_and_kafkasql_topics_carry_the_prefix(
    tmp_path: Path,
) -> None:
    memory = LocalRegistry(tmp_path, tmp_path).system_properties(8081, 9000)
    assert memory == {
        "quarkus.http.host": "127.0.0.1",
        "quarkus.http.port": "8081",
        "quarkus.management.host": "127.0.0.1",
        "quarkus.management.port": "9000",
    }
    kafkasql = LocalRegistry(
        tmp_path, tmp_path, storage="kafkasql", bootstrap="127.0.0.1:9092", topic_prefix="t-"
    ).system_properties(8081, 9000)
    assert kafkasql["apicurio.storage.kind"] == "kafkasql"
    assert kafkasql["apicurio.kafkasql.bootstrap.servers"] == "127.0.0.1:9092"
    topics = [
        kafkasql[f"apicurio.{key}"]
        for key in ("kafkasql.topic", "kafkasql.snapshots.topic", "events.kafka.topic")
    ]
    assert all(topic.startswith("t-schema-registry.") for topic in topics)
    with pytest.raises(ValueError, match="kafkasql storage needs the bootstrap servers"):
        LocalRegistry(tmp_path, tmp_path, storage="kafkasql")


def test_a_port_taken_while_starting_is_reported_as_such(tmp_path: Path) -> None:
    registry = LocalRegistry(tmp_path, tmp_path)
    registry.log_file.write_text(
        "old run\n2026-12-01 13:32:28 ERROR [io.quarkus.runtime.ApplicationLifecycleManager] "
        "(main) Port 48695 seems to be in use by another process. Quarkus may already be "
        "running or the port is used by another application.\n"
    )
    failure = registry._start_failure(4242, log_offset=len("old run\n"))
    assert isinstance(failure, RegistryPortError)
    assert str(failure).startswith("port 48695 on 127.0.0.1 is in use by another program")
    other = registry._start_failure(4242, log_offset=registry.log_file.stat().st_size)
    assert not isinstance(other, RegistryPortError)
    assert "exited while starting: no error logged" in str(other)


def test_the_registry_url_and_basic_auth_come_from_the_client_properties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.properties"
    config.write_text(
        "security.protocol=SASL_SSL\n"
        "schema.registry.url=https://registry.example:8081\n"
        "basic.auth.credentials.source=USER_INFO\n"
        "basic.auth.user.info=key:secret\n"
    )
    monkeypatch.setenv("MESHGOV_CLIENT_CONFIG", str(config))
    settings = Settings.load(bootstrap="broker:9092")
    assert settings.kafka_properties() == {"security.protocol": "SASL_SSL"}
    assert settings.schema_registry_config() == {
        "url": "https://registry.example:8081",
        "basic.auth.user.info": "key:secret",
    }
    assert "secret" not in repr(settings)
    assert isinstance(KafkaClients(settings).schema_registry(), SchemaRegistryClient)

    monkeypatch.setenv("MESHGOV_SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7")
    assert Settings.load().schema_registry_url == "http://127.0.0.1:8081/apis/ccompat/v7"
    assert Settings.load(schema_registry_url="http://explicit").schema_registry_url == (
        "http://explicit"
    )


def test_without_a_registry_url_the_client_says_how_to_configure_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MESHGOV_SCHEMA_REGISTRY_URL", raising=False)
    monkeypatch.delenv("MESHGOV_CLIENT_CONFIG", raising=False)
    clients = KafkaClients(Settings.load(bootstrap="broker:9092"))
    with pytest.raises(ValueError, match=r"MESHGOV_SCHEMA_REGISTRY_URL or schema\.registry\.url"):
        clients.schema_registry()
