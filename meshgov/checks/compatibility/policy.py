"""The product's schema-stability promise applied to a registration's compatibility findings.

A change that breaks the product's mode is REJECTED, unless the registration raises the major
version and declares an effective date at least the promised notice after submission: then it
is SCHEDULED for that date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from meshgov.checks.compatibility.check import SchemaVersion, check_schema
from meshgov.checks.registration import run_check
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import CheckResult, CheckStatus, Finding, Registration, Severity

CHECK_NAME = "compatibility"
BREAKING_CHANGE_SCHEDULED = "BREAKING_CHANGE_SCHEDULED"
BREAKING_CHANGE_NEEDS_MAJOR_VERSION = "BREAKING_CHANGE_NEEDS_MAJOR_VERSION"
BREAKING_CHANGE_NEEDS_NOTICE = "BREAKING_CHANGE_NEEDS_NOTICE"


@dataclass(frozen=True)
class CompatibilityOutcome:
    status: CheckStatus
    findings: list[Finding]
    effective_at: datetime | None = None

    def as_tuple(self) -> tuple[CheckStatus, list[Finding], datetime | None]:
        return self.status, self.findings, self.effective_at


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def check_product(
    product: DataProduct,
    history: Mapping[str, Sequence[SchemaVersion]],
    submitted_at: datetime,
) -> CompatibilityOutcome:
    """Check every schema-bearing output port of `product` against its accepted history
    (per port name, oldest first) under the product's schema-stability promise."""
    stability = product.sla.schema_stability
    findings: list[Finding] = []
    latest_versions: list[str] = []
    for name, _, schema in product.port_schemas():
        previous = list(history.get(name, ()))
        if previous:
            latest_versions.append(previous[-1].version)
        report = check_schema(schema, previous, stability.compatibility, name)
        findings.extend(report.findings)

    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors:
        warned = any(f.severity is Severity.WARNING for f in findings)
        return CompatibilityOutcome(
            CheckStatus.PASSED_WITH_WARNINGS if warned else CheckStatus.PASSED, findings
        )
    if any(f.code == "INVALID_SCHEMA" for f in errors) or not latest_versions:
        return CompatibilityOutcome(CheckStatus.FAILED, findings)

    previous_major = max(_major(v) for v in latest_versions)
    notice = timedelta(days=stability.breaking_change_notice_days)
    earliest = submitted_at + notice
    if product.major_version <= previous_major:
        findings.append(
            Finding(
                code=BREAKING_CHANGE_NEEDS_MAJOR_VERSION,
                message=(
                    f"This change breaks {stability.compatibility.value} compatibility, so it "
                    f"needs a new major version: {product.version} does not raise the major "
                    f"version of {max(latest_versions)}."
                ),
                path="data_product.version",
            )
        )
        return CompatibilityOutcome(CheckStatus.FAILED, findings)
    effective = product.effective_date
    effective_at = product.effective_at
    if effective_at is None or effective_at < earliest:
        said = f"declares {effective.isoformat()}" if effective else "declares no effective_date"
        first_day = earliest.date() + timedelta(days=0 if earliest.time() == time(0) else 1)
        findings.append(
            Finding(
                code=BREAKING_CHANGE_NEEDS_NOTICE,
                message=(
                    f"Breaking changes need {stability.breaking_change_notice_days} days' notice: "
                    f"the registration {said}; the earliest allowed is {first_day.isoformat()}."
                ),
                path="data_product.effective_date",
            )
        )
        return CompatibilityOutcome(CheckStatus.FAILED, findings)
    scheduled = [
        f.model_copy(update={"severity": Severity.WARNING}) if f.severity is Severity.ERROR else f
        for f in findings
    ]
    scheduled.append(
        Finding(
            code=BREAKING_CHANGE_SCHEDULED,
            severity=Severity.INFO,
            message=(
                f"Breaking change accepted with notice: version {product.version} becomes "
                f"current on {effective_at.date().isoformat()}."
            ),
            path="data_product.effective_date",
        )
    )
    return CompatibilityOutcome(CheckStatus.SCHEDULED, scheduled, effective_at)


def check_registration(
    registration: Registration,
    history: Mapping[str, Sequence[SchemaVersion]],
    now: datetime | None = None,
) -> CheckResult:
    """The compatibility CheckResult of a registration, given the product's accepted history."""
    return run_check(
        registration,
        CHECK_NAME,
        lambda product: check_product(product, history, registration.submitted_at).as_tuple(),
        now,
    )
