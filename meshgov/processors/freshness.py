"""The freshness processor: deadlines of batch ports, silence of streaming ports,
availability against its target, and the registration-time sla check.

A product's state (checks.freshness.tracker) is changed by its verdicts, its outputs, the
newest record times of its streaming ports (Seen signals from the reader beside the stream)
and Ticks: the product is woken at its next deadline, silence limit or availability
crossing. Ticks carry their time, so a replay decides exactly as the first pass did; after a
restart the ticker fires at once what fell due meanwhile (catch-up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from meshgov.checks.breaches import instant, millis
from meshgov.checks.freshness.tracker import ProductFreshness, track
from meshgov.checks.sla import check_registration
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CHECK_RESULTS, OUTPUTS, REGISTRATIONS, SLA_BREACHES, VERDICTS
from meshgov.models.events import (
    ACCEPTED_DECISIONS,
    OutputPublished,
    Registration,
    SlaBreach,
    Verdict,
)
from meshgov.models.loading import parse_descriptor
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.ports import PortObserver, PortReader, PortRecord, StreamingPort
from meshgov.processors.signals import Seen, Tick
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings

PROCESSOR_NAME = "freshness"


class Freshness(BaseModel):
    tracker: dict[str, Any] = {}  # checks.freshness.tracker's state; empty: not tracked


class FreshnessHandler:
    def handle(
        self, state: Freshness, message: Message, now: datetime
    ) -> tuple[Freshness, list[Output]]:
        body = message.body
        if isinstance(body, Registration):
            return state, [Emit(CHECK_RESULTS, check_registration(body, now))]
        tracker = ProductFreshness(message.product, dict(state.tracker)).copy()
        events: list[SlaBreach]
        if isinstance(body, Verdict):
            if body.decision not in ACCEPTED_DECISIONS:
                return state, []
            accepted = parse_descriptor(body.descriptor, body.product).data_product
            tracker.state = track(accepted, body.decided_at, tracker.state or None)
            events = tracker.advance(body.decided_at, now)
        elif not tracker.state:
            return state, []
        elif isinstance(body, OutputPublished):
            events = tracker.deliver(body.port, body.scheduled_for, body.published_at, now)
        elif isinstance(body, Tick):
            events = tracker.advance(body.at, now)
        elif isinstance(body, Seen):
            events = tracker.seen(body.port, body.event_at, body.observed_at, now)
        else:
            return state, []
        return Freshness(tracker=tracker.state), [Emit(SLA_BREACHES, e) for e in events]

    def wake(self, state: Freshness, now: datetime) -> datetime | None:
        if not state.tracker:
            return None
        return ProductFreshness("", state.tracker).next_due(now)


def newest_records(
    batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
) -> list[Output]:
    """The newest record time of each streaming port in the batch."""
    now_ms = millis(now)
    newest: dict[tuple[str, str], int] = {}
    for port, record in batch:
        key = (port.product_name, port.port)
        at = record.event_millis(now_ms)
        if at > newest.get(key, -1):
            newest[key] = at
    return [
        Send(product, Seen(port=port, event_at=instant(at), observed_at=now))
        for (product, port), at in newest.items()
    ]


class NewestRecords(PortObserver):
    def observe(
        self, batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
    ) -> list[Output]:
        return newest_records(batch, now)


def _handler(settings: Settings) -> FreshnessHandler:
    return FreshnessHandler()


def _port_reader(settings: Settings, clients: KafkaClients) -> PortReader:
    return PortReader(
        settings, clients, PROCESSOR_NAME, PROCESSOR.signals_topic(settings), NewestRecords()
    )


PROCESSOR = Processor(
    name=PROCESSOR_NAME,
    state=Freshness,
    inputs={REGISTRATIONS: Registration, VERDICTS: Verdict, OUTPUTS: OutputPublished},
    handler=_handler,
    signals=True,
    timed=True,
    sidecars=(_port_reader,),
    outputs=(
        CHECK_RESULTS,
        SLA_BREACHES,
    ),
    reads_ports=True,
)
