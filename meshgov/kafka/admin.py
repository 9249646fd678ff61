"""Creating and reconciling the mesh.* topics, idempotently."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
)

from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import MESH_TOPICS, TopicSpec


class TopicAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TopicReport:
    name: str
    action: TopicAction
    partitions: int
    changed_configs: tuple[str, ...] = ()
    warning: str | None = None


class TopicAdmin:
    def __init__(self, clients: KafkaClients, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._admin = clients.admin()

    def ensure(
        self,
        specs: Iterable[TopicSpec] = MESH_TOPICS,
        partitions: int = 3,
        replication_factor: int = 1,
        reconcile: bool = True,
    ) -> list[TopicReport]:
        """Create missing topics; bring the configs of existing ones to the spec (unless
        not `reconcile`: an administrator's work, which needs their rights).

        A partition count that differs is reported, never changed: repartitioning a keyed
        topic moves products between partitions and breaks per-product ordering."""
        specs = list(specs)
        existing = self._admin.list_topics(timeout=self.timeout).topics
        reports: dict[str, TopicReport] = {}
        to_create = [s for s in specs if s.name not in existing]
        if to_create:
            reports.update(self._create(to_create, partitions, replication_factor))
            self._await_leaders([s.name for s in to_create])
        for spec in specs:
            if spec.name in existing:
                count = len(existing[spec.name].partitions)
                reports[spec.name] = (
                    self._reconcile(spec, count, partitions)
                    if reconcile
                    else TopicReport(spec.name, TopicAction.UNCHANGED, count)
                )
        return [reports[s.name] for s in specs]

    def _configs(self, spec: TopicSpec, replication_factor: int) -> dict[str, str]:
        configs = dict(spec.configs)
        if replication_factor >= 3:
            configs.setdefault("min.insync.replicas", "2")
        return configs

    def _create(
        self, specs: list[TopicSpec], partitions: int, replication_factor: int
    ) -> dict[str, TopicReport]:
        futures = self._admin.create_topics(
            [
                NewTopic(
                    s.name,
                    partitions,
                    replication_factor,
                    config=self._configs(s, replication_factor),
                )
                for s in specs
            ],
            operation_timeout=self.timeout,
            request_timeout=self.timeout,
        )
        reports = {}
        for spec in specs:
            try:
                futures[spec.name].result()
                reports[spec.name] = TopicReport(spec.name, TopicAction.CREATED, partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
                # created concurrently by another `ensure`: reconcile it like any other
                reports[spec.name] = self._reconcile(spec, partitions, partitions)
        return reports

    def _await_leaders(self, names: list[str]) -> None:
        """Wait until new topics appear in metadata with a leader for every partition, so
        that a producer started right after `ensure` finds them."""
        deadline = time.monotonic() + self.timeout
        while True:
            topics = self._admin.list_topics(timeout=self.timeout).topics
            ready = all(
                name in topics
                and topics[name].partitions
                and all(p.leader >= 0 for p in topics[name].partitions.values())
                for name in names
            )
            if ready:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics {', '.join(names)} have no leaders yet")
            time.sleep(0.1)

    def _reconcile(self, spec: TopicSpec, actual: int, wanted: int) -> TopicReport:
        current = self.topic_configs(spec.name)
        drift = {
            key: value
            for key, value in spec.configs.items()
            if key not in current or current[key] != value
        }
        warning = None
        if actual != wanted:
            warning = f"has {actual} partitions, not {wanted}; left as is"
        if not drift:
            return TopicReport(spec.name, TopicAction.UNCHANGED, actual, warning=warning)
        entries = [
            ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
            for key, value in drift.items()
        ]
        resource = ConfigResource(ResourceType.TOPIC, spec.name, incremental_configs=entries)
        self._admin.incremental_alter_configs([resource])[resource].result(timeout=self.timeout)
        return TopicReport(
            spec.name, TopicAction.UPDATED, actual, tuple(sorted(drift)), warning=warning
        )

    def topic_configs(self, name: str) -> dict[str, str]:
        """The topic's effective configs. A topic created a moment ago may be unknown to the
        broker that answers for a little while; that is retried."""
        deadline = time.monotonic() + self.timeout
        resource = ConfigResource(ResourceType.TOPIC, name)
        while True:
            try:
                described = self._admin.describe_configs([resource])[resource].result(
                    timeout=self.timeout
                )
                return {key: entry.value for key, entry in described.items()}
            except KafkaException as exc:
                unknown = exc.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
                if not unknown or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def partition_counts(self) -> dict[str, int]:
        topics = self._admin.list_topics(timeout=self.timeout).topics
        return {name: len(meta.partitions) for name, meta in topics.items()}
