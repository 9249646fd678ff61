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
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.topics import CATALOG, SLA_BREACHES, VERDICTS
from meshgov.models.events import SlaBreach, Verdict
from meshgov.models.loading import DescriptorError
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, raw_topic

PROCESSOR = "catalog"
TICK_SECONDS = 1.0

# Created by `meshgov run` before the app starts: a topic faust creates itself can appear
# after its consumer subscribed, which then ignores it.
INTERNAL_TOPICS = ("meshgov-catalog-updates",)


def build(settings: Settings) -> faust.App:
    app = create_app(PROCESSOR, settings)
    codec = default_codec()
    emitter = Emitter(app, settings, PROCESSOR)
    table_schema: Any = faust.Schema(key_type=str, key_serializer="json", value_serializer="json")
    catalog = app.Table(
        "entries", default=dict, partitions=settings.partitions, schema=table_schema
    )
    updates = app.topic(
        settings.topic(INTERNAL_TOPICS[0]),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        internal=True,
    )

    async def store(product: str, stored: entries.Stored | None) -> None:
        if stored is None:
            return
        catalog[product] = stored
        entry, _ = entries.load(stored)
        if entry is not None:
            await emitter.emit(CATALOG, entry)

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def record_verdicts(stream: Any) -> None:
        async for event in stream.events():
            try:
                verdict = codec.decode(event.message.value, Verdict)
                before, _ = entries.load(catalog[verdict.product])
                after = entries.apply_verdict(catalog[verdict.product], verdict)
            except (DecodeError, DescriptorError) as error:
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
        async for event in stream.events():
            try:
                breach = codec.decode(event.message.value, SlaBreach)
            except DecodeError as error:
                await emitter.dead_letter(event.message, error)
                continue
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
