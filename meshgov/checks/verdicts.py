"""Joining the checks' results of one registration into its one verdict.

REJECTED if any required check failed or stayed silent past the timeout (fail closed);
SCHEDULED if a breaking change was accepted with notice; ACCEPTED_WITH_WARNINGS; ACCEPTED."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from meshgov.models import ids
from meshgov.models.events import (
    CheckOutcome,
    CheckResult,
    CheckStatus,
    Decision,
    Finding,
    Registration,
    Verdict,
)

CHECK_TIMED_OUT = "CHECK_TIMED_OUT"


def _timed_out(check: str, timeout: timedelta) -> CheckOutcome:
    seconds = f"{timeout.total_seconds():.0f} s"
    message = (
        f"The {check} check did not answer within {seconds}, so the registration is rejected "
        f"(meshgov fails closed). Submit it again once the {check} processor runs."
    )
    finding = Finding(code=CHECK_TIMED_OUT, message=message, details={"check": check})
    return CheckOutcome(check=check, status=CheckStatus.FAILED, findings=[finding])


def decide(
    registration: Registration,
    results: Mapping[str, CheckResult],
    required: Sequence[str],
    first_seen: datetime,
    now: datetime,
    timeout: timedelta,
) -> Verdict | None:
    """The verdict once every required check answered, or once `timeout` has passed since
    the registration was first seen; None while waiting."""
    missing = [check for check in required if check not in results]
    if missing and now - first_seen < timeout:
        return None
    outcomes = [
        _timed_out(check, timeout)
        if (result := results.get(check)) is None
        else CheckOutcome(check=check, status=result.status, findings=result.findings)
        for check in required
    ]
    statuses = {outcome.status for outcome in outcomes}
    effective_at = None
    if CheckStatus.FAILED in statuses:
        decision = Decision.REJECTED
    elif CheckStatus.SCHEDULED in statuses:
        decision = Decision.SCHEDULED
        effective_at = max(
            (r.effective_at for r in results.values() if r.effective_at is not None), default=None
        )
    elif CheckStatus.PASSED_WITH_WARNINGS in statuses:
        decision = Decision.ACCEPTED_WITH_WARNINGS
    else:
        decision = Decision.ACCEPTED
    return Verdict(
        verdict_id=ids.verdict_id(registration.registration_id),
        registration_id=registration.registration_id,
        product=registration.product,
        version=registration.version,
        domain=registration.domain,
        owner=registration.owner,
        submitted_by=registration.submitted_by,
        decision=decision,
        effective_at=effective_at,
        checks=outcomes,
        descriptor=registration.descriptor,
        submitted_at=registration.submitted_at,
        decided_at=now,
        latency_ms=max(0, int((now - registration.submitted_at).total_seconds() * 1000)),
    )
