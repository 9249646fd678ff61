"""The policy processor: ownership and the policy file's rules on every registration.
A product's owner and domain are bound by its first accepted verdict."""

from __future__ import annotations

from typing import Any

import faust

from meshgov.checks.policy import CHECK_NAME, Binding, check_registration
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import Decision, Registration, Verdict
from meshgov.models.policy import load_policy
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, raw_topic

ACCEPTED = frozenset({Decision.ACCEPTED, Decision.ACCEPTED_WITH_WARNINGS, Decision.SCHEDULED})


def build(settings: Settings) -> faust.App:
    app = create_app(CHECK_NAME, settings)
    codec = default_codec()
    emitter = Emitter(app, settings, CHECK_NAME)
    policy = load_policy(settings.policy_path)
    table_schema: Any = faust.Schema(key_type=str, key_serializer="json", value_serializer="json")
    bindings = app.Table(
        "owners", default=dict, partitions=settings.partitions, schema=table_schema
    )

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for event in stream.events():
            try:
                registration = codec.decode(event.message.value, Registration)
            except DecodeError as error:
                await emitter.dead_letter(event.message, error)
                continue
            bound = bindings[registration.product]
            binding = Binding(bound["owner"], bound["domain"]) if bound else None
            await emitter.emit(CHECK_RESULTS, check_registration(registration, binding, policy))

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def bind_owners(stream: Any) -> None:
        async for event in stream.events():
            try:
                verdict = codec.decode(event.message.value, Verdict)
            except DecodeError as error:
                await emitter.dead_letter(event.message, error)
                continue
            if verdict.decision in ACCEPTED:
                # A recorded transfer moves the binding to the new owner once accepted.
                bindings[verdict.product] = {"owner": verdict.owner, "domain": verdict.domain}

    return app
