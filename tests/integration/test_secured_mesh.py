"""The mesh on a secured broker: SASL_SSL with SCRAM-SHA-512, TLS from meshgov's own CA,
KRaft's StandardAuthorizer, and the least-privilege ACLs `meshgov acls apply` derives from
the policy. Every kind of client meshgov builds connects as its own principal; a domain
producer cannot forge a verdict; `acls plan` shows no diff after `apply`, and exactly the
ACL removed by hand."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import KafkaException

from meshgov.broker.local import LocalBroker, free_port
from meshgov.broker.security import upsert_scram_users
from meshgov.catalog.reader import read_catalog
from meshgov.client import register_data_product
from meshgov.kafka.acls import Acl, AclAdmin
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients, read_to_end
from meshgov.kafka.topics import VERDICTS
from meshgov.models.events import Decision, Verdict
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.mesh import accepted, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

PROCESSORS = ("compatibility", "pii", "policy", "verdicts", "catalog")
SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


@dataclass
class SecuredMesh:
    broker: LocalBroker
    admin: Settings
    passwords: dict[str, str]
    policy: Path
    home: Path

    def as_user(self, user: str) -> Settings:
        properties = {
            **self.broker.client_properties(),
            "sasl.username": user,
            "sasl.password": self.passwords[user],
        }
        return Settings(
            bootstrap=self.admin.bootstrap,
            topic_prefix=self.admin.topic_prefix,
            kafka=properties,
            required_checks=self.admin.required_checks,
        )

    def client_config(self, user: str) -> Path:
        path = self.home / f"{user}.properties"
        props = self.as_user(user).kafka_properties()
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def meshgov(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        config = (
            self.client_config(user) if user else self.broker.security.client_properties_file  # type: ignore[union-attr]
        )
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "meshgov",
                *args,
                "--bootstrap-servers",
                self.admin.bootstrap,
                "--topic-prefix",
                self.admin.topic_prefix,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "MESHGOV_CLIENT_CONFIG": str(config),
                "MESHGOV_POLICY": str(self.policy),
            },
        )


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredMesh]:
    home = tmp_path_factory.mktemp("secured")
    broker = LocalBroker(
        home / "kafka", Settings.load().cache, free_port(), free_port(), secure=True
    )
    broker.start()
    try:
        admin = Settings(
            bootstrap=broker.bootstrap,
            topic_prefix=f"s{uuid.uuid4().hex[:6]}.",
            kafka=broker.client_properties(),
            required_checks=("compatibility", "pii", "policy"),
        )
        TopicAdmin(KafkaClients(admin)).ensure(admin.topic_specs(), admin.partitions)
        users = [*(f"meshgov-{p}" for p in PROCESSORS), "orders-producer", "analytics"]
        passwords = {user: secrets.token_urlsafe(16) for user in users}
        upsert_scram_users(KafkaClients(admin).admin(), passwords)
        policy = home / "policy.yaml"
        policy.write_text(
            json.dumps(
                {
                    "principals": {
                        "domains": {
                            "orders": {
                                "principal": "User:orders-producer",
                                "topics": ["sec-orders"],
                            }
                        },
                        "consumers": ["User:analytics"],
                    }
                }
            )
        )
        mesh = SecuredMesh(broker, admin, passwords, policy, home)
        applied = mesh.meshgov("acls", "apply", "--policy", str(policy))
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield mesh
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def processors(secured: SecuredMesh) -> Iterator[list[ProcessorProcess]]:
    processes = [
        ProcessorProcess(
            name,
            secured.admin,
            secured.home,
            {
                "MESHGOV_CLIENT_CONFIG": str(secured.client_config(f"meshgov-{name}")),
                "MESHGOV_REQUIRED_CHECKS": "compatibility,pii,policy",
            },
        )
        for name in PROCESSORS
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.wait_ready()
    yield processes
    for process in processes:
        process.stop()


def test_each_client_connects_as_its_own_principal_and_the_mesh_decides(
    secured: SecuredMesh, processors: list[ProcessorProcess]
) -> None:
    """Processors (Quix Streams apps, their tickers and readers), the SDK's producer and
    verdict consumer, the topic admin and the catalog reader, each with its credentials."""
    producer = secured.as_user("orders-producer")
    text = example_descriptor(name="sec-orders", topic="sec-orders-events", schema=SCHEMA)
    verdict = register_data_product(text, producer, "alice@company.com", timeout=90)
    assert verdict.decision is Decision.ACCEPTED, [(p.name, p.log_tail(20)) for p in processors]
    catalog = read_catalog(secured.as_user("analytics"))
    assert catalog.get("sec-orders") is not None

    tailed = secured.meshgov(
        "tail",
        "verdicts",
        "--from-beginning",
        "--json",
        "--max-events",
        "1",
        "--idle-timeout",
        "30",
        user="analytics",
    )
    assert tailed.returncode == 0, tailed.stderr
    assert json.loads(tailed.stdout.splitlines()[0])["product"] == "sec-orders"


def test_a_domain_producer_cannot_forge_a_verdict(
    secured: SecuredMesh, processors: list[ProcessorProcess]
) -> None:
    forger = secured.as_user("orders-producer")
    forged = accepted(registration(example_descriptor(name="sec-forged"), "sec-forged"))
    with pytest.raises((DeliveryError, KafkaException), match=r"(?i)authoriz"):
        EventPublisher(KafkaClients(forger)).publish(VERDICTS, forged)
    codec = KafkaClients(secured.admin).codec()
    on_topic = [
        codec.decode(m.value() or b"", Verdict)
        for m in read_to_end(KafkaClients(secured.admin), secured.admin.topic(VERDICTS))
    ]
    assert all(v.product != "sec-forged" for v in on_topic)


def test_acls_plan_shows_nothing_after_apply_and_exactly_what_was_removed(
    secured: SecuredMesh,
) -> None:
    clean = secured.meshgov("acls", "plan", "--policy", str(secured.policy))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "as the policy says" in clean.stdout

    removed = Acl(
        "User:meshgov-verdicts", "TOPIC", "LITERAL", secured.admin.topic(VERDICTS), "WRITE"
    )
    AclAdmin(KafkaClients(secured.admin).admin()).apply(set(), {removed})
    drifted = secured.meshgov("acls", "plan", "--policy", str(secured.policy))
    assert drifted.returncode == 1
    assert drifted.stdout.splitlines() == [f"+ {removed.describe()}"]

    restored = secured.meshgov("acls", "apply", "--policy", str(secured.policy))
    assert restored.returncode == 0, restored.stderr
    assert "1 added, 0 removed" in restored.stdout
