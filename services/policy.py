"""The policy processor: ownership and the policy file's rules on every registration.
A product's owner and domain are bound by its first accepted verdict."""

from __future__ import annotations

from typing import Any

import faust

from meshgov.checks.policy import CHECK_NAME, Binding, check_registration
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import ACCEPTED_DECISIONS, Registration, Verdict
from meshgov.models.policy import load_policy
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, decoded, json_table, raw_topic


def build(settings: Settings) -> faust.App:
    app = create_app(CHECK_NAME, settings)
    emitter = Emitter(app, settings, CHECK_NAME)
    policy = load_policy(settings.policy_path)
    bindings = json_table(app, "owners", dict, settings)

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for _, registration in decoded(stream, Registration, emitter):
            bound = bindings[registration.product]
            binding = Binding(bound["owner"], bound["domain"]) if bound else None
            await emitter.emit(CHECK_RESULTS, check_registration(registration, binding, policy))

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def bind_owners(stream: Any) -> None:
        async for _, verdict in decoded(stream, Verdict, emitter):
            if verdict.decision in ACCEPTED_DECISIONS:
                # A recorded transfer moves the binding to the new owner once accepted.
                bindings[verdict.product] = {"owner": verdict.owner, "domain": verdict.domain}

    return app
