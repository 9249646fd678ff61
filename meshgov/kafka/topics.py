"""The mesh.* topics: the pipeline's own contracts, with the configs the design gives them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from meshgov.models.events import (
    CatalogEntry,
    CheckResult,
    DeadLetter,
    Event,
    OutputPublished,
    Registration,
    SlaBreach,
    Verdict,
)

DAY_MS = 24 * 60 * 60 * 1000
LONG_RETENTION_MS = 365 * DAY_MS


@dataclass(frozen=True)
class TopicSpec:
    name: str
    value_type: type[Event] | None  # None: a processor's internal topic
    configs: dict[str, str] = field(default_factory=dict)

    def renamed(self, name: str) -> TopicSpec:
        return replace(self, name=name)


REGISTRATIONS = "mesh.registrations"
CHECK_RESULTS = "mesh.check-results"
VERDICTS = "mesh.verdicts"
CATALOG = "mesh.catalog"
OUTPUTS = "mesh.outputs"
SLA_BREACHES = "mesh.sla-breaches"
DEAD_LETTERS = "mesh.dead-letters"

MESH_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        REGISTRATIONS,
        Registration,
        # The broker's clock stamps each one: signatures are judged at when it arrived.
        {
            "cleanup.policy": "delete",
            "retention.ms": str(LONG_RETENTION_MS),
            "message.timestamp.type": "LogAppendTime",
        },
    ),
    TopicSpec(
        CHECK_RESULTS, CheckResult, {"cleanup.policy": "delete", "retention.ms": str(7 * DAY_MS)}
    ),
    TopicSpec(
        VERDICTS, Verdict, {"cleanup.policy": "delete", "retention.ms": str(LONG_RETENTION_MS)}
    ),
    TopicSpec(
        CATALOG,
        CatalogEntry,
        {
            "cleanup.policy": "compact",
            "min.cleanable.dirty.ratio": "0.1",
            "segment.ms": str(DAY_MS),
        },
    ),
    TopicSpec(
        OUTPUTS, OutputPublished, {"cleanup.policy": "delete", "retention.ms": str(35 * DAY_MS)}
    ),
    TopicSpec(
        SLA_BREACHES,
        SlaBreach,
        {"cleanup.policy": "delete", "retention.ms": str(LONG_RETENTION_MS)},
    ),
    TopicSpec(
        DEAD_LETTERS, DeadLetter, {"cleanup.policy": "delete", "retention.ms": str(30 * DAY_MS)}
    ),
)
