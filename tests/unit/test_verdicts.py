from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meshgov.checks.verdicts import decide
from meshgov.models import ids
from meshgov.models.events import (
    CheckResult,
    CheckStatus,
    Decision,
    Finding,
    Registration,
    Severity,
)

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
REGISTRATION = Registration(
    registration_id="r-1",
    product="orders",
    version="1.0.0",
    domain="orders",
    owner="orders-team@company.com",
    descriptor="data_product: {}",
    submitted_by="ci",
    submitted_at=T0,
)
REQUIRED = ("compatibility", "pii")
TIMEOUT = timedelta(seconds=30)


def result(check: str, status: CheckStatus, effective: datetime | None = None) -> CheckResult:
    finding = Finding(code=f"{check.upper()}_NOTE", severity=Severity.WARNING, message="m")
    return CheckResult(
        result_id=ids.check_result_id("r-1", check),
        registration_id="r-1",
        product="orders",
        version="1.0.0",
        check=check,
        status=status,
        effective_at=effective,
        findings=[finding] if status is not CheckStatus.PASSED else [],
        checked_at=T0,
        checker=f"{check}/test",
    )


def test_waits_until_every_required_check_answered() -> None:
    partial = {"compatibility": result("compatibility", CheckStatus.PASSED)}
    assert decide(REGISTRATION, partial, REQUIRED, T0, T0 + timedelta(seconds=5), TIMEOUT) is None


@pytest.mark.parametrize(
    ("statuses", "decision"),
    [
        ((CheckStatus.PASSED, CheckStatus.PASSED), Decision.ACCEPTED),
        ((CheckStatus.PASSED, CheckStatus.PASSED_WITH_WARNINGS), Decision.ACCEPTED_WITH_WARNINGS),
        ((CheckStatus.SCHEDULED, CheckStatus.PASSED_WITH_WARNINGS), Decision.SCHEDULED),
        ((CheckStatus.SCHEDULED, CheckStatus.FAILED), Decision.REJECTED),
        ((CheckStatus.FAILED, CheckStatus.PASSED), Decision.REJECTED),
    ],
)
def test_decision(statuses: tuple[CheckStatus, CheckStatus], decision: Decision) -> None:
    effective = T0 + timedelta(days=31)
    results = {
        check: result(check, status, effective if status is CheckStatus.SCHEDULED else None)
        for check, status in zip(REQUIRED, statuses, strict=True)
    }
    verdict = decide(REGISTRATION, results, REQUIRED, T0, T0 + timedelta(seconds=2), TIMEOUT)
    assert verdict is not None
    assert verdict.decision is decision
    assert verdict.verdict_id == ids.verdict_id("r-1")
    assert [c.check for c in verdict.checks] == list(REQUIRED)
    assert verdict.latency_ms == 2000
    assert verdict.effective_at == (effective if decision is Decision.SCHEDULED else None)


def test_a_silent_check_leaves_the_registration_undecided_never_rejected() -> None:
    partial = {"compatibility": result("compatibility", CheckStatus.PASSED)}
    assert decide(REGISTRATION, partial, REQUIRED, T0, T0 + TIMEOUT / 2, TIMEOUT) is None
    verdict = decide(REGISTRATION, partial, REQUIRED, T0, T0 + TIMEOUT, TIMEOUT)
    assert verdict is not None
    assert verdict.decision is Decision.UNDECIDED
    assert verdict.verdict_id == ids.undecided_verdict_id("r-1") != ids.verdict_id("r-1")
    silent = verdict.checks[1]
    assert (silent.check, silent.status, silent.findings[0].code) == (
        "pii",
        CheckStatus.PENDING,
        "CHECK_SILENT",
    )
    assert "The pii check has not answered within 30 s" in silent.findings[0].message


def test_a_failure_among_the_answers_rejects_even_with_a_check_silent() -> None:
    partial = {"compatibility": result("compatibility", CheckStatus.FAILED)}
    verdict = decide(REGISTRATION, partial, REQUIRED, T0, T0 + TIMEOUT, TIMEOUT)
    assert verdict is not None
    assert (verdict.decision, verdict.verdict_id) == (Decision.REJECTED, ids.verdict_id("r-1"))
    assert verdict.checks[1].status is CheckStatus.PENDING


def test_checks_outside_the_required_set_are_ignored() -> None:
    results = {
        "compatibility": result("compatibility", CheckStatus.PASSED),
        "pii": result("pii", CheckStatus.PASSED),
        "experimental": result("experimental", CheckStatus.FAILED),
    }
    verdict = decide(REGISTRATION, results, REQUIRED, T0, T0, TIMEOUT)
    assert verdict is not None
    assert verdict.decision is Decision.ACCEPTED
