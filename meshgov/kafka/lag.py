"""How far consumer groups are behind: committed offsets against the end of each partition.

Asked again and again by `meshgov up`, also while the broker is down or restarting, so it
uses long-lived consumers only, one per group, each asking for its group's committed offsets
without joining it: admin requests in flight when the broker went away brought librdkafka
down (`rd_kafka_enq_once_del_source_return: Assertion 'eonce->refcnt > 0' failed`), and the
whole supervisor with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from meshgov.kafka.clients import Consumer, KafkaClients, TopicPartition


class LagProbe:
    def __init__(self, clients: KafkaClients, topics: Mapping[str, Iterable[str]]) -> None:
        """`topics`: the topics each group reads."""
        self._topics = {group: sorted(names) for group, names in topics.items()}
        self._readers: dict[str, Consumer] = {
            group: clients.consumer(group, **{"log_level": 0}) for group in self._topics
        }
        self._partitions: dict[str, list[TopicPartition]] = {}

    def _assigned(self, group: str, timeout: float) -> list[TopicPartition]:
        if group not in self._partitions:
            reader = self._readers[group]
            found = []
            for topic in self._topics[group]:
                metadata = reader.list_topics(topic, timeout=timeout).topics.get(topic)
                if metadata is None or metadata.error is not None:
                    return []  # not created yet: asked again next time
                found += [TopicPartition(topic, p) for p in sorted(metadata.partitions)]
            self._partitions[group] = found
        return self._partitions[group]

    def group_lags(self, timeout: float = 5.0) -> dict[str, tuple[int, int]]:
        """Per group: records not yet consumed and the sum of its committed offsets, over
        every partition it has committed on (the second moves whenever the group makes
        progress). A group that has not committed yet is left out."""
        lags: dict[str, tuple[int, int]] = {}
        for group, reader in self._readers.items():
            partitions = self._assigned(group, timeout)
            if not partitions:
                continue
            committed = [
                tp for tp in reader.committed(partitions, timeout=timeout) if tp.offset >= 0
            ]
            if not committed:
                continue
            total = 0
            for tp in committed:
                _, high = reader.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=timeout
                )
                total += max(0, high - tp.offset)
            lags[group] = (total, sum(tp.offset for tp in committed))
        return lags

    def close(self) -> None:
        """Every client gone, before the cluster may go: a client left behind logs every
        failed reconnection."""
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
