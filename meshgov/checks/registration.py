"""Running one registration-time check on a Registration event, whatever the check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from meshgov import __version__
from meshgov.models import ids
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import CheckResult, CheckStatus, Finding, Registration
from meshgov.models.loading import DescriptorError, parse_descriptor

INVALID_DESCRIPTOR = "INVALID_DESCRIPTOR"


def descriptor_findings(error: DescriptorError) -> list[Finding]:
    return [
        Finding(
            code=INVALID_DESCRIPTOR,
            message=str(problem),
            path=problem.path or None,
            details={"line": str(problem.line)} if problem.line is not None else {},
        )
        for problem in error.problems
    ]


def run_check(
    registration: Registration,
    check: str,
    decide: Callable[[DataProduct], tuple[CheckStatus, list[Finding], datetime | None]],
    now: datetime | None = None,
) -> CheckResult:
    """Parse the registration's descriptor and apply `decide` to it. A descriptor that does
    not parse fails the check with one finding per problem (field, line, reason)."""
    try:
        product = parse_descriptor(registration.descriptor, registration.product).data_product
    except DescriptorError as error:
        status, findings, effective_at = CheckStatus.FAILED, descriptor_findings(error), None
    else:
        status, findings, effective_at = decide(product)
        if (origin := product.contract_origin) is not None:  # named as its team wrote it
            findings = [origin.localize(f) for f in findings]
    return CheckResult(
        result_id=ids.check_result_id(registration.registration_id, check),
        registration_id=registration.registration_id,
        product=registration.product,
        version=registration.version,
        check=check,
        status=status,
        effective_at=effective_at,
        findings=findings,
        checked_at=now or datetime.now(UTC),
        checker=f"{check}/{__version__}",
    )
