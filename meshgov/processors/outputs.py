"""What a processor's pure `handle` function returns besides its new state: the events to
emit and the signals for itself about another product."""

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


Output = Emit | Send
