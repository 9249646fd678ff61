"""How far consumer groups are behind: committed offsets against the end of each partition."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

from meshgov.kafka.clients import KafkaClients


class LagProbe:
    """Asks the cluster again and again with the same two clients: creating and destroying
    an admin client on every probe is what brought librdkafka down across broker restarts."""

    def __init__(self, clients: KafkaClients) -> None:
        self._admin = clients.admin()
        self._reader = clients.consumer("meshgov-lag-probe")

    def group_lags(self, groups: Iterable[str], timeout: float = 5.0) -> dict[str, tuple[int, int]]:
        """Per group: records not yet consumed and the sum of its committed offsets, over
        every partition it has committed on (the second moves whenever the group makes
        progress)."""
        committed: dict[str, list[TopicPartition]] = {}
        for group in groups:
            request = ConsumerGroupTopicPartitions(group)
            # One group per call: the admin API takes a single group per request.
            future = self._admin.list_consumer_group_offsets([request], request_timeout=timeout)
            try:
                result = future[group].result(timeout=timeout)
            except Exception:  # noqa: BLE001 - a group that has not committed yet has no lag
                continue
            committed[group] = [tp for tp in result.topic_partitions or [] if tp.offset >= 0]
        lags: dict[str, tuple[int, int]] = {}
        for group, partitions in committed.items():
            total = 0
            for tp in partitions:
                _, high = self._reader.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=timeout
                )
                total += max(0, high - tp.offset)
            lags[group] = (total, sum(tp.offset for tp in partitions))
        return lags

    def close(self) -> None:
        """Both clients gone, before the cluster may go: a client left behind logs every
        failed reconnection."""
        self._reader.close()
        del self._admin
