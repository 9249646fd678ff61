"""What a processor's pure `handle` function returns besides its new state: the events to
emit, the signals for itself about another product, the effects outside Kafka."""

from __future__ import annotations

from dataclasses import dataclass

from meshgov.models.events import Event
from meshgov.processors.signals import Signal


@dataclass(frozen=True)
class Emit:
    """A meshgov event for mesh topic `topic`, keyed by its product."""

    topic: str
    event: Event


@dataclass(frozen=True)
class Send:
    """A signal to this processor about `product` (which may be another product than the
    one being handled: its partition's worker owns that product's state)."""

    product: str
    signal: Signal


@dataclass(frozen=True)
class Effect:
    """A change this processor wants made outside Kafka, keyed by what it changes: written
    to its compacted effects topic, applied (idempotently) by its effect applier."""

    key: str
    value: bytes


Output = Emit | Send | Effect
