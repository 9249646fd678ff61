"""The compatibility processor on a real broker: checks, history learnt from verdicts,
state surviving graceful restarts and a crash, unreadable records dead-lettered."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CHECK_RESULTS, DEAD_LETTERS, REGISTRATIONS, VERDICTS
from meshgov.models import ids
from meshgov.models.events import (
    CheckResult,
    CheckStatus,
    DeadLetter,
    Decision,
    Registration,
    Verdict,
)
from meshgov.settings import Settings
from tests.support.descriptors import SEED, example_descriptor
from tests.support.kafka import await_consumed, produce
from tests.support.mesh import accepted
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

PRODUCT = "orders-daily-aggregated"
V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2 = {
    **V1,
    "fields": [*V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
}
BREAKING = {**V2, "fields": [*V2["fields"], {"name": "segment", "type": "string"}]}


def descriptor(version: str, schema: dict[str, Any], effective: str | None = None) -> str:
    return example_descriptor(version=version, schema=schema, effective=effective)


def registration(
    version: str, schema: dict[str, Any], effective: str | None = None
) -> Registration:
    return Registration(
        registration_id=str(uuid.uuid4()),
        product=PRODUCT,
        version=version,
        domain="orders",
        owner="orders-team@company.com",
        descriptor=descriptor(version, schema, effective),
        submitted_by="ci@orders",
        submitted_at=datetime.now(UTC),
    )


def verdict(reg: Registration, decision: Decision) -> Verdict:
    return accepted(reg, decision=decision)


class Outputs:
    """Reads what the processor writes: results by registration id, the history changelog."""

    def __init__(self, settings: Settings, codec: EventCodec, diagnostics: Any) -> None:
        self.codec = codec
        self.diagnostics = diagnostics
        self.results: dict[str, list[CheckResult]] = {}
        self.dead_letters: list[DeadLetter] = []
        self.settings = settings
        self.topics = {
            settings.topic(CHECK_RESULTS): self._result,
            settings.topic(DEAD_LETTERS): self._dead_letter,
        }
        self.consumer = KafkaClients(settings).consumer(
            None, **{"topic.metadata.refresh.interval.ms": 1000}
        )
        self.consumer.subscribe(list(self.topics))

    def close(self) -> None:
        self.consumer.close()

    def _result(self, value: bytes) -> None:
        result = self.codec.decode(value, CheckResult)
        self.results.setdefault(result.registration_id, []).append(result)

    def _dead_letter(self, value: bytes) -> None:
        self.dead_letters.append(self.codec.decode(value, DeadLetter))

    def poll_until(self, done: Any, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for the processor; its log:\n{self.diagnostics()}")
            message = self.consumer.poll(0.5)
            if message is None or message.error():
                continue
            self.topics[message.topic()](message.value())

    def result_of(self, reg: Registration) -> CheckResult:
        self.poll_until(lambda: reg.registration_id in self.results)
        results = self.results[reg.registration_id]
        # At-least-once: a replay re-emits the very same result, never a different one.
        assert all(
            r.model_dump(exclude={"checked_at"}) == results[0].model_dump(exclude={"checked_at"})
            for r in results
        )
        assert results[0].result_id == ids.check_result_id(reg.registration_id, "compatibility")
        return results[0]

    def await_history(self) -> None:
        """Until the processor has consumed (and so learnt from) every verdict sent."""
        await_consumed(self.settings, "compatibility", VERDICTS)


@pytest.fixture
def outputs(mesh: tuple[Settings, ProcessorProcess], codec: EventCodec) -> Iterator[Outputs]:
    reader = Outputs(mesh[0], codec, mesh[1].log_tail)
    yield reader
    reader.close()


@pytest.fixture
def mesh(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> Iterator[tuple[Settings, ProcessorProcess]]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"t{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    processor = ProcessorProcess("compatibility", settings, tmp_path)
    processor.start()
    yield settings, processor
    processor.stop()


def test_history_of_accepted_versions_survives_restarts_and_a_crash(
    mesh: tuple[Settings, ProcessorProcess], codec: EventCodec, outputs: Outputs
) -> None:
    settings, processor = mesh

    def send(*events: Registration | Verdict, garbage: bytes | None = None) -> None:
        records = []
        if garbage is not None:
            records.append((settings.topic(REGISTRATIONS), PRODUCT.encode(), garbage))
        for event in events:
            topic = REGISTRATIONS if isinstance(event, Registration) else VERDICTS
            records.append((settings.topic(topic), PRODUCT.encode(), codec.encode(event)))
        produce(settings.bootstrap, records)

    # v1: the first registration passes, still validated; its acceptance becomes history.
    v1 = registration("1.0.0", V1)
    send(v1, garbage=b"\x00not a frame")
    assert outputs.result_of(v1).status is CheckStatus.PASSED
    outputs.poll_until(lambda: outputs.dead_letters)  # another topic: no order with results
    (letter,) = outputs.dead_letters
    assert letter.source_value == b"\x00not a frame"
    assert letter.source_topic == settings.topic(REGISTRATIONS)
    assert "expected marker C3 01" in letter.error_message
    send(verdict(v1, Decision.ACCEPTED))
    outputs.await_history()

    processor.stop()
    processor.start()

    # v2 adds an optional field: compatible.
    v2 = registration("1.1.0", V2)
    send(v2)
    assert outputs.result_of(v2).status is CheckStatus.PASSED
    send(verdict(v2, Decision.ACCEPTED))
    outputs.await_history()

    processor.kill()
    processor.start()

    # v3 adds a required field in a minor version: rejected, naming the field. Only a state
    # recovered from the changelog after the crash knows v2 to compare with.
    v3 = registration("1.2.0", BREAKING)
    send(v3)
    failed = outputs.result_of(v3)
    assert failed.status is CheckStatus.FAILED
    assert [(f.code, f.path, f.against_version) for f in failed.findings] == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/segment", "1.1.0"),
        ("BREAKING_CHANGE_NEEDS_MAJOR_VERSION", "data_product.version", None),
    ]
    assert "Field 'segment'" in failed.findings[0].message
    send(verdict(v3, Decision.REJECTED))

    processor.stop()
    processor.start()

    # The same change as 2.0.0 with 31 days' notice: scheduled. The rejected 1.2.0 did not
    # become the baseline (were it, this identical schema would be an unchanged no-op).
    effective = (datetime.now(UTC) + timedelta(days=31)).date()
    v3_major = registration("2.0.0", BREAKING, effective.isoformat())
    send(v3_major)
    scheduled = outputs.result_of(v3_major)
    assert scheduled.status is CheckStatus.SCHEDULED
    assert scheduled.effective_at == datetime.combine(effective, datetime.min.time(), UTC)
    assert [f.code for f in scheduled.findings] == [
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "BREAKING_CHANGE_SCHEDULED",
    ]


def test_an_invalid_descriptor_fails_the_check_naming_field_and_line(
    mesh: tuple[Settings, ProcessorProcess], codec: EventCodec, outputs: Outputs
) -> None:
    settings, _ = mesh
    broken = registration("1.0.0", V1).model_copy(
        update={"descriptor": SEED.replace("Data available by 4am UTC", "Data whenever")}
    )
    produce(
        settings.bootstrap,
        [(settings.topic(REGISTRATIONS), PRODUCT.encode(), codec.encode(broken))],
    )
    result = outputs.result_of(broken)
    assert result.status is CheckStatus.FAILED
    (finding,) = result.findings
    assert (finding.code, finding.path, finding.details) == (
        "INVALID_DESCRIPTOR",
        "data_product.sla.freshness",
        {"line": "15"},
    )
    assert "unrecognised freshness 'Data whenever'" in finding.message
