"""Registrations through every running processor to their one verdict, on the real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meshgov.checks.offline import check_offline
from meshgov.client import register_data_product
from meshgov.client.registration import RegistrationTimeoutError
from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CHECK_RESULTS, VERDICTS
from meshgov.models import ids
from meshgov.models.events import CheckStatus, Decision, Registration, Verdict
from meshgov.models.policy import GlobalPolicy
from meshgov.settings import DEFAULT_CHECKS, Settings
from tests.support.descriptors import example_descriptor
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2_BREAKING = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}
WITH_EMAIL = {
    **V1,
    "fields": [*V1["fields"], {"name": "email", "type": ["null", "string"], "default": None}],
}


def descriptor(name: str, version: str, schema: dict[str, Any]) -> str:
    return example_descriptor(name=name, version=version, schema=schema)


@pytest.fixture
def mesh(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> Iterator[tuple[Settings, dict[str, ProcessorProcess]]]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"r{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    processors = {
        name: ProcessorProcess(
            name, settings, tmp_path, env={"MESHGOV_VERDICT_TIMEOUT_SECONDS": "6"}
        )
        for name in ("compatibility", "pii", "policy", "freshness", "verdicts")
    }
    for processor in processors.values():
        processor.start()
    yield settings, processors
    for processor in processors.values():
        processor.stop()


def read_all(
    settings: Settings, codec: EventCodec, until: Any, seconds: float, settle: float = 0.0
) -> list[Any]:
    """Verdicts and check results from the beginning, until `until(events)` holds (then
    `settle` seconds more, for anything that should not come) or `seconds` pass."""
    consumer = KafkaClients(settings).consumer(None)
    consumer.subscribe([settings.topic(VERDICTS), settings.topic(CHECK_RESULTS)])
    events: list[Any] = []
    deadline = time.monotonic() + seconds
    settled_at: float | None = None
    while time.monotonic() < deadline:
        if settled_at is None and until(events):
            settled_at = time.monotonic() + settle
        if settled_at is not None and time.monotonic() >= settled_at:
            break
        message = consumer.poll(0.5)
        if message is not None and not message.error():
            events.append(codec.decode_any(message.value()))
    consumer.close()
    return events


def rejected_verdict(settings: Settings, codec: EventCodec, product: str, version: str) -> Verdict:
    events = read_all(
        settings,
        codec,
        lambda es: any(isinstance(e, Verdict) and e.version == version for e in es),
        seconds=30,
    )
    return next(
        e
        for e in events
        if isinstance(e, Verdict) and e.product == product and e.version == version
    )


def test_registrations_get_exactly_one_verdict_each_and_silence_is_never_a_rejection(
    mesh: tuple[Settings, dict[str, ProcessorProcess]], codec: EventCodec, tmp_path: Path
) -> None:
    settings, processors = mesh
    name = "orders-daily-aggregated"

    # The example, through the command a domain team runs.
    path = tmp_path / "product.yaml"
    path.write_text(descriptor(name, "1.0.0", V1))
    command = [
        sys.executable,
        "-m",
        "meshgov",
        "register",
        str(path),
        "--bootstrap-servers",
        settings.bootstrap,
        "--topic-prefix",
        settings.topic_prefix,
        "--timeout",
        "90",
    ]
    accepted = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert accepted.returncode == 0, (
        accepted.stdout + accepted.stderr + processors["verdicts"].log_tail()
    )
    assert f"{name} 1.0.0: ACCEPTED" in accepted.stdout

    # A breaking change in a minor version: rejected with the compatibility finding.
    path.write_text(descriptor(name, "1.1.0", V2_BREAKING))
    rejected = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    assert "READER_FIELD_MISSING_DEFAULT_VALUE [/fields/segment]" in rejected.stdout

    # An undeclared email field, through the SDK.
    verdict = register_data_product(
        descriptor("users-contacts", "1.0.0", WITH_EMAIL), settings, timeout=90
    )
    assert verdict.decision is Decision.REJECTED
    pii = next(c for c in verdict.checks if c.check == "pii")
    assert [(f.code, f.details["field"]) for f in pii.findings] == [("PII_UNDECLARED", "email")]

    # Another team registers a product it does not own.
    foreign = descriptor(name, "1.0.1", V1).replace("orders-team@company.com", "growth@company.com")
    hijack = register_data_product(foreign, settings, timeout=90)
    assert hijack.decision is Decision.REJECTED
    owner_check = next(c for c in hijack.checks if c.check == "policy")
    assert [f.code for f in owner_check.findings] == ["OWNERSHIP_CONFLICT"]

    # `meshgov check` runs the same code offline: the same findings as the stream gave.
    def findings(verdict: Verdict) -> list[tuple[str, str, list[dict[str, Any]]]]:
        return [
            (c.check, c.status.value, [f.model_dump() for f in c.findings]) for c in verdict.checks
        ]

    accepted_v1 = descriptor(name, "1.0.0", V1)
    for verdict, previous in (
        (rejected_verdict(settings, codec, name, "1.1.0"), [accepted_v1]),
        (hijack, [accepted_v1]),
    ):
        registration = Registration(
            registration_id=verdict.registration_id,
            product=verdict.product,
            version=verdict.version,
            domain=verdict.domain,
            owner=verdict.owner,
            descriptor=verdict.descriptor,
            submitted_by=verdict.submitted_by,
            submitted_at=verdict.submitted_at,
        )
        offline = check_offline(registration, previous, GlobalPolicy(), DEFAULT_CHECKS)
        assert findings(offline) == findings(verdict)
        assert offline.decision is verdict.decision

    # The PII processor is down: past the timeout the registration is UNDECIDED, naming the
    # silent check (a platform fault is never the submitter's rejection)...
    processors["pii"].stop()
    with pytest.raises(RegistrationTimeoutError) as waited:
        register_data_product(descriptor("payments-daily", "1.0.0", V1), settings, timeout=12)
    silent = waited.value.undecided
    assert silent is not None
    assert (silent.decision, silent.verdict_id) == (
        Decision.UNDECIDED,
        ids.undecided_verdict_id(silent.registration_id),
    )
    by_check = {c.check: c for c in silent.checks}
    assert by_check["compatibility"].status is CheckStatus.PASSED
    assert (by_check["pii"].status, by_check["pii"].findings[0].code) == (
        CheckStatus.PENDING,
        "CHECK_SILENT",
    )
    assert silent.latency_ms >= 6000

    # ...and once the PII processor is back, its answer decides it for good: ACCEPTED.
    processors["pii"].start()

    def final_of_silent(events: list[Any]) -> bool:
        return any(
            isinstance(e, Verdict)
            and e.registration_id == silent.registration_id
            and e.decision is not Decision.UNDECIDED
            for e in events
        )

    def five_registrations_decided(events: list[Any]) -> bool:
        finals = {e.registration_id for e in events if isinstance(e, Verdict)}
        return final_of_silent(events) and len(finals) >= 5

    # Then a few seconds more: time for the verdicts processor to (wrongly) decide again.
    events = read_all(settings, codec, five_registrations_decided, seconds=90, settle=5)
    assert final_of_silent(events), processors["pii"].log_tail()
    verdicts = [e for e in events if isinstance(e, Verdict)]
    final = [v for v in verdicts if v.decision is not Decision.UNDECIDED]
    (late,) = [v for v in final if v.registration_id == silent.registration_id]
    assert (late.decision, late.verdict_id) == (
        Decision.ACCEPTED,
        ids.verdict_id(silent.registration_id),
    )
    per_registration: dict[str, int] = {}
    for v in final:
        per_registration[v.registration_id] = per_registration.get(v.registration_id, 0) + 1
    assert len(per_registration) == 5
    assert set(per_registration.values()) == {1}, per_registration
    assert [v.registration_id for v in verdicts if v.decision is Decision.UNDECIDED] == [
        silent.registration_id
    ]

    # People follow the same stream with `meshgov tail`; scripts read its JSON Lines.
    base = [
        sys.executable,
        "-m",
        "meshgov",
        "tail",
        "verdicts",
        "--from-beginning",
        "--bootstrap-servers",
        settings.bootstrap,
        "--topic-prefix",
        settings.topic_prefix,
        "--max-events",
        "5",
        "--idle-timeout",
        "20",
    ]
    readable = subprocess.run(base, capture_output=True, text=True, timeout=60, check=False)
    assert readable.returncode == 0, readable.stderr
    lines = readable.stdout.splitlines()
    assert len(lines) == 5
    assert any("ACCEPTED" in line and "orders-daily-aggregated 1.0.0" in line for line in lines)
    assert any("REJECTED" in line and "OWNERSHIP_CONFLICT" in line for line in lines)
    as_json = subprocess.run(
        [*base, "--json", "--product", "users-contacts"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    (only,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert (only["product"], only["decision"]) == ("users-contacts", "REJECTED")
