from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meshgov.codec import default_codec
from meshgov.models.bounds import FINDINGS_TRUNCATED, EventTooLargeError, bounded
from meshgov.models.events import CheckOutcome, CheckResult, CheckStatus, Decision, Finding
from tests.support.mesh import accepted, registration

NOW = datetime(2026, 11, 30, tzinfo=UTC)
LIMIT = 200_000


def findings(count: int) -> list[Finding]:
    return [
        Finding(code="QUALITY_COLUMN_UNVERIFIED", message=f"rule {i} names a column " + "x" * 80)
        for i in range(count)
    ]


def test_a_small_event_is_left_as_it_is() -> None:
    verdict = accepted(registration("data_product: {}", "p"))
    assert bounded(verdict, LIMIT) is verdict


def test_a_verdict_with_thousands_of_findings_is_cut_to_fit_and_says_so() -> None:
    verdict = accepted(registration("data_product: {}", "p"), decision=Decision.REJECTED)
    verdict = verdict.model_copy(
        update={
            "checks": [
                CheckOutcome(check="sla", status=CheckStatus.FAILED, findings=findings(7000)),
                CheckOutcome(check="pii", status=CheckStatus.PASSED),
            ]
        }
    )
    cut = bounded(verdict, LIMIT)
    assert len(default_codec().encode(cut)) <= LIMIT
    sla = cut.checks[0].findings
    assert sla[:-1] == verdict.checks[0].findings[: len(sla) - 1]
    assert sla[-1].code == FINDINGS_TRUNCATED
    assert int(sla[-1].details["omitted"]) == 7000 - (len(sla) - 1)
    assert sla[-1].details["registration_id"] == verdict.registration_id
    assert cut.checks[1].findings == []
    assert (cut.verdict_id, cut.decision) == (verdict.verdict_id, verdict.decision)


def test_a_check_result_is_cut_the_same_way() -> None:
    result = CheckResult(
        result_id="r",
        registration_id="reg",
        product="p",
        version="1.0.0",
        check="sla",
        status=CheckStatus.FAILED,
        findings=findings(7000),
        checked_at=NOW,
        checker="test",
    )
    cut = bounded(result, LIMIT)
    assert isinstance(cut, CheckResult)
    assert len(cut.model_dump_json()) <= LIMIT
    assert cut.findings[-1].code == FINDINGS_TRUNCATED


def test_a_rejected_verdict_keeps_only_part_of_a_huge_descriptor() -> None:
    reg = registration("data_product:\n  description: " + "y" * 400_000, "p")
    verdict = accepted(reg, decision=Decision.REJECTED)
    cut = bounded(verdict, LIMIT)
    assert len(cut.model_dump_json()) <= LIMIT
    assert cut.descriptor.startswith("data_product:\n  description: yyy")
    assert "more characters left out of this verdict" in cut.descriptor


def test_an_accepted_verdict_that_cannot_fit_is_an_error_not_a_silent_cut() -> None:
    reg = registration("data_product:\n  description: " + "y" * 400_000, "p")
    with pytest.raises(EventTooLargeError, match="even with its findings cut"):
        bounded(accepted(reg), LIMIT)
