"""The messages a processor sends itself on its signals topic, keyed by product: ticks of
the wall clock, and observations made beside the stream (of streaming ports, of Schema
Registry subjects). JSON, typed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from meshgov.models.events import Millis


class _Signal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tick(_Signal):
    """The wall clock reached `at` (carried, so a replay decides as the first pass did)."""

    kind: Literal["tick"] = "tick"
    at: Millis


class LeakReport(_Signal):
    port: str
    field: str
    pii: str
    evidence: str  # masked, never the value
    expected: str


class Leaks(_Signal):
    """PII seen in values of a port at `at`."""

    kind: Literal["leaks"] = "leaks"
    at: Millis
    leaks: list[LeakReport]


class Seen(_Signal):
    """The newest record of a streaming port read so far had event time `event_at`."""

    kind: Literal["seen"] = "seen"
    port: str
    event_at: Millis
    observed_at: Millis


class Window(_Signal):
    """The figures of a closed event-time window of a streaming port, as counted from the
    records at offsets `first_offset`..`last_offset` of one partition of its topic (of
    `partitions`): the product's stream adds up the partitions before it judges."""

    kind: Literal["window"] = "window"
    port: str
    start: Millis
    end: Millis
    rows: int
    violations: int
    columns: dict[str, tuple[int, int | None]]  # column -> (nulls, distinct if counted)
    partition: int = 0
    partitions: int = 1  # 0: not known
    first_offset: int = -1
    last_offset: int = -1


class Violation(_Signal):
    """A record of a streaming port that does not decode with the registered schema."""

    kind: Literal["violation"] = "violation"
    port: str
    at: Millis
    expected: str
    error: str
    where: str  # topic[partition]@offset


class Downstream(_Signal):
    """`consumer` started (or stopped) consuming the keyed product."""

    kind: Literal["downstream"] = "downstream"
    consumer: str
    consumes: bool


class RegisteredVersion(_Signal):
    version: int
    schema_id: int
    fingerprint: str  # meshgov.registry.governance.schema_fingerprint of its schema


class SubjectVersions(_Signal):
    """The versions a governed subject holds in the Schema Registry, as read at `at`."""

    kind: Literal["subject-versions"] = "subject-versions"
    subject: str
    at: Millis
    versions: list[RegisteredVersion]


class AdoptionPlan(_Signal):
    """`meshgov import registry` is about to register these versions of `subject` (its
    existing ones, by schema fingerprint): they are expected, not drift, until `until`."""

    kind: Literal["adoption"] = "adoption"
    subject: str
    fingerprints: list[str]
    until: Millis


Signal = Annotated[
    Tick | Leaks | Seen | Window | Violation | Downstream | SubjectVersions | AdoptionPlan,
    Field(discriminator="kind"),
]
_SIGNAL: TypeAdapter[Signal] = TypeAdapter(Signal)


def encode_signal(signal: Signal) -> bytes:
    return signal.model_dump_json().encode()


def decode_signal(data: bytes) -> Signal:
    """Raises pydantic's ValidationError (a ValueError) on anything else."""
    return _SIGNAL.validate_json(data)
