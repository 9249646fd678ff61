"""What people are told, from mesh events (pure): a breach to its product's owner, and to
the owners of the products that read it (its consumers, from the catalog's lineage); a
breaking change SCHEDULED with notice to those consumers, so the notice period reaches the
people it protects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from meshgov.models.events import (
    BreachState,
    CatalogEntry,
    Decision,
    Event,
    SlaBreach,
    Verdict,
)

SCHEDULED_CHANGE = "SCHEDULED_CHANGE"


@dataclass(frozen=True)
class Notification:
    key: str  # unique per event and audience: what a receiver gets at most once
    dedup_key: str  # the same for an incident's trigger and its resolve (PagerDuty)
    action: Literal["trigger", "resolve", "notice"]
    kind: str  # the breach kind, or SCHEDULED_CHANGE
    audience: Literal["owner", "consumer"]
    product: str  # whose owner is told
    domain: str
    owner: str
    about: str  # the product the event is about (an upstream, for a consumer)
    summary: str
    at: datetime
    details: dict[str, str] = field(default_factory=dict)


def notifications(
    event: Event, catalog: Mapping[str, CatalogEntry], notify_consumers: bool = True
) -> list[Notification]:
    if isinstance(event, SlaBreach):
        return _breach(event, catalog, notify_consumers)
    if isinstance(event, Verdict) and event.decision is Decision.SCHEDULED and notify_consumers:
        return _scheduled(event, catalog)
    return []


def _consumers(product: str, catalog: Mapping[str, CatalogEntry]) -> list[CatalogEntry]:
    entry = catalog.get(product)
    if entry is None:
        return []
    return [catalog[name] for name in sorted(set(entry.downstream)) if name in catalog]


def _breach(
    breach: SlaBreach, catalog: Mapping[str, CatalogEntry], notify_consumers: bool
) -> list[Notification]:
    opened = breach.state is BreachState.OPEN
    where = f"{breach.product}/{breach.port}" if breach.port else breach.product
    verb = "breached" if opened else "recovered"
    what = (
        f"{breach.kind.value} {verb} on {where}: expected {breach.expected}, "
        f"observed {breach.observed}"
    )
    details = {
        "breach_id": breach.breach_id,
        "state": breach.state.value,
        "kind": breach.kind.value,
        **({"port": breach.port} if breach.port else {}),
        **({"rule": breach.rule} if breach.rule else {}),
        **({"field": breach.field} if breach.field else {}),
        "expected": breach.expected,
        "observed": breach.observed,
    }
    at = breach.opened_at if opened else (breach.resolved_at or breach.detected_at)
    found = [
        Notification(
            key=f"{breach.breach_id}/{breach.state.value}/owner",
            dedup_key=breach.breach_id,
            action="trigger" if opened else "resolve",
            kind=breach.kind.value,
            audience="owner",
            product=breach.product,
            domain=breach.domain,
            owner=breach.owner,
            about=breach.product,
            summary=what,
            at=at,
            details=details,
        )
    ]
    if notify_consumers:
        for consumer in _consumers(breach.product, catalog):
            found.append(
                Notification(
                    key=f"{breach.breach_id}/{breach.state.value}/{consumer.product}",
                    dedup_key=f"{breach.breach_id}/{consumer.product}",
                    action="trigger" if opened else "resolve",
                    kind=breach.kind.value,
                    audience="consumer",
                    product=consumer.product,
                    domain=consumer.domain,
                    owner=consumer.owner,
                    about=breach.product,
                    summary=f"{consumer.product} reads {breach.product}, which {verb}: {what}",
                    at=at,
                    details={**details, "upstream": breach.product},
                )
            )
    return found


def _scheduled(verdict: Verdict, catalog: Mapping[str, CatalogEntry]) -> list[Notification]:
    when = f"{verdict.effective_at:%Y-%m-%d %H:%M} UTC" if verdict.effective_at else "soon"
    found = []
    for consumer in _consumers(verdict.product, catalog):
        found.append(
            Notification(
                key=f"{verdict.verdict_id}/{consumer.product}",
                dedup_key=f"{verdict.verdict_id}/{consumer.product}",
                action="notice",
                kind=SCHEDULED_CHANGE,
                audience="consumer",
                product=consumer.product,
                domain=consumer.domain,
                owner=consumer.owner,
                about=verdict.product,
                summary=(
                    f"{verdict.product} {verdict.version} changes incompatibly on {when}; "
                    f"{consumer.product} reads it: adapt before then"
                ),
                at=verdict.decided_at,
                details={
                    "upstream": verdict.product,
                    "version": verdict.version,
                    "effective_at": verdict.effective_at.isoformat()
                    if verdict.effective_at
                    else "",
                    "verdict_id": verdict.verdict_id,
                },
            )
        )
    return found
