from __future__ import annotations

from pathlib import Path

import faust
import pytest

from meshgov.kafka.clients import connection_properties, producer_config
from services.runtime import broker_credentials


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
    assert connection_properties() == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "b",
        "sasl.password": "secret",
    }
    producer = producer_config("broker:9092")
    assert (producer["security.protocol"], producer["partitioner"]) == (
        "SASL_SSL",
        "murmur2_random",
    )


def test_a_malformed_properties_file_names_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.properties"
    config.write_text("security.protocol=SSL\noops\n")
    monkeypatch.setenv("MESHGOV_CLIENT_CONFIG", str(config))
    with pytest.raises(ValueError, match="line 2: expected key=value"):
        connection_properties()


def test_processors_get_the_same_settings_as_faust_credentials() -> None:
    assert broker_credentials({}) is None
    sasl = broker_credentials(
        {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "scram-sha-512",
            "sasl.username": "u",
            "sasl.password": "p",
        }
    )
    assert isinstance(sasl, faust.SASLCredentials)
    assert (sasl.username, sasl.password, sasl.mechanism.value) == ("u", "p", "SCRAM-SHA-512")
    assert isinstance(broker_credentials({"security.protocol": "SSL"}), faust.SSLCredentials)
