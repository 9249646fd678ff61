"""Signed registrations through the mesh, on the real broker: with
require_signed_registrations, an unsigned registration is REJECTED saying so, one signed
with the domain's key (`meshgov register --sign`) is ACCEPTED, one signed with another
domain's key is REJECTED, and the signed one sent again is refused as a replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from meshgov.client import register_data_product
from meshgov.client.registration import build_registration, publish, register_all
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.models.events import CheckResult, CheckStatus, Decision, Verdict
from meshgov.settings import Settings
from meshgov.signing import SigningKey, sign
from tests.support.descriptors import example_descriptor
from tests.support.mesh import Emitted
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    for kid in ("orders-key", "payments-key"):
        subprocess.run(
            [sys.executable, "-m", "meshgov", "keys", "new", kid, "--out", str(tmp_path)],
            check=True,
            capture_output=True,
        )
    (tmp_path / "policy.yaml").write_text(
        json.dumps(
            {
                "require_signed_registrations": True,
                "signers": [
                    {"name": "orders", "jwks": "orders-key.jwks.json", "domains": ["orders"]},
                    {"name": "payments", "jwks": "payments-key.jwks.json", "domains": ["payments"]},
                ],
            }
        )
    )
    return tmp_path


@pytest.fixture
def settings(kafka_bootstrap: str, unique: str, keys: Path) -> Settings:
    settings = Settings(
        bootstrap=kafka_bootstrap,
        topic_prefix=f"sg{unique}.",
        required_checks=("compatibility", "pii", "policy"),
    )
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    return settings


@pytest.fixture
def mesh(settings: Settings, keys: Path, tmp_path: Path) -> Iterator[list[ProcessorProcess]]:
    env = {
        "MESHGOV_POLICY": str(keys / "policy.yaml"),
        "MESHGOV_REQUIRED_CHECKS": "compatibility,pii,policy",
    }
    processes = [
        ProcessorProcess(name, settings, tmp_path, env)
        for name in ("compatibility", "pii", "policy", "verdicts")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.wait_ready()
    yield processes
    for process in processes:
        process.stop()


def codes(verdict: Verdict) -> set[str]:
    return {f.code for c in verdict.checks for f in c.findings}


def test_only_a_registration_signed_for_its_domain_is_accepted_and_only_once(
    settings: Settings, mesh: list[ProcessorProcess], keys: Path
) -> None:
    text = example_descriptor(name="signed-orders", topic="signed-orders-events", schema=SCHEMA)
    unsigned = register_data_product(text, settings, "alice@company.com", timeout=60)
    assert unsigned.decision is Decision.REJECTED
    assert "SIGNATURE_REQUIRED" in codes(unsigned)

    descriptor = keys / "product.yaml"
    descriptor.write_text(text)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "meshgov",
            "register",
            str(descriptor),
            "--sign",
            str(keys / "orders-key.private.pem"),
            "--as",
            "alice@company.com",
            "--bootstrap-servers",
            settings.bootstrap,
            "--topic-prefix",
            settings.topic_prefix,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "signed-orders 1.0.0: ACCEPTED" in run.stdout

    foreign = register_data_product(
        example_descriptor(
            name="signed-orders", topic="signed-orders-events", schema=SCHEMA, version="1.0.1"
        ),
        settings,
        "alice@company.com",
        timeout=60,
        signing_key=SigningKey.load(keys / "payments-key.private.pem"),
    )
    assert foreign.decision is Decision.REJECTED
    assert "SIGNER_NOT_FOR_DOMAIN" in codes(foreign)

    stale = sign(
        build_registration(
            example_descriptor(
                name="signed-orders", topic="signed-orders-events", schema=SCHEMA, version="1.0.2"
            ),
            "alice@company.com",
        ),
        SigningKey.load(keys / "orders-key.private.pem"),
        now=datetime.now(UTC) - timedelta(hours=1),  # its 10 minutes are long over
    )
    expired = register_all([stale], settings, timeout=60)[stale.registration_id]
    assert expired.decision is Decision.REJECTED
    assert "SIGNATURE_EXPIRED" in codes(expired)

    # The same signed registration sent twice: the copy is refused by the policy check.
    signed = sign(
        build_registration(text, "alice@company.com"),
        SigningKey.load(keys / "orders-key.private.pem"),
    )
    emitted = Emitted(
        settings, KafkaClients(settings).codec(), lambda: "\n".join(p.log_tail(30) for p in mesh)
    )
    publish(settings, signed)
    publish(settings, signed)

    def policy_results() -> list[CheckResult]:
        return [
            r
            for r in emitted.all_results
            if r.registration_id == signed.registration_id and r.check == "policy"
        ]

    emitted.poll_until(lambda: len(policy_results()) >= 2, timeout=60)
    first, second = policy_results()
    assert first.status is CheckStatus.PASSED
    assert [f.code for f in second.findings] == ["REGISTRATION_REPLAYED"]
