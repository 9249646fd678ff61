"""Reading the governed subjects back from the Schema Registry, beside the subjects
processor's stream. The governed subjects are those of its compacted effects topic (key: the
subject, value: the SubjectAction naming the product), read from the beginning by a group of
its own that spreads the partitions over the processor's workers. Every
`registry_watch_seconds` each subject's versions are listed and what changed is sent to the
product as a SubjectVersions signal; the handler judges it (meshgov.registry.drift). A
registry away or refusing is logged and looked at again next round: drift waits, nothing
else does."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from confluent_kafka import OFFSET_BEGINNING
from pydantic import ValidationError

from meshgov.kafka.clients import Consumer, EventPublisher, KafkaClients, TopicPartition
from meshgov.processors.sidecar import SidecarThread
from meshgov.processors.signals import RegisteredVersion, SubjectVersions, encode_signal
from meshgov.registry.governance import SubjectAction, schema_fingerprint
from meshgov.settings import Settings

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

log = logging.getLogger("meshgov.processors.subject_watcher")

MAX_VERSIONS = 1000  # the newest reported per subject: a signal stays far below a record's limit
REFRESH_EVERY = 10  # every tenth look reports every subject, changed or not


class SubjectWatcher(SidecarThread):
    def __init__(
        self,
        settings: Settings,
        clients: KafkaClients,
        group: str,
        effects_topic: str,
        signals_topic: str,
    ) -> None:
        super().__init__(f"subject watcher of {group}")
        self.settings = settings
        self.clients = clients
        self.group = group
        self.effects_topic = effects_topic
        self.signals_topic = signals_topic
        self._product_of: dict[str, tuple[str, int]] = {}  # subject -> (product, partition)
        self._reported: dict[str, list[RegisteredVersion]] = {}
        self._known: dict[tuple[str, int], RegisteredVersion] = {}

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for partition in partitions:
            partition.offset = OFFSET_BEGINNING
        consumer.assign(partitions)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {p.partition for p in partitions}
        for subject, (_, partition) in list(self._product_of.items()):
            if partition in revoked:
                del self._product_of[subject]
                self._reported.pop(subject, None)
        consumer.unassign()

    def run(self) -> None:
        consumer = self.clients.consumer(self.group, **{"fetch.wait.max.ms": 100})
        publisher = EventPublisher(self.clients, **{"linger.ms": 5})
        registry = self.clients.schema_registry()
        interval = self.settings.registry_watch_seconds
        next_look = time.monotonic() + interval
        looks = 0
        try:
            consumer.subscribe(
                [self.effects_topic], on_assign=self._on_assign, on_revoke=self._on_revoke
            )
            while not self.stopping.is_set():
                for record in consumer.consume(500, 0.2):
                    if record.error() is None and record.value() is not None:
                        self._governed(record.value() or b"", record.partition() or 0)
                if time.monotonic() < next_look:
                    continue
                looks += 1
                if looks % REFRESH_EVERY == 0:
                    # A look handled before the product's first accepted verdict is ignored:
                    # the subject is judged on a later one.
                    self._reported.clear()
                for subject, (product, _) in list(self._product_of.items()):
                    if self.stopping.is_set():
                        return
                    signal = self._look(registry, subject)
                    if signal is not None:
                        publisher.send_raw(
                            self.signals_topic, product.encode(), encode_signal(signal)
                        )
                publisher.flush()
                next_look = time.monotonic() + interval
        finally:
            consumer.close()

    def _governed(self, value: bytes, partition: int) -> None:
        try:
            action = SubjectAction.model_validate_json(value)
        except ValidationError:
            return  # the applier logs it
        self._product_of[action.subject] = (action.product, partition)

    def _look(self, registry: SchemaRegistryClient, subject: str) -> SubjectVersions | None:
        """The subject's versions if they changed since last reported, else None."""
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            try:
                numbers = sorted(int(v) for v in registry.get_versions(subject))[-MAX_VERSIONS:]
            except SchemaRegistryError as error:
                if error.http_status_code != 404:
                    raise
                numbers = []  # not registered yet, or deleted
            versions = [self._version(registry, subject, number) for number in numbers]
        except Exception as error:  # noqa: BLE001 - the registry away: looked at next round
            log.warning("subject watcher: %s not read from the registry: %s", subject, error)
            return None
        listed = set(numbers)
        deleted = [k for k in self._known if k[0] == subject and k[1] not in listed]
        for key in deleted:
            del self._known[key]  # a number used again is read again
        if deleted:
            registry.clear_caches()  # the client's cache by subject and version too
        if self._reported.get(subject) == versions:
            return None
        self._reported[subject] = versions
        return SubjectVersions(subject=subject, at=datetime.now(UTC), versions=versions)

    def _version(
        self, registry: SchemaRegistryClient, subject: str, number: int
    ) -> RegisteredVersion:
        known = self._known.get((subject, number))
        if known is None:
            found = registry.get_version(subject, number)
            known = RegisteredVersion(
                version=number,
                schema_id=int(found.schema_id),
                fingerprint=schema_fingerprint(found.schema.schema_str),
            )
            self._known[(subject, number)] = known
        return known
