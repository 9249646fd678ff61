"""Joining the checks' results of one registration into its verdict.

REJECTED if any required check failed; SCHEDULED if a breaking change was accepted with
notice; ACCEPTED_WITH_WARNINGS; ACCEPTED. A required check silent past the timeout is the
platform's problem, never the submitter's: unless what did answer already rejects it, the
registration is UNDECIDED (neither accepted nor rejected), naming the silent checks, and
decided for good once they answer."""

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

CHECK_SILENT = "CHECK_SILENT"


def _silent(check: str, timeout: timedelta) -> CheckOutcome:
    seconds = f"{timeout.total_seconds():.0f} s"
    message = (
        f"The {check} check has not answered within {seconds}: the registration is "
        f"undecided, neither accepted nor rejected, and is decided as soon as the {check} "
        f"processor answers. Nothing to do for the submitter."
    )
    finding = Finding(code=CHECK_SILENT, message=message, details={"check": check})
    return CheckOutcome(check=check, status=CheckStatus.PENDING, findings=[finding])


def decide(
    registration: Registration,
    results: Mapping[str, CheckResult],
    required: Sequence[str],
    first_seen: datetime,
    now: datetime,
    timeout: timedelta,
) -> Verdict | None:
    """The verdict once every required check answered; an UNDECIDED one once `timeout` has
    passed since the registration was first seen with a check still silent; None while
    waiting."""
    missing = [check for check in required if check not in results]
    if missing and now - first_seen < timeout:
        return None
    outcomes = [
        _silent(check, timeout)
        if (result := results.get(check)) is None
        else CheckOutcome(check=check, status=result.status, findings=result.findings)
        for check in required
    ]
    statuses = {outcome.status for outcome in outcomes}
    effective_at = None
    if CheckStatus.FAILED in statuses:
        decision = Decision.REJECTED  # on what answered: a silent check cannot change that
    elif missing:
        decision = Decision.UNDECIDED
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
        verdict_id=(ids.undecided_verdict_id if decision is Decision.UNDECIDED else ids.verdict_id)(
            registration.registration_id
        ),
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
