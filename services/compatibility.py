"""The compatibility processor: every registration's schemas against the product's accepted
history, one CheckResult each. History is learnt from mesh.verdicts, so a rejected schema
never becomes the baseline, and kept in a changelog-backed table."""

from __future__ import annotations

from typing import Any

import faust

from meshgov.checks.compatibility import CHECK_NAME, check_registration
from meshgov.checks.compatibility.history import load_history, with_accepted
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import Decision, Registration, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, raw_topic

ACCEPTED = frozenset({Decision.ACCEPTED, Decision.ACCEPTED_WITH_WARNINGS, Decision.SCHEDULED})


def build(settings: Settings) -> faust.App:
    app = create_app(CHECK_NAME, settings)
    codec = default_codec()
    emitter = Emitter(app, settings, CHECK_NAME)
    history = app.Table(
        "schema-history",
        default=dict,
        partitions=settings.partitions,
        # str keys, JSON-encoded: a raw bytes key is JSON-decoded when faust recovers the
        # table from its changelog, which fails and stalls recovery.
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
    )

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for event in stream.events():
            try:
                registration = codec.decode(event.message.value, Registration)
            except DecodeError as error:
                await emitter.dead_letter(event.message, error)
                continue
            accepted = load_history(history[registration.product])
            await emitter.emit(CHECK_RESULTS, check_registration(registration, accepted))

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def learn_accepted_schemas(stream: Any) -> None:
        async for event in stream.events():
            try:
                verdict = codec.decode(event.message.value, Verdict)
                if verdict.decision not in ACCEPTED:
                    continue
                product = parse_descriptor(verdict.descriptor, verdict.product).data_product
            except (DecodeError, DescriptorError) as error:
                await emitter.dead_letter(event.message, error)
                continue
            key = verdict.product
            current = history[key]
            updated = with_accepted(current, product)
            if updated != current:
                history[key] = updated

    return app
