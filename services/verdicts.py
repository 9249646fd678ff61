"""The verdicts processor: one Verdict per registration, from the required checks' results.

Registrations and results meet in a changelog-backed table keyed by product, whichever
arrives first. A required check silent past the timeout rejects the registration (fail
closed); results arriving after the decision are ignored, so there is never a second
verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import faust

from meshgov.checks.verdicts import decide
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import CheckResult, Registration
from meshgov.settings import Settings
from services.runtime import Emitter, create_app, decoded, internal_topic, json_table, raw_topic

PROCESSOR = "verdicts"
TICK_SECONDS = 1.0
DECIDED_KEPT = 1000  # per product: enough to recognise late results

# Created by `meshgov run` before the app starts: a topic faust creates itself can appear
# after its consumer subscribed, which then ignores it.
INTERNAL_TOPICS = ("meshgov-verdicts-ticks",)


def build(settings: Settings) -> faust.App:
    app = create_app(PROCESSOR, settings)
    emitter = Emitter(app, settings, PROCESSOR)
    timeout = timedelta(seconds=settings.verdict_timeout_seconds)
    required = settings.required_checks
    pending = json_table(app, "pending", dict, settings)
    decided = json_table(app, "decided", list, settings)
    ticks = internal_topic(app, settings, INTERNAL_TOPICS[0])

    async def decide_ready(product: str, waiting: dict[str, Any]) -> None:
        """Emit the verdicts that are due and store what still waits."""
        now = datetime.now(UTC)
        done: list[str] = []
        for registration_id, entry in waiting.items():
            if entry.get("registration") is None:
                continue
            verdict = decide(
                Registration.model_validate(entry["registration"]),
                {c: CheckResult.model_validate(r) for c, r in entry["results"].items()},
                required,
                datetime.fromtimestamp(entry["first_seen_ms"] / 1000, UTC),
                now,
                timeout,
            )
            if verdict is not None:
                await emitter.emit(VERDICTS, verdict)
                done.append(registration_id)
        for registration_id in done:
            del waiting[registration_id]
        if done:
            decided[product] = (list(decided[product]) + done)[-DECIDED_KEPT:]
        pending[product] = waiting

    def entry_of(waiting: dict[str, Any], registration_id: str) -> dict[str, Any]:
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        entry: dict[str, Any] = waiting.setdefault(
            registration_id, {"registration": None, "results": {}, "first_seen_ms": now_ms}
        )
        return entry

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def gather_registrations(stream: Any) -> None:
        async for _, registration in decoded(stream, Registration, emitter):
            product = registration.product
            if registration.registration_id in decided[product]:
                continue
            waiting = dict(pending[product])
            entry_of(waiting, registration.registration_id)["registration"] = (
                registration.model_dump(mode="json")
            )
            await decide_ready(product, waiting)

    @app.agent(raw_topic(app, settings.topic(CHECK_RESULTS)), concurrency=1)
    async def gather_results(stream: Any) -> None:
        async for _, result in decoded(stream, CheckResult, emitter):
            product = result.product
            if result.registration_id in decided[product]:
                continue  # late: the verdict is out already
            waiting = dict(pending[product])
            entry_of(waiting, result.registration_id)["results"][result.check] = result.model_dump(
                mode="json"
            )
            await decide_ready(product, waiting)

    @app.agent(ticks, concurrency=1)
    async def expire(stream: Any) -> None:
        async for event in stream.events():
            product = event.message.key.decode()
            await decide_ready(product, dict(pending[product]))

    @app.timer(TICK_SECONDS)
    async def tick() -> None:
        """Timeouts are decided by the agent owning the table; the timer only asks."""
        for product, waiting in list(pending.items()):
            if waiting:
                await ticks.send(key=product.encode(), value=b"tick")

    return app
