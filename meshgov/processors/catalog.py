"""The catalog processor: mesh.catalog (compacted) from verdicts and breaches.

An entry changes only in the stream that owns its product's partition: a consumer's
acceptance reaches its upstream products as Downstream signals keyed by the upstream, and a
SCHEDULED version becomes current when the product is woken at its effective date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from meshgov.catalog import entries
from meshgov.kafka.topics import CATALOG, SLA_BREACHES, VERDICTS
from meshgov.models.events import SlaBreach, Verdict
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.signals import Downstream, Tick
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings


class StoredEntry(BaseModel):
    stored: dict[str, Any] | None = None  # catalog.entries' stored form


class CatalogHandler:
    def handle(
        self, state: StoredEntry, message: Message, now: datetime
    ) -> tuple[StoredEntry, list[Output]]:
        outputs: list[Output] = []
        match message.body:
            case Verdict() as verdict:
                before, _ = entries.load(state.stored)
                after = entries.apply_verdict(state.stored, verdict)
                if after is not None:
                    current, _ = entries.load(after)
                    now_upstream = set(current.upstream) if current else set()
                    was_upstream = set(before.upstream) if before else set()
                    outputs += [
                        Send(p, Downstream(consumer=verdict.product, consumes=True))
                        for p in sorted(now_upstream - was_upstream)
                    ]
                    outputs += [
                        Send(p, Downstream(consumer=verdict.product, consumes=False))
                        for p in sorted(was_upstream - now_upstream)
                    ]
            case SlaBreach() as breach:
                after = entries.apply_breach(state.stored, breach)
            case Downstream() as change:
                after = entries.set_downstream(state.stored, change.consumer, change.consumes, now)
            case Tick() as tick:
                after = entries.promote_due(state.stored, tick.at)
            case _:
                after = None
        if after is None:
            return state, outputs
        entry, _ = entries.load(after)
        if entry is not None:
            outputs.insert(0, Emit(CATALOG, entry))
        return StoredEntry(stored=after), outputs

    def wake(self, state: StoredEntry, now: datetime) -> datetime | None:
        entry, waiting = entries.load(state.stored)
        if entry is None or waiting is None:
            return None
        return entry.scheduled_effective_at


def _handler(settings: Settings) -> CatalogHandler:
    return CatalogHandler()


PROCESSOR = Processor(
    name="catalog",
    state=StoredEntry,
    inputs={VERDICTS: Verdict, SLA_BREACHES: SlaBreach},
    handler=_handler,
    signals=True,
    timed=True,
    outputs=(CATALOG,),
)
