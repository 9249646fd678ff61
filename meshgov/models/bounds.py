"""Every event meshgov emits has a bounded size.

A registration can yield thousands of findings (a descriptor with 7,000 quality rules gave a
1.17 MB verdict, above the broker's default 1 MiB limit): such an event is written with its
findings cut to fit, and a last finding per check that says how many were left out and where
to find them all (`meshgov check` on the registration's descriptor). Never dropped."""

from __future__ import annotations

from meshgov.models.events import (
    CheckOutcome,
    CheckResult,
    Decision,
    Event,
    Finding,
    Severity,
    Verdict,
)

MAX_EVENT_BYTES = 900_000  # below the broker's default max.message.bytes, room for framing
FINDINGS_TRUNCATED = "FINDINGS_TRUNCATED"


class EventTooLargeError(ValueError):
    """An event that cannot be brought under the limit by cutting findings."""


def _size(event: Event) -> int:
    # JSON is larger than the Avro binary written, so within it is within the limit.
    return len(event.model_dump_json())


def _cut(findings: list[Finding], budget: int, registration_id: str) -> list[Finding]:
    kept: list[Finding] = []
    used = 0
    for finding in findings:
        cost = len(finding.model_dump_json()) + 1
        if used + cost > budget:
            break
        kept.append(finding)
        used += cost
    omitted = len(findings) - len(kept)
    if omitted:
        kept.append(
            Finding(
                code=FINDINGS_TRUNCATED,
                severity=Severity.INFO,
                message=f"{omitted} more findings left out to keep the event under "
                f"{MAX_EVENT_BYTES} bytes; `meshgov check` on the descriptor of registration "
                f"{registration_id} lists them all",
                details={"omitted": str(omitted), "registration_id": registration_id},
            )
        )
    return kept


def bounded(event: Event, limit: int = MAX_EVENT_BYTES) -> Event:
    """`event` itself when within `limit` bytes, else the same with its findings cut."""
    if _size(event) <= limit:
        return event
    if isinstance(event, CheckResult):
        bare = event.model_copy(update={"findings": []})
        budget = limit - _size(bare) - 1_000
        cut = _cut(event.findings, budget, event.registration_id)
        return _checked(event.model_copy(update={"findings": cut}), limit)
    if isinstance(event, Verdict):
        stripped = event.model_copy(
            update={"checks": [c.model_copy(update={"findings": []}) for c in event.checks]}
        )
        budget = (limit - _size(stripped)) // max(1, len(event.checks)) - 1_000
        checks = [
            CheckOutcome(
                check=c.check,
                status=c.status,
                findings=_cut(c.findings, budget, event.registration_id),
            )
            for c in event.checks
        ]
        verdict = event.model_copy(update={"checks": checks})
        if _size(verdict) > limit and verdict.decision is Decision.REJECTED:
            # Only an accepted verdict's descriptor is read downstream (history, catalog).
            text = verdict.descriptor
            kept = text[: limit // 4]
            note = f"\n# ... {len(text) - len(kept)} more characters left out of this verdict\n"
            verdict = verdict.model_copy(update={"descriptor": kept + note})
        return _checked(verdict, limit)
    return _checked(event, limit)


def _checked(event: Event, limit: int) -> Event:
    if _size(event) > limit:
        raise EventTooLargeError(
            f"a {type(event).__name__} of {_size(event)} bytes even with its findings cut "
            f"(the limit is {limit})"
        )
    return event
