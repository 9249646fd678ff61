"""Feeding a processor its inputs and reading what it emits, for processor tests that do
not run the whole verdict pipeline: a product is accepted by publishing its Verdict."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CATALOG, CHECK_RESULTS, DEAD_LETTERS, SLA_BREACHES, VERDICTS
from meshgov.models import ids
from meshgov.models.events import (
    CatalogEntry,
    CheckOutcome,
    CheckResult,
    CheckStatus,
    DeadLetter,
    Decision,
    Registration,
    SlaBreach,
    Verdict,
)
from meshgov.settings import Settings


def registration(text: str, product: str, version: str = "1.0.0") -> Registration:
    return Registration(
        registration_id=str(uuid.uuid4()),
        product=product,
        version=version,
        domain="orders",
        owner="orders-team@company.com",
        descriptor=text,
        submitted_by="ci@orders",
        submitted_at=datetime.now(UTC),
    )


def check_result(
    reg: Registration,
    check: str,
    status: CheckStatus = CheckStatus.PASSED,
    checked_at: datetime | None = None,
) -> CheckResult:
    """The result check processor `check` would publish for `reg`."""
    return CheckResult(
        result_id=ids.check_result_id(reg.registration_id, check),
        registration_id=reg.registration_id,
        product=reg.product,
        version=reg.version,
        check=check,
        status=status,
        checked_at=checked_at or datetime.now(UTC),
        checker="test",
    )


def accepted(
    reg: Registration, decided_at: datetime | None = None, decision: Decision = Decision.ACCEPTED
) -> Verdict:
    """The verdict the verdicts processor would publish for `reg` (accepted by default)."""
    return Verdict(
        verdict_id=ids.verdict_id(reg.registration_id),
        registration_id=reg.registration_id,
        product=reg.product,
        version=reg.version,
        domain=reg.domain,
        owner=reg.owner,
        submitted_by=reg.submitted_by,
        decision=decision,
        checks=[CheckOutcome(check="pii", status=CheckStatus.PASSED)],
        descriptor=reg.descriptor,
        submitted_at=reg.submitted_at,
        decided_at=decided_at or datetime.now(UTC),
        latency_ms=1,
    )


class Emitted:
    """Everything written to mesh.check-results, mesh.verdicts, mesh.catalog,
    mesh.sla-breaches and mesh.dead-letters, with the raw bytes and the moment each record
    was read."""

    def __init__(
        self, settings: Settings, codec: EventCodec, diagnostics: Callable[[], str]
    ) -> None:
        self.codec = codec
        self.diagnostics = diagnostics
        self.raw: list[bytes] = []
        self.results: dict[str, CheckResult] = {}
        self.all_results: list[CheckResult] = []
        self.verdicts: dict[str, list[Verdict]] = {}
        self.catalog: dict[str, CatalogEntry] = {}
        self.breaches: list[SlaBreach] = []
        self.seen_at: dict[tuple[str, str], float] = {}  # (breach id, state) -> wall time
        self.dead_letters: list[DeadLetter] = []
        self.consumer = KafkaClients(settings).consumer(None, **{"fetch.wait.max.ms": 10})
        self.consumer.subscribe(
            [
                settings.topic(t)
                for t in (CHECK_RESULTS, VERDICTS, CATALOG, SLA_BREACHES, DEAD_LETTERS)
            ]
        )

    def poll_until(self, done: Callable[[], Any], timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out; processor logs:\n{self.diagnostics()}")
            message = self.consumer.poll(0.05)
            if message is None or message.error():
                continue
            self.raw.append(message.key() or b"")
            self.raw.append(message.value())
            if message.value() is None:
                continue
            event = self.codec.decode_any(message.value())
            if isinstance(event, CheckResult):
                self.results[event.registration_id] = event
                self.all_results.append(event)
            elif isinstance(event, Verdict):
                self.verdicts.setdefault(event.registration_id, []).append(event)
            elif isinstance(event, CatalogEntry):
                self.catalog[event.product] = event
            elif isinstance(event, SlaBreach):
                self.breaches.append(event)
                self.seen_at.setdefault((event.breach_id, event.state.value), time.time())
            elif isinstance(event, DeadLetter):
                self.dead_letters.append(event)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        self.poll_until(lambda: time.monotonic() > deadline, timeout=seconds + 30)

    def result_of(self, reg: Registration) -> CheckResult:
        self.poll_until(lambda: reg.registration_id in self.results)
        return self.results[reg.registration_id]

    def close(self) -> None:
        self.consumer.close()
