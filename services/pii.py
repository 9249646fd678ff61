"""The PII processor: the pii check on every registration, and watching accepted products'
data for PII nobody declared. Batch samples arrive on mesh.outputs; streaming ports are read
by services.port_watcher. Both become masked leak observations on an internal topic keyed by
product, so one agent, co-partitioned with the episode table, decides breaches."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import faust

from meshgov.checks.breaches import Owner
from meshgov.checks.pii.policy import CHECK_NAME, check_registration
from meshgov.checks.pii.watch import (
    Leak,
    find_leaks,
    observe,
    port_declarations,
    resolve_clean,
)
from meshgov.kafka.topics import CHECK_RESULTS, OUTPUTS, REGISTRATIONS, SLA_BREACHES, VERDICTS
from meshgov.models.descriptor import PiiClass
from meshgov.models.events import OutputPublished, Registration
from meshgov.models.policy import load_policy
from meshgov.settings import Settings
from services.port_watcher import PortWatcher
from services.runtime import (
    Emitter,
    accepted_products,
    create_app,
    decoded,
    internal_topic,
    json_table,
    raw_topic,
)

TICK_SECONDS = 5.0


def observations_topic(settings: Settings) -> str:
    return settings.topic(INTERNAL_TOPICS[0])


def leak_message(port: str, leaks: list[Leak], at: datetime) -> bytes:
    """An observation carries masked evidence only, never a value."""
    return json.dumps(
        {
            "kind": "leaks",
            "at_ms": int(at.timestamp() * 1000),
            "leaks": [
                {
                    "port": port,
                    "field": leak.field,
                    "pii": leak.pii.value,
                    "evidence": leak.evidence,
                    "expected": leak.expected,
                }
                for leak in leaks
            ],
        }
    ).encode()


# Created by `meshgov run` before the app starts: a topic faust creates itself can appear
# after its consumer subscribed, which then ignores it.
INTERNAL_TOPICS = ("meshgov-pii-observations",)


def build(settings: Settings) -> faust.App:
    app = create_app(CHECK_NAME, settings)
    emitter = Emitter(app, settings, CHECK_NAME)
    policy = load_policy(settings.policy_path)
    clean_window = timedelta(seconds=settings.pii_clean_window_seconds)
    products = json_table(app, "accepted-products", dict, settings)
    episodes = json_table(app, "leak-episodes", dict, settings)
    observations = internal_topic(app, settings, INTERNAL_TOPICS[0])

    @app.agent(raw_topic(app, settings.topic(REGISTRATIONS)), concurrency=1)
    async def check_registrations(stream: Any) -> None:
        async for _, registration in decoded(stream, Registration, emitter):
            await emitter.emit(CHECK_RESULTS, check_registration(registration, policy))

    @app.agent(raw_topic(app, settings.topic(VERDICTS)), concurrency=1)
    async def learn_accepted_products(stream: Any) -> None:
        async for verdict, product in accepted_products(stream, emitter):
            products[verdict.product] = {
                "owner": product.owner,
                "domain": product.domain,
                "ports": port_declarations(product),
            }

    @app.agent(raw_topic(app, settings.topic(OUTPUTS)), concurrency=1)
    async def inspect_samples(stream: Any) -> None:
        async for _, output in decoded(stream, OutputPublished, emitter):
            known = products[output.product]
            port = known.get("ports", {}).get(output.port)
            if not known or port is None or not output.sample:
                continue
            leaks = [
                leak
                for row in output.sample
                for leak in find_leaks(output.product, output.port, port["fields"], row, policy)
            ]
            if leaks:
                await observations.send(
                    key=output.product.encode(),
                    value=leak_message(output.port, leaks, output.published_at),
                )

    @app.agent(observations, concurrency=1)
    async def decide_breaches(stream: Any) -> None:
        async for event in stream.events():
            product = event.message.key.decode()
            message = json.loads(event.message.value)
            known = products[product]
            if not known:
                continue
            owner = Owner(product, known["owner"], known["domain"])
            current = dict(episodes[product])
            if message["kind"] == "leaks":
                at = datetime.fromtimestamp(message["at_ms"] / 1000, UTC)
                leaks = [
                    Leak(m["port"], m["field"], PiiClass(m["pii"]), m["evidence"], m["expected"])
                    for m in message["leaks"]
                ]
                breaches = observe(current, owner, leaks, at)
            else:
                breaches = resolve_clean(current, owner, datetime.now(UTC), clean_window)
            if current != episodes[product]:
                episodes[product] = current
            for breach in breaches:
                await emitter.emit(SLA_BREACHES, breach)

    @app.timer(TICK_SECONDS)
    async def tick() -> None:
        """Ask for resolution of every product with an open episode (tables are written
        from their agent only, so the timer sends a message rather than writing)."""
        for product, open_episodes in list(episodes.items()):
            if open_episodes:
                await observations.send(key=product.encode(), value=b'{"kind": "tick"}')

    watcher = PortWatcher(settings, policy)

    @app.task
    async def watch_streaming_ports() -> None:
        await watcher.run(
            lambda product, port, leaks, at: observations.send(
                key=product.encode(), value=leak_message(port, leaks, at)
            )
        )

    return app
