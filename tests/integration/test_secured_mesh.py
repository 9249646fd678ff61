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
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import KafkaException

from meshgov.broker.local import LocalBroker, free_port
from meshgov.broker.security import OAuthValidation, upsert_scram_users
from meshgov.catalog.reader import read_catalog
from meshgov.client import register_data_product
from meshgov.kafka.acls import Acl, AclAdmin
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients, read_to_end
from meshgov.kafka.topics import REGISTRATIONS, VERDICTS, TopicSpec
from meshgov.models.events import Decision, Registration, Verdict
from meshgov.settings import Settings
from meshgov.signing import new_key
from tests.support.descriptors import example_descriptor
from tests.support.identity import TokenEndpoint
from tests.support.mesh import accepted, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

PROCESSORS = ("compatibility", "pii", "policy", "verdicts", "catalog", "quality")
ISSUER = "https://idp.company.test"
TOKEN = "dashboard-token-of-alice-0123456789"
SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


@dataclass
class SecuredMesh:
    broker: LocalBroker
    admin: Settings
    passwords: dict[str, str]
    policy: Path
    home: Path
    idp: TokenEndpoint

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
    idp = TokenEndpoint(
        home / "idp", ISSUER, "kafka", ["orders-producer", "meshgov-policy"]
    ).start()
    broker = LocalBroker(
        home / "kafka",
        Settings.load().cache,
        free_port(),
        free_port(),
        secure=True,
        tls_port=free_port(),
        oauth=OAuthValidation(f"file://{idp.jwks_file}", ISSUER, "kafka"),
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
        users = [
            *(f"meshgov-{p}" for p in PROCESSORS),
            "orders-producer",
            "analytics",
            "meshgov-dashboard",
        ]
        passwords = {user: secrets.token_urlsafe(16) for user in users}
        upsert_scram_users(KafkaClients(admin).admin(), passwords)
        pem, jwks = new_key("dashboard")
        (home / "dashboard.private.pem").write_bytes(pem)
        (home / "dashboard.jwks.json").write_text(json.dumps(jwks))
        policy = home / "policy.yaml"
        document = {
            "principals": {
                "domains": {
                    "orders": {"principal": "User:orders-producer", "topics": ["sec-orders"]}
                },
                "consumers": ["User:analytics"],
                "dashboard": "User:meshgov-dashboard",
            },
            # what the dashboard submits carries its signature, verified like any other
            "signers": [{"name": "dashboard", "jwks": "dashboard.jwks.json", "domains": ["*"]}],
        }
        policy.write_text(json.dumps(document))
        mesh = SecuredMesh(broker, admin, passwords, policy, home, idp)
        applied = mesh.meshgov("acls", "apply", "--policy", str(policy))
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield mesh
    finally:
        broker.stop()
        idp.stop()


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
                "MESHGOV_POLICY": str(secured.policy),
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
    deadline = time.monotonic() + 30
    while read_catalog(secured.as_user("analytics")).get("sec-orders") is None:
        assert time.monotonic() < deadline, "the catalog never listed sec-orders"
        time.sleep(0.5)

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


@contextmanager
def policy_processor_as(
    secured: SecuredMesh, processors: list[ProcessorProcess], settings: Settings, tag: str
) -> Iterator[None]:
    """The policy processor connecting with `settings` instead of its SCRAM user's, alone
    in its group: every verdict meanwhile needs its consumer, producer and admin."""
    config = secured.home / tag / "meshgov-policy.properties"
    config.parent.mkdir(exist_ok=True)
    config.write_text("".join(f"{k}={v}\n" for k, v in settings.kafka_properties().items()))
    [usual] = [p for p in processors if p.name == "policy"]
    replacement = ProcessorProcess(
        "policy",
        settings,
        config.parent,
        {"MESHGOV_CLIENT_CONFIG": str(config), "MESHGOV_POLICY": str(secured.policy)},
    )
    usual.stop()
    replacement.start()
    try:
        until_one_member(secured, replacement)
        yield
    finally:
        replacement.stop()
        usual.start()
        usual.wait_ready()
        until_one_member(secured, usual)


def until_one_member(secured: SecuredMesh, process: ProcessorProcess) -> None:
    admin = KafkaClients(secured.admin).admin()
    group = secured.admin.group("policy")
    deadline = time.monotonic() + 90
    while len(admin.describe_consumer_groups([group])[group].result().members) != 1:
        assert time.monotonic() < deadline, process.log_tail(40)
        time.sleep(0.5)


def registers_and_cannot_forge(producer: Settings, name: str) -> None:
    text = example_descriptor(name=name, topic=f"sec-orders-{name}", schema=SCHEMA)
    verdict = register_data_product(text, producer, "alice@company.com", timeout=90)
    assert verdict.decision is Decision.ACCEPTED
    forged = accepted(registration(example_descriptor(name=f"{name}-forged"), "x"))
    with pytest.raises((DeliveryError, KafkaException), match=r"(?i)authoriz"):
        EventPublisher(KafkaClients(producer)).publish(VERDICTS, forged)


def test_client_certificates_authenticate_every_kind_of_client(
    secured: SecuredMesh, processors: list[ProcessorProcess]
) -> None:
    """Mutual TLS, no password: the policy processor (Quix Streams) decides alone, the
    domain's producer registers and its consumer gets the verdict, the administrator's
    certificate makes a topic; each by a certificate of meshgov's CA whose CN is its
    principal, under the same ACLs as that principal's SCRAM user."""
    security, tls = secured.broker.security, secured.broker.tls_bootstrap
    assert security is not None
    assert tls is not None

    def by_certificate(user: str) -> Settings:
        return Settings(
            bootstrap=tls,
            topic_prefix=secured.admin.topic_prefix,
            kafka=security.client_certificate_properties(user),
            required_checks=secured.admin.required_checks,
        )

    with policy_processor_as(secured, processors, by_certificate("meshgov-policy"), "mtls"):
        registers_and_cannot_forge(by_certificate("orders-producer"), "sec-mtls")

    made = f"{secured.admin.topic_prefix}mtls-admin"
    TopicAdmin(KafkaClients(by_certificate("meshgov-admin"))).ensure([TopicSpec(made, None)], 1)
    assert made in KafkaClients(secured.admin).admin().list_topics(timeout=10).topics
    # Without a certificate the TLS port takes nobody.
    anonymous = Settings(
        bootstrap=tls, kafka={"security.protocol": "SSL", "ssl.ca.location": str(security.ca_file)}
    )
    with pytest.raises(KafkaException):
        KafkaClients(anonymous).admin().list_topics(timeout=5)


def test_identity_provider_tokens_authenticate_clients_over_oauthbearer(
    secured: SecuredMesh, processors: list[ProcessorProcess], tmp_path: Path
) -> None:
    """OAUTHBEARER with OIDC (the policy processor deciding alone, a domain's producer and
    its verdict consumer): each client fetches a client-credentials token from the
    identity provider's token endpoint; the broker verifies it against the provider's JWKS,
    issuer and audience, and `sub` is the principal, under that principal's ACLs."""
    assert secured.broker.security is not None
    ca = str(secured.broker.security.ca_file)

    def by_token(user: str, idp: TokenEndpoint, secret: str | None = None) -> Settings:
        return Settings(
            bootstrap=secured.admin.bootstrap,
            topic_prefix=secured.admin.topic_prefix,
            kafka={
                "security.protocol": "SASL_SSL",
                "ssl.ca.location": ca,
                "sasl.mechanism": "OAUTHBEARER",
                "sasl.oauthbearer.method": "oidc",
                "sasl.oauthbearer.client.id": user,
                "sasl.oauthbearer.client.secret": secret or idp.secrets[user],
                "sasl.oauthbearer.token.endpoint.url": idp.token_url,
            },
            required_checks=secured.admin.required_checks,
        )

    idp = secured.idp
    with policy_processor_as(secured, processors, by_token("meshgov-policy", idp), "oauth"):
        registers_and_cannot_forge(by_token("orders-producer", idp), "sec-oauth")
    assert {"meshgov-policy", "orders-producer"} <= set(idp.issued)

    # A secret the provider refuses gets no token; a provider the broker does not trust,
    # however well it signs, gets no connection.
    refused = by_token("orders-producer", idp, secret="not-the-secret")
    with pytest.raises(KafkaException):
        KafkaClients(refused).admin().list_topics(timeout=5)
    impostor = TokenEndpoint(tmp_path / "impostor", ISSUER, "kafka", ["orders-producer"]).start()
    try:
        with pytest.raises(KafkaException):
            KafkaClients(by_token("orders-producer", impostor)).admin().list_topics(timeout=5)
        assert impostor.issued == ["orders-producer"]
    finally:
        impostor.stop()


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


def test_breaches_reach_consumers_and_the_dashboard_takes_only_authenticated_writes(
    secured: SecuredMesh, processors: list[ProcessorProcess]
) -> None:
    producer = secured.as_user("orders-producer")
    topic = "sec-orders-stream"
    TopicAdmin(KafkaClients(secured.admin)).ensure([TopicSpec(topic, None)], 1)
    text = example_descriptor(name="sec-stream", topic=topic, schema=SCHEMA)
    verdict = register_data_product(text, producer, "alice@company.com", timeout=90)
    assert verdict.decision is Decision.ACCEPTED
    # The team writes a record that is not its schema: the quality processor's breach
    # reaches a consumer.
    time.sleep(3)  # the quality processor's reader takes up the accepted port
    writer = KafkaClients(producer).producer()
    writer.produce(topic, value=b"\xff not avro")
    assert writer.flush(30) == 0
    tailed = secured.meshgov(
        "tail",
        "breaches",
        "--from-beginning",
        "--json",
        "--product",
        "sec-stream",
        "--max-events",
        "1",
        "--idle-timeout",
        "60",
        user="analytics",
    )
    assert tailed.returncode == 0, tailed.stderr + processors[-1].log_tail(30)
    [breach] = [json.loads(line) for line in tailed.stdout.splitlines()]
    assert (breach["kind"], breach["state"]) == ("SCHEMA_VIOLATION", "OPEN")

    # The dashboard, as its own principal, behind bearer tokens, signing what it submits.
    tokens = secured.home / "tokens"
    tokens.write_text(f"{TOKEN} alice@company.com\n")
    port = free_port()
    dashboard = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "meshgov",
            "run",
            "dashboard",
            "--port",
            str(port),
            "--bootstrap-servers",
            secured.admin.bootstrap,
            "--topic-prefix",
            secured.admin.topic_prefix,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "MESHGOV_CLIENT_CONFIG": str(secured.client_config("meshgov-dashboard")),
            "MESHGOV_DASHBOARD_TOKENS_FILE": str(tokens),
            "MESHGOV_DASHBOARD_SIGNING_KEY": str(secured.home / "dashboard.private.pem"),
        },
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while ask(f"{base}/healthz")[0] != 200:
            assert dashboard.poll() is None, "the dashboard exited"
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert ask(f"{base}/api/state")[0] == 401
        name = "sec-dash"
        body = json.dumps(
            {"descriptor": example_descriptor(name=name, topic="sec-orders-dash", schema=SCHEMA)}
        ).encode()
        json_type = {"Content-Type": "application/json"}
        assert ask(f"{base}/api/register", body, json_type)[0] == 401
        status, answer = ask(
            f"{base}/api/register", body, {**json_type, "Authorization": f"Bearer {TOKEN}"}
        )
        assert status == 202, answer
        registration_id = json.loads(answer)["registration_id"]
        assert ask(f"{base}/api/state", None, {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    finally:
        dashboard.terminate()
        dashboard.wait(30)
    admin = KafkaClients(secured.admin)
    decided = {}
    deadline = time.monotonic() + 60
    while registration_id not in decided and time.monotonic() < deadline:
        for message in read_to_end(admin, secured.admin.topic(VERDICTS)):
            found = admin.codec().decode(message.value() or b"", Verdict)
            decided[found.registration_id] = found
        time.sleep(0.5)
    assert decided[registration_id].decision is Decision.ACCEPTED
    assert decided[registration_id].submitted_by == "alice@company.com"
    submitted = [
        admin.codec().decode(m.value() or b"", Registration)
        for m in read_to_end(admin, secured.admin.topic(REGISTRATIONS))
    ]
    [ours] = [r for r in submitted if r.registration_id == registration_id]
    assert ours.signature is not None  # vouched for by the dashboard's key
    # Nothing the unauthenticated request sent was published.
    assert [r.product for r in submitted].count(name) == 1


def ask(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method="POST" if body else "GET", headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""
