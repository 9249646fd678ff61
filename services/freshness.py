"""The freshness processor: deadlines of batch ports, silence of streaming ports,
availability against its target, and the registration-time sla check.

One agent owns the per-product state table and reads, co-partitioned by product, the
verdicts (which products are accepted, with which SLA), the outputs and this processor's
signals topic. A deadline queue holds when each product of this worker is next due; at that
moment a tick goes through the signals topic to the agent (a table is written from its
agent only). Ticks carry their time, so a replay decides exactly as the first pass did.
After a restart the queue is rebuilt from the recovered table, and a deadline that passed
meanwhile fires at once (catch-up)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

import faust

from meshgov.checks.breaches import instant, millis
from meshgov.checks.freshness.tracker import ProductFreshness, track
from meshgov.checks.sla import check_registration
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.topics import CHECK_RESULTS, OUTPUTS, REGISTRATIONS, SLA_BREACHES, VERDICTS
from meshgov.models.events import (
    ACCEPTED_DECISIONS,
    OutputPublished,
    Registration,
    SlaBreach,
    Verdict,
)
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.settings import Settings
from meshgov.timers import DeadlineQueue
from services.product_topics import ProductTopics
from services.runtime import Emitter, create_app, decoded, json_table, raw_topic

log = logging.getLogger("meshgov.services.freshness")
PROCESSOR = "freshness"
# Created by `meshgov run` before the app starts (see services.pii).
INTERNAL_TOPICS = ("meshgov-freshness-signals",)


def tick(at: datetime) -> bytes:
    return json.dumps({"kind": "tick", "at_ms": millis(at)}).encode()


def seen(port: str, event_ms: int, observed_at: datetime) -> bytes:
    return json.dumps(
        {"kind": "seen", "port": port, "event_ms": event_ms, "observed_ms": millis(observed_at)}
    ).encode()


def build(settings: Settings) -> faust.App:
    app = create_app(PROCESSOR, settings)
    emitter = Emitter(app, settings, PROCESSOR)
    codec = default_codec()
    # Each product's state as one compact JSON string: a fifth of the memory of the same
    # state as Python dicts, which matters for a table of 100,000 products.
    states = json_table(app, "freshness", str, settings)
    signals_name = settings.topic(INTERNAL_TOPICS[0])
    signals = raw_topic(app, signals_name)
    inputs = raw_topic(app, settings.topic(VERDICTS), settings.topic(OUTPUTS), signals_name)
    queue = DeadlineQueue()
    wake = asyncio.Event()
    rebuild = asyncio.Event()
    rebuild.set()

    def reschedule(tracker: ProductFreshness, now: datetime) -> None:
        due = tracker.next_due(now)
        queue.schedule(tracker.product, None if due is None else millis(due))
        wake.set()

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for _, registration in decoded(stream, Registration, emitter):
            await emitter.emit(CHECK_RESULTS, check_registration(registration))

    @app.agent(inputs, concurrency=1)
    async def track_products(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            product = (message.key or b"").decode("utf-8", errors="replace")
            now = datetime.now(UTC)
            before: str = states[product]
            tracker = ProductFreshness(product, _load(before))
            try:
                if message.topic == signals_name:
                    if not before:
                        continue
                    events = _on_signal(tracker, json.loads(message.value), now)
                elif message.topic == settings.topic(OUTPUTS):
                    if not before:
                        continue
                    output = codec.decode(message.value, OutputPublished)
                    events = tracker.deliver(
                        output.port, output.scheduled_for, output.published_at, now
                    )
                else:
                    verdict = codec.decode(message.value, Verdict)
                    if verdict.decision not in ACCEPTED_DECISIONS:
                        continue
                    accepted = parse_descriptor(verdict.descriptor, verdict.product).data_product
                    tracker.state = track(accepted, verdict.decided_at, tracker.state or None)
                    events = tracker.advance(verdict.decided_at, now)
            except (DecodeError, DescriptorError, ValueError, KeyError) as error:
                await emitter.dead_letter(message, error)
                continue
            after = _compact(tracker.state)
            if after != before:
                states[product] = after
            for breach in events:
                await emitter.emit(SLA_BREACHES, breach)
            try:
                reschedule(tracker, now)
            except ValueError as error:  # e.g. a schedule that never runs, if accepted anyway
                log.error("%s: no next deadline: %s", product, error)

    @app.on_rebalance_complete.connect
    async def _recovered(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        rebuild.set()
        wake.set()

    @app.task
    async def fire_deadlines() -> None:
        """Send a tick to each product whose next deadline has come."""
        while True:
            now = datetime.now(UTC)
            if rebuild.is_set():
                rebuild.clear()
                queue.clear()
                for product, state in list(states.items()):
                    if not state:
                        continue
                    try:
                        reschedule(ProductFreshness(product, _load(state)), now)
                    except (ValueError, KeyError, TypeError) as error:
                        # One unreadable entry must not stop the deadlines of all others.
                        log.error(
                            "freshness state of %s unreadable, not tracked: %r", product, error
                        )
                log.info("tracking %d products", len(queue))
            for product in queue.pop_due(millis(now)):
                await signals.send(key=product.encode(), value=tick(now))
            due = queue.next_due()
            wait = 1.0 if due is None else max(0.0, min(1.0, (due - millis(now)) / 1000))
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=wait)

    topics = ProductTopics(settings, "meshgov-freshness-streams")

    @app.task
    async def watch_streaming_ports() -> None:
        """The newest record time of each streaming port read, once per batch."""
        async for batch in topics.batches():
            newest: dict[tuple[str, str], int] = {}
            for port, message in batch:
                _, event_ms = message.timestamp()
                key = (port.product_name, port.port)
                newest[key] = max(newest.get(key, 0), event_ms)
            observed = datetime.now(UTC)
            for (product, port_name), event_ms in newest.items():
                await signals.send(key=product.encode(), value=seen(port_name, event_ms, observed))

    return app


def _load(stored: str | dict[str, Any]) -> dict[str, Any]:
    """A product's state from the table (a dict if written by a version keeping dicts)."""
    if isinstance(stored, dict):
        return stored
    return dict(json.loads(stored)) if stored else {}


def _compact(state: dict[str, Any]) -> str:
    return json.dumps(state, separators=(",", ":"))


def _on_signal(tracker: ProductFreshness, signal: dict[str, Any], now: datetime) -> list[SlaBreach]:
    if signal["kind"] == "tick":
        return tracker.advance(instant(signal["at_ms"]), now)
    return tracker.seen(
        signal["port"], instant(signal["event_ms"]), instant(signal["observed_ms"]), now
    )
