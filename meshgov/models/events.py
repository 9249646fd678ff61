"""Typed forms of the events in schemas/*.avsc.

tests/unit/test_event_models.py keeps the two in step."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _to_millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


Millis = Annotated[AwareDatetime, AfterValidator(_to_millis)]
"""A timezone-aware instant at the millisecond precision of Avro's timestamp-millis."""

Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""An integer that fits Avro's int (every other integer is an Avro long)."""


class Severity(StrEnum):
    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


class CheckStatus(StrEnum):
    PASSED = "PASSED"
    PASSED_WITH_WARNINGS = "PASSED_WITH_WARNINGS"
    SCHEDULED = "SCHEDULED"
    FAILED = "FAILED"
    PENDING = "PENDING"  # in an UNDECIDED verdict: the check has not answered yet


class Decision(StrEnum):
    ACCEPTED = "ACCEPTED"
    ACCEPTED_WITH_WARNINGS = "ACCEPTED_WITH_WARNINGS"
    SCHEDULED = "SCHEDULED"
    REJECTED = "REJECTED"
    # A required check has not answered in time: the platform's problem, not the submitter's.
    # Not final: the registration is decided again when the answer comes.
    UNDECIDED = "UNDECIDED"


ACCEPTED_DECISIONS = frozenset(
    {Decision.ACCEPTED, Decision.ACCEPTED_WITH_WARNINGS, Decision.SCHEDULED}
)
"""The decisions that make a registration part of the product's accepted history."""


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SCHEDULED = "SCHEDULED"
    DEPRECATED = "DEPRECATED"


class Health(StrEnum):
    HEALTHY = "HEALTHY"
    LATE = "LATE"
    BREACHED = "BREACHED"
    UNKNOWN = "UNKNOWN"


class BreachKind(StrEnum):
    FRESHNESS = "FRESHNESS"
    AVAILABILITY = "AVAILABILITY"
    QUALITY = "QUALITY"
    SCHEMA_VIOLATION = "SCHEMA_VIOLATION"
    PII_LEAK = "PII_LEAK"
    UNGOVERNED_SCHEMA = "UNGOVERNED_SCHEMA"  # a subject version not registered by meshgov


class BreachState(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class Record(BaseModel):
    """A nested Avro record."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(Record):
    """A top-level event written to one mesh.* topic, keyed by product."""

    avro_name: ClassVar[str]

    def kafka_key(self) -> str:
        return str(getattr(self, "product"))  # noqa: B009 - every event but DeadLetter has it


class Finding(Record):
    code: str
    severity: Severity = Severity.ERROR
    message: str
    path: str | None = None
    against_version: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class Registration(Event):
    avro_name: ClassVar[str] = "meshgov.events.Registration"
    registration_id: str
    product: str
    version: str
    domain: str
    owner: str
    descriptor: str
    submitted_by: str
    submitted_at: Millis
    signature: str | None = None  # a compact JWS vouching for it (meshgov.signing)


class CheckResult(Event):
    avro_name: ClassVar[str] = "meshgov.events.CheckResult"
    result_id: str
    registration_id: str
    product: str
    version: str
    check: str
    status: CheckStatus
    effective_at: Millis | None = None
    findings: list[Finding] = Field(default_factory=list)
    checked_at: Millis
    checker: str


class CheckOutcome(Record):
    check: str
    status: CheckStatus
    findings: list[Finding] = Field(default_factory=list)


class Verdict(Event):
    avro_name: ClassVar[str] = "meshgov.events.Verdict"
    verdict_id: str
    registration_id: str
    product: str
    version: str
    domain: str
    owner: str
    submitted_by: str
    decision: Decision
    effective_at: Millis | None = None
    checks: list[CheckOutcome]
    descriptor: str
    submitted_at: Millis
    decided_at: Millis
    latency_ms: int


class VersionRecord(Record):
    version: str
    registration_id: str
    decision: Decision
    accepted_at: Millis
    effective_at: Millis | None = None


class BreachRef(Record):
    breach_id: str
    kind: BreachKind
    port: str | None = None
    opened_at: Millis


class CatalogEntry(Event):
    avro_name: ClassVar[str] = "meshgov.events.CatalogEntry"
    product: str
    domain: str
    owner: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    status: ProductStatus
    current_version: str
    descriptor: str
    versions: list[VersionRecord] = Field(default_factory=list)
    scheduled_version: str | None = None
    scheduled_effective_at: Millis | None = None
    health: Health = Health.UNKNOWN
    open_breaches: list[BreachRef] = Field(default_factory=list)
    error_budget_remaining: float | None = None
    upstream: list[str] = Field(default_factory=list)
    downstream: list[str] = Field(default_factory=list)
    updated_at: Millis


class ColumnStats(Record):
    name: str
    null_count: int = 0
    distinct_count: int | None = None
    min: str | None = None
    max: str | None = None


class OutputPublished(Event):
    avro_name: ClassVar[str] = "meshgov.events.OutputPublished"
    output_id: str
    product: str
    port: str
    run_id: str
    scheduled_for: Millis | None = None
    interval_start: Millis | None = None
    interval_end: Millis | None = None
    published_at: Millis
    row_count: int
    source_row_count: int | None = None
    columns: list[ColumnStats] = Field(default_factory=list)
    sample: list[dict[str, str | None]] = Field(default_factory=list)
    published_by: str


ERROR_BUDGET_DETAIL = "error_budget_remaining"
"""The details key of freshness and availability breaches carrying the product's error budget
left (a share of the window's allowed late time; below 0 when overspent)."""


class SlaBreach(Event):
    avro_name: ClassVar[str] = "meshgov.events.SlaBreach"
    breach_id: str
    product: str
    port: str | None = None
    kind: BreachKind
    state: BreachState
    episode: str
    rule: str | None = None
    field: str | None = None
    expected: str
    observed: str
    deadline: Millis | None = None
    owner: str
    domain: str
    opened_at: Millis
    resolved_at: Millis | None = None
    detected_at: Millis
    evidence: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class Header(Record):
    key: str
    value: bytes | None = None


class DeadLetter(Event):
    avro_name: ClassVar[str] = "meshgov.events.DeadLetter"
    dead_letter_id: str
    source_topic: str
    source_partition: Int32
    source_offset: int
    source_timestamp: Millis | None = None
    source_key: bytes | None = None
    source_value: bytes | None = None
    source_headers: list[Header] = Field(default_factory=list)
    error_type: str
    error_message: str
    processor: str
    failed_at: Millis

    def kafka_key(self) -> str:
        return (self.source_key or b"").decode("utf-8", errors="replace")


EVENT_TYPES: tuple[type[Event], ...] = (
    Registration,
    CheckResult,
    Verdict,
    CatalogEntry,
    OutputPublished,
    SlaBreach,
    DeadLetter,
)
