"""How far consumer groups are behind: committed offsets against the end of each partition."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from meshgov.kafka.clients import connection_properties


def group_lags(
    bootstrap: str, groups: Iterable[str], timeout: float = 5.0
) -> dict[str, tuple[int, int]]:
    """Per group: records not yet consumed and the sum of its committed offsets, over every
    partition it has committed on (the second moves whenever the group makes progress)."""
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": bootstrap,
        **connection_properties(),
    }
    admin = AdminClient(config)
    requests = [ConsumerGroupTopicPartitions(group) for group in groups]
    if not requests:
        return {}
    committed: dict[str, list[TopicPartition]] = {}
    for request in requests:
        # One group per call: the admin API takes a single group per request.
        future = admin.list_consumer_group_offsets([request], request_timeout=timeout)
        try:
            result = future[request.group_id].result(timeout=timeout)
        except Exception:  # noqa: BLE001 - a group that has not committed yet has no lag
            continue
        committed[request.group_id] = [tp for tp in result.topic_partitions or [] if tp.offset >= 0]
    reader = Consumer({**config, "group.id": "meshgov-lag-probe", "enable.auto.commit": False})
    try:
        lags: dict[str, tuple[int, int]] = {}
        for group, partitions in committed.items():
            total = 0
            for tp in partitions:
                _, high = reader.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=timeout
                )
                total += max(0, high - tp.offset)
            lags[group] = (total, sum(tp.offset for tp in partitions))
        return lags
    finally:
        reader.close()
