"""Three KRaft nodes on loopback, topics with replication factor 3 and min.insync.replicas 2:
one node SIGKILLed while registrations flow loses nothing acknowledged and wrongs no
verdict, and it rejoins the cluster when started again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshgov.broker.cluster import LocalCluster
from meshgov.broker.local import free_port
from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients
from meshgov.kafka.topics import REGISTRATIONS
from meshgov.models.events import Decision
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.mesh import Emitted, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

PROCESSORS = ("compatibility", "pii", "policy", "freshness", "verdicts")
COUNT = 60


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    nodes = LocalCluster(
        tmp_path / "cluster",
        Settings.load().cache,
        [(free_port(), free_port()) for _ in range(3)],
        heap="320m",
    )
    nodes.start()
    yield nodes
    nodes.stop()


def test_one_broker_of_three_killed_under_load_loses_nothing(
    cluster: LocalCluster, codec: EventCodec, unique: str, tmp_path: Path
) -> None:
    settings = Settings(bootstrap=cluster.bootstrap, topic_prefix=f"q{unique}.")
    settings = settings.model_copy(update={"replication_factor": 3})
    admin = TopicAdmin(KafkaClients(settings))
    admin.ensure(settings.topic_specs(), settings.partitions, 3)
    assert admin.topic_configs(settings.topic(REGISTRATIONS))["min.insync.replicas"] == "2"
    processors = [
        ProcessorProcess(name, settings, tmp_path, env={"MESHGOV_REPLICATION_FACTOR": "3"})
        for name in PROCESSORS
    ]
    for processor in processors:
        processor.start()
    emitted = Emitted(settings, codec, lambda: "\n".join(p.log_tail(20) for p in processors))
    try:
        for processor in processors:
            processor.wait_ready()
        sent = [
            registration(example_descriptor(name=f"orders-{i % 10}"), f"orders-{i % 10}")
            for i in range(COUNT)
        ]
        failures: list[BaseException] = []

        def send() -> None:
            try:
                publisher = EventPublisher(KafkaClients(settings))
                for reg in sent:
                    publisher.send(REGISTRATIONS, reg)
                    publisher.producer.poll(0)
                    time.sleep(0.2)
                publisher.flush(60)  # acks=all: acknowledged by two replicas at least
            except BaseException as error:  # noqa: BLE001 - the assertion below reports it
                failures.append(error)

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(4)
        cluster.nodes[1].kill()
        sender.join(90)
        assert not failures, failures

        expected = {r.registration_id for r in sent}

        def decided() -> set[str]:
            return {
                key
                for key, verdicts in emitted.verdicts.items()
                if any(v.decision is not Decision.UNDECIDED for v in verdicts)
            }

        emitted.poll_until(lambda: expected <= decided(), timeout=180)
        for reg in sent:
            final = [
                v
                for v in emitted.verdicts[reg.registration_id]
                if v.decision is not Decision.UNDECIDED
            ]
            assert {v.verdict_id for v in final} == {final[0].verdict_id}
            assert final[0].decision is Decision.ACCEPTED, final[0].checks
        for processor in processors:
            assert processor.process is not None
            assert processor.process.poll() is None, processor.log_tail()

        # The killed node comes back and catches up.
        began = time.monotonic()
        cluster.nodes[1].start()
        assert time.monotonic() - began < 30
    finally:
        emitted.close()
        for processor in processors:
            processor.stop()
