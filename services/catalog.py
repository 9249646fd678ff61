"""The catalog processor: mesh.catalog (compacted) from verdicts and breaches.

Entries are written only by the agent that owns their product's partition: a consumer's
acceptance reaches its upstream products, and the due date reaches a SCHEDULED product, as
messages on an internal topic keyed by the product to change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import faust

from meshgov.catalog import entries
from meshgov.kafka.topics import CATALOG, SLA_BREACHES, VERDICTS
from meshgov.models.events import SlaBreach, Verdict
from meshgov.models.loading import DescriptorError
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, decoded, internal_topic, json_table, raw_topic

PROCESSOR = "catalog"
TICK_SECONDS = 1.0

# Created by `meshgov run` before the app starts: a topic faust creates itself can appear
# after its consumer subscribed, which then ignores it.
INTERNAL_TOPICS = ("meshgov-catalog-updates",)


def build(settings: Settings) -> faust.App:
    app = create_app(PROCESSOR, settings)
    emitter = Emitter(app, settings, PROCESSOR)
    catalog = json_table(app, "entries", dict, settings)
    updates = internal_topic(app, settings, INTERNAL_TOPICS[0])

    async def store(product: str, stored: entries.Stored | None) -> None:
        if stored is None:
            return
        catalog[product] = stored
        entry, _ = entries.load(stored)
        if entry is not None:
            await emitter.emit(CATALOG, entry)

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def record_verdicts(stream: Any) -> None:
        async for event, verdict in decoded(stream, Verdict, emitter):
            before, _ = entries.load(catalog[verdict.product])
            try:
                after = entries.apply_verdict(catalog[verdict.product], verdict)
            except DescriptorError as error:
                await emitter.dead_letter(event.message, error)
                continue
            await store(verdict.product, after)
            if after is None:
                continue
            current, _ = entries.load(after)
            now_upstream = set(current.upstream) if current else set()
            was_upstream = set(before.upstream) if before else set()
            for upstream, consumes in [(p, True) for p in now_upstream - was_upstream] + [
                (p, False) for p in was_upstream - now_upstream
            ]:
                message = {"kind": "downstream", "consumer": verdict.product, "consumes": consumes}
                await updates.send(key=upstream.encode(), value=json.dumps(message).encode())

    @app.agent(raw_topic(app, settings.topic(SLA_BREACHES)), concurrency=1)
    async def record_breaches(stream: Any) -> None:
        async for _, breach in decoded(stream, SlaBreach, emitter):
            await store(breach.product, entries.apply_breach(catalog[breach.product], breach))

    @app.agent(updates, concurrency=1)
    async def apply_updates(stream: Any) -> None:
        async for event in stream.events():
            product = event.message.key.decode()
            message = json.loads(event.message.value)
            now = datetime.now(UTC)
            if message["kind"] == "downstream":
                after = entries.set_downstream(
                    catalog[product], message["consumer"], message["consumes"], now
                )
            else:
                after = entries.promote_due(catalog[product], now)
            await store(product, after)

    @app.timer(TICK_SECONDS)
    async def due_dates() -> None:
        now = datetime.now(UTC)
        for product, stored in list(catalog.items()):
            entry, waiting = entries.load(stored)
            if entry is None or waiting is None or entry.scheduled_effective_at is None:
                continue
            if entry.scheduled_effective_at <= now:
                await updates.send(key=product.encode(), value=b'{"kind": "tick"}')

    return app
