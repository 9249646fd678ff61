"""Drift: a version of a governed subject that meshgov did not register (someone wrote to
the Schema Registry directly) is an UNGOVERNED_SCHEMA breach to the product's owner, open
while the version stays and its schema is not an accepted one. Pure: the subjects processor
feeds it what it registered and what a look at the registry found.

A version is reported only once it has been unaccounted for during DRIFT_GRACE, counted from
when the handler first saw it: after a restart the look at the registry may be handled
before the verdict that registered the version is handled again. Only subjects meshgov has
registered something in are judged (state kept from before drift detection existed knows
none: nothing is reported for them until their next accepted version). A subject being
adopted (`meshgov import registry`) announces its versions first: they are expected, not
drift, until the adoption's deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from meshgov.checks import breaches
from meshgov.checks.breaches import Owner
from meshgov.models.events import BreachKind, Millis, SlaBreach
from meshgov.processors.signals import AdoptionPlan, SubjectVersions
from meshgov.registry.governance import SubjectAction

DRIFT_GRACE = timedelta(seconds=15)


class Unaccounted(BaseModel):
    subject: str
    version: int
    schema_id: int
    fingerprint: str
    first_seen: Millis


class Drift(BaseModel):
    accepted: dict[str, list[str]] = {}  # subject -> fingerprints meshgov registered
    ports: dict[str, str | None] = {}  # subject -> its port
    unaccounted: dict[str, Unaccounted] = {}  # by "subject/version"
    drifted: dict[str, dict[str, Any]] = {}  # open breach episodes by "subject/version"
    expected: dict[str, tuple[list[str], Millis]] = {}  # subject -> (fingerprints, until)


def governed(
    drift: Drift, actions: list[SubjectAction], owner: Owner, now: datetime
) -> tuple[Drift, list[SlaBreach]]:
    """`actions` were registered by meshgov: their schemas are accounted for, and a drifted
    version holding one of them is governed now."""
    accepted = {s: list(f) for s, f in drift.accepted.items()}
    ports = dict(drift.ports)
    for action in actions:
        known = accepted.setdefault(action.subject, [])
        if action.fingerprint not in known:
            known.append(action.fingerprint)
        ports[action.subject] = action.port
    updated = drift.model_copy(update={"accepted": accepted, "ports": ports})
    return _settle(updated, owner, now, {})


def planned(drift: Drift, plan: AdoptionPlan) -> Drift:
    expected = {**drift.expected, plan.subject: (list(plan.fingerprints), plan.until)}
    return drift.model_copy(update={"expected": expected})


def observed(
    drift: Drift, signal: SubjectVersions, owner: Owner, now: datetime
) -> tuple[Drift, list[SlaBreach]]:
    """What the registry held in `signal.subject` at `signal.at`, handled `now`."""
    if signal.subject not in drift.accepted:
        return drift, []
    at = max(signal.at, now)
    unaccounted = {k: u for k, u in drift.unaccounted.items() if u.subject != signal.subject}
    current = {}
    for seen in signal.versions:
        key = f"{signal.subject}/{seen.version}"
        current[key] = seen.fingerprint
        if seen.fingerprint in drift.accepted.get(signal.subject, ()) or key in drift.drifted:
            continue
        earlier = drift.unaccounted.get(key)
        unaccounted[key] = Unaccounted(
            subject=signal.subject,
            version=seen.version,
            schema_id=seen.schema_id,
            fingerprint=seen.fingerprint,
            first_seen=earlier.first_seen if earlier else at,
        )
    gone = {
        key: "deleted from the registry"
        for key, state in drift.drifted.items()
        if state["details"]["subject"] == signal.subject and key not in current
    }
    return _settle(drift.model_copy(update={"unaccounted": unaccounted}), owner, at, gone)


def due(drift: Drift, owner: Owner, now: datetime) -> tuple[Drift, list[SlaBreach]]:
    return _settle(drift, owner, now, {})


def next_due(drift: Drift) -> datetime | None:
    """When an unaccounted version is to be judged: after its grace, or after the deadline
    of the adoption that expects it."""
    times = []
    for seen in drift.unaccounted.values():
        due = seen.first_seen + DRIFT_GRACE
        coming, until = drift.expected.get(seen.subject, ([], due))
        times.append(max(due, until) if seen.fingerprint in coming else due)
    return min(times, default=None)


def _settle(
    drift: Drift, owner: Owner, now: datetime, gone: dict[str, str]
) -> tuple[Drift, list[SlaBreach]]:
    events: list[SlaBreach] = []
    drifted = dict(drift.drifted)
    for key, state in drift.drifted.items():
        subject = state["details"]["subject"]
        reason = gone.get(key)
        if reason is None and state["details"]["fingerprint"] in drift.accepted.get(subject, ()):
            reason = "its schema was accepted by meshgov since"
        if reason is not None:
            del drifted[key]
            observed = f"version {state['details']['version']} of {subject} {reason}"
            events.append(breaches.resolved(owner, state, observed, now, now))
    expected = {s: e for s, e in drift.expected.items() if e[1] > now}
    unaccounted = {}
    for key, seen in drift.unaccounted.items():
        if seen.fingerprint in drift.accepted.get(seen.subject, ()):
            continue
        coming = expected.get(seen.subject, ([], now))[0]
        if now - seen.first_seen < DRIFT_GRACE or seen.fingerprint in coming:
            unaccounted[key] = seen
            continue
        state = breaches.episode(
            BreachKind.UNGOVERNED_SCHEMA,
            drift.ports.get(seen.subject),
            key,
            expected=(
                f"only schemas accepted by meshgov in {seen.subject} (producers serialize "
                f"with auto.register.schemas=false)"
            ),
            observed=(
                f"version {seen.version} of {seen.subject} (schema id {seen.schema_id}) was "
                f"registered outside meshgov: its schema is not an accepted version of "
                f"{owner.product}"
            ),
            opened_at=now,
            details={
                "subject": seen.subject,
                "version": str(seen.version),
                "schema_id": str(seen.schema_id),
                "fingerprint": seen.fingerprint,
            },
        )
        drifted[key] = state
        events.append(breaches.opened(owner, state, now))
    update = {"unaccounted": unaccounted, "drifted": drifted, "expected": expected}
    return drift.model_copy(update=update), events
