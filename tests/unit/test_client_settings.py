from __future__ import annotations

from pathlib import Path

import pytest

from meshgov.kafka.clients import KafkaClients
from meshgov.settings import Settings

SECURED = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "u",
    "sasl.password": "p",
    "ssl.ca.location": "/etc/ca.pem",
    "ssl.certificate.location": "/etc/client.pem",
    "ssl.key.location": "/etc/client.key",
    "ssl.key.password": "k",
    "client.id": "meshgov-test",
}


def test_properties_come_from_a_file_and_variables_which_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.properties"
    config.write_text(
        "# cluster\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.username=a\n"
    )
    monkeypatch.setenv("MESHGOV_CLIENT_CONFIG", str(config))
    monkeypatch.setenv("MESHGOV_KAFKA_SASL_USERNAME", "b")
    monkeypatch.setenv("MESHGOV_KAFKA_SASL_PASSWORD", "secret")
    settings = Settings.load(bootstrap="broker:9092")
    assert settings.kafka_properties() == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "b",
        "sasl.password": "secret",
    }
    assert "secret" not in repr(settings)
    producer = KafkaClients(settings).producer_config()
    assert (producer["security.protocol"], producer["partitioner"], producer["acks"]) == (
        "SASL_SSL",
        "murmur2_random",
        "all",
    )


def test_a_malformed_properties_file_names_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.properties"
    config.write_text("security.protocol=SSL\noops\n")
    monkeypatch.setenv("MESHGOV_CLIENT_CONFIG", str(config))
    with pytest.raises(ValueError, match="line 2: expected key=value"):
        Settings.load()


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "env:9092")
    monkeypatch.setenv("MESHGOV_TOPIC_PREFIX", "env.")
    monkeypatch.setenv("MESHGOV_REQUIRED_CHECKS", "pii, policy")
    assert Settings.load().bootstrap == "env:9092"
    settings = Settings.load(bootstrap="given:9092", topic_prefix=None)
    assert (settings.bootstrap, settings.topic_prefix) == ("given:9092", "env.")
    assert settings.required_checks == ("pii", "policy")


def test_every_client_gets_every_security_property() -> None:
    clients = KafkaClients(Settings(bootstrap="broker:9093", kafka=SECURED))
    for config in (clients.producer_config(), clients.consumer_config("g")):
        assert {k: config[k] for k in SECURED} == SECURED
    connection, extra = clients.stream_connection()
    merged = {**connection.as_librdkafka_dict(), **extra}
    assert {k: merged[k] for k in SECURED} == {
        **SECURED,
        # Quix Streams' typed connection config keeps librdkafka's names, lower-cased protocol
        "security.protocol": "sasl_ssl",
    }


OAUTH = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "OAUTHBEARER",
    "sasl.oauthbearer.method": "oidc",
    "sasl.oauthbearer.client.id": "meshgov-verdicts",
    "sasl.oauthbearer.client.secret": "s3cret",
    "sasl.oauthbearer.token.endpoint.url": "https://idp.company.com/oauth2/token",
    "sasl.oauthbearer.scope": "kafka",
    "ssl.ca.location": "/etc/ca.pem",
}


def test_oauthbearer_reaches_every_client_and_the_stream_processors() -> None:
    clients = KafkaClients(Settings(bootstrap="broker:9093", kafka=OAUTH))
    for config in (
        clients.producer_config(),
        clients.consumer_config("g"),
        clients.common_config(),
    ):
        assert {k: config[k] for k in OAUTH} == OAUTH
    connection, extra = clients.stream_connection()
    merged = {**connection.as_librdkafka_dict(), **extra}
    assert {k: str(merged[k]) for k in OAUTH} == {**OAUTH, "security.protocol": "sasl_ssl"}
