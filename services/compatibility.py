"""The compatibility processor: every registration's schemas against the product's accepted
history, one CheckResult each. History is learnt from mesh.verdicts, so a rejected schema
never becomes the baseline, and kept in a changelog-backed table."""

from __future__ import annotations

from typing import Any

import faust

from meshgov.checks.compatibility import CHECK_NAME, check_registration
from meshgov.checks.compatibility.history import load_history, with_accepted
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import Registration
from meshgov.settings import Settings
from services.runtime import (
    Emitter,
    accepted_products,
    create_app,
    decoded,
    json_table,
    raw_topic,
)


def build(settings: Settings) -> faust.App:
    app = create_app(CHECK_NAME, settings)
    emitter = Emitter(app, settings, CHECK_NAME)
    history = json_table(app, "schema-history", dict, settings)

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for _, registration in decoded(stream, Registration, emitter):
            accepted = load_history(history[registration.product])
            await emitter.emit(CHECK_RESULTS, check_registration(registration, accepted))

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def learn_accepted_schemas(stream: Any) -> None:
        async for verdict, product in accepted_products(stream, emitter):
            current = history[verdict.product]
            updated = with_accepted(current, product)
            if updated != current:
                history[verdict.product] = updated

    return app
