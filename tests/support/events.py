"""One valid, fully populated event of every type, for round-trip tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachRef,
    BreachState,
    CatalogEntry,
    CheckOutcome,
    CheckResult,
    CheckStatus,
    ColumnStats,
    DeadLetter,
    Decision,
    Event,
    Finding,
    Header,
    Health,
    OutputPublished,
    ProductStatus,
    Registration,
    Severity,
    SlaBreach,
    Verdict,
    VersionRecord,
)

T0 = datetime(2026, 11, 25, 2, 0, 0, 123000, tzinfo=UTC)
PRODUCT = "orders-daily-aggregated"


def sample_events(descriptor: str = "data_product: {}") -> list[Event]:
    finding = Finding(
        code="READER_FIELD_MISSING_DEFAULT_VALUE",
        severity=Severity.ERROR,
        message="Field 'segment' was added without a default.",
        path="/fields/segment",
        against_version="1.0.0",
        details={"mode": "BACKWARD"},
    )
    warning = Finding(code="LOGICAL_TYPE_CHANGED", severity=Severity.WARNING, message="m")
    return [
        Registration(
            registration_id="r-1",
            product=PRODUCT,
            version="1.1.0",
            domain="orders",
            owner="orders-team@company.com",
            descriptor=descriptor,
            submitted_by="ci@orders",
            submitted_at=T0,
        ),
        CheckResult(
            result_id=ids.check_result_id("r-1", "compatibility"),
            registration_id="r-1",
            product=PRODUCT,
            version="1.1.0",
            check="compatibility",
            status=CheckStatus.SCHEDULED,
            effective_at=T0 + timedelta(days=30),
            findings=[finding, warning],
            checked_at=T0 + timedelta(milliseconds=40),
            checker="compatibility/0.1.0",
        ),
        Verdict(
            verdict_id=ids.verdict_id("r-1"),
            registration_id="r-1",
            product=PRODUCT,
            version="1.1.0",
            domain="orders",
            owner="orders-team@company.com",
            submitted_by="ci@orders",
            decision=Decision.SCHEDULED,
            effective_at=T0 + timedelta(days=30),
            checks=[
                CheckOutcome(
                    check="compatibility", status=CheckStatus.SCHEDULED, findings=[finding]
                ),
                CheckOutcome(check="pii", status=CheckStatus.PASSED),
            ],
            descriptor=descriptor,
            submitted_at=T0,
            decided_at=T0 + timedelta(milliseconds=250),
            latency_ms=250,
        ),
        CatalogEntry(
            product=PRODUCT,
            domain="orders",
            owner="orders-team@company.com",
            description="Daily order counts",
            tags=["orders", "finance"],
            status=ProductStatus.SCHEDULED,
            current_version="1.0.0",
            descriptor=descriptor,
            versions=[
                VersionRecord(
                    version="1.0.0",
                    registration_id="r-0",
                    decision=Decision.ACCEPTED,
                    accepted_at=T0,
                )
            ],
            scheduled_version="2.0.0",
            scheduled_effective_at=T0 + timedelta(days=30),
            health=Health.BREACHED,
            open_breaches=[
                BreachRef(breach_id="b-1", kind=BreachKind.FRESHNESS, port="batch", opened_at=T0)
            ],
            error_budget_remaining=0.42,
            upstream=["orders-events"],
            downstream=["finance-revenue"],
            updated_at=T0,
        ),
        OutputPublished(
            output_id=ids.output_id(PRODUCT, "batch", "2026-11-25"),
            product=PRODUCT,
            port="batch",
            run_id="2026-11-25",
            scheduled_for=T0,
            interval_start=T0 - timedelta(days=1),
            interval_end=T0,
            published_at=T0 + timedelta(hours=1),
            row_count=99_870,
            source_row_count=100_000,
            columns=[
                ColumnStats(name="order_id", null_count=0, distinct_count=99_870, min="1", max="z")
            ],
            sample=[{"order_id": "o-1", "email": None}],
            published_by="orders-batch",
        ),
        SlaBreach(
            breach_id=ids.breach_id(PRODUCT, "batch", "FRESHNESS", None, "2026-11-25T02:00Z"),
            product=PRODUCT,
            port="batch",
            kind=BreachKind.FRESHNESS,
            state=BreachState.RESOLVED,
            episode="2026-11-25T02:00Z",
            rule="Data available by 4am UTC",
            expected="output by 04:00 UTC",
            observed="output at 04:20 UTC",
            deadline=T0 + timedelta(hours=2),
            owner="orders-team@company.com",
            domain="orders",
            opened_at=T0 + timedelta(hours=2),
            resolved_at=T0 + timedelta(hours=2, minutes=20),
            detected_at=T0 + timedelta(hours=2, minutes=20),
            evidence="j***@e***.com",
            details={"late_by": "20m"},
        ),
        DeadLetter(
            dead_letter_id=ids.dead_letter_id("mesh.registrations", 2, 41),
            source_topic="mesh.registrations",
            source_partition=2,
            source_offset=41,
            source_timestamp=T0,
            source_key=b"orders-daily-aggregated",
            source_value=b"\xc3\x01garbage",
            source_headers=[Header(key="trace", value=b"abc"), Header(key="empty")],
            error_type="UnknownSchemaError",
            error_message="unknown writer schema fingerprint 676172626167650a",
            processor="compatibility",
            failed_at=T0,
        ),
    ]
