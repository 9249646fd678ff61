"""Kafka client settings every meshgov producer and consumer shares."""

from __future__ import annotations

from typing import Any


def producer_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        # The processors (faust, aiokafka) place keys like Java clients, with murmur2; the
        # default of librdkafka (CRC32) would put a product's events on another partition
        # than its check results and verdicts, and split the join of them.
        "partitioner": "murmur2_random",
        **extra,
    }
