"""Kafka client settings every meshgov producer and consumer shares.

Connection settings (SASL, SSL, ...) use Kafka's own property names, from a properties file
named by $MESHGOV_CLIENT_CONFIG and from MESHGOV_KAFKA_* variables
(MESHGOV_KAFKA_SECURITY_PROTOCOL=SASL_SSL is security.protocol=SASL_SSL); variables win."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV_PREFIX = "MESHGOV_KAFKA_"


def read_properties(path: Path) -> dict[str, str]:
    properties = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith(("#", "!")):
            continue
        key, separator, value = text.partition("=")
        if not separator:
            raise ValueError(f"{path}, line {number}: expected key=value, got {text!r}")
        properties[key.strip()] = value.strip()
    return properties


def connection_properties() -> dict[str, str]:
    properties: dict[str, str] = {}
    if config := os.environ.get("MESHGOV_CLIENT_CONFIG"):
        properties.update(read_properties(Path(config)))
    for name, value in os.environ.items():
        if name.startswith(ENV_PREFIX):
            properties[name[len(ENV_PREFIX) :].lower().replace("_", ".")] = value
    return properties


def consumer_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, **connection_properties(), **extra}


def producer_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        **connection_properties(),
        "acks": "all",
        "enable.idempotence": True,
        # The processors (faust, aiokafka) place keys like Java clients, with murmur2; the
        # default of librdkafka (CRC32) would put a product's events on another partition
        # than its check results and verdicts, and split the join of them.
        "partitioner": "murmur2_random",
        **extra,
    }
