"""How a product's catalog entry changes with verdicts, breaches, lineage and time. Pure.

The stored record is {"entry": CatalogEntry as JSON, "scheduled_descriptor": text or None}:
a SCHEDULED version's descriptor waits there until its effective date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshgov.models.events import (
    ACCEPTED_DECISIONS,
    ERROR_BUDGET_DETAIL,
    BreachKind,
    BreachRef,
    BreachState,
    CatalogEntry,
    Decision,
    Health,
    ProductStatus,
    SlaBreach,
    Verdict,
    VersionRecord,
)
from meshgov.models.loading import parse_descriptor

Stored = dict[str, Any]


def load(stored: Stored | None) -> tuple[CatalogEntry | None, str | None]:
    if not stored or stored.get("entry") is None:
        return None, None
    return CatalogEntry.model_validate(stored["entry"]), stored.get("scheduled_descriptor")


def dump(entry: CatalogEntry, scheduled_descriptor: str | None) -> Stored:
    return {"entry": entry.model_dump(mode="json"), "scheduled_descriptor": scheduled_descriptor}


def upstream_of(descriptor: str) -> list[str]:
    product = parse_descriptor(descriptor, "catalog").data_product
    return sorted({port.product for port in product.input_ports})


def health(open_breaches: list[BreachRef]) -> Health:
    if not open_breaches:
        return Health.HEALTHY
    if all(b.kind is BreachKind.FRESHNESS for b in open_breaches):
        return Health.LATE
    return Health.BREACHED


def apply_verdict(stored: Stored | None, verdict: Verdict) -> Stored | None:
    """The entry after an ACCEPTED or SCHEDULED verdict; None when nothing changes."""
    entry, waiting = load(stored)
    if verdict.decision not in ACCEPTED_DECISIONS:
        return None
    if entry is not None and any(
        v.registration_id == verdict.registration_id for v in entry.versions
    ):
        return None  # a replayed verdict
    record = VersionRecord(
        version=verdict.version,
        registration_id=verdict.registration_id,
        decision=verdict.decision,
        accepted_at=verdict.decided_at,
        effective_at=verdict.effective_at,
    )
    product = parse_descriptor(verdict.descriptor, verdict.product).data_product
    if verdict.decision is Decision.SCHEDULED and entry is not None:
        entry = entry.model_copy(
            update={
                "status": ProductStatus.SCHEDULED,
                "scheduled_version": verdict.version,
                "scheduled_effective_at": verdict.effective_at,
                "versions": [*entry.versions, record],
                "updated_at": verdict.decided_at,
            }
        )
        return dump(entry, verdict.descriptor)
    base = entry or CatalogEntry(
        product=verdict.product,
        domain=verdict.domain,
        owner=verdict.owner,
        status=ProductStatus.ACTIVE,
        current_version=verdict.version,
        descriptor=verdict.descriptor,
        health=Health.HEALTHY,
        updated_at=verdict.decided_at,
        # consumers accepted before this product announced themselves already
        downstream=sorted((stored or {}).get("downstream", [])),
    )
    entry = base.model_copy(
        update={
            "domain": verdict.domain,
            "owner": verdict.owner,
            "description": product.description,
            "tags": list(product.tags),
            "status": (
                ProductStatus.DEPRECATED
                if product.deprecated
                else ProductStatus.ACTIVE
                if base.scheduled_version is None
                else base.status
            ),
            "current_version": verdict.version,
            "descriptor": verdict.descriptor,
            "versions": [*base.versions, record],
            "upstream": upstream_of(verdict.descriptor),
            "updated_at": verdict.decided_at,
        }
    )
    return dump(entry, waiting)


def promote_due(stored: Stored | None, now: datetime) -> Stored | None:
    """Make a SCHEDULED version current once its date has come; None when not due."""
    entry, waiting = load(stored)
    if entry is None or entry.scheduled_effective_at is None or waiting is None:
        return None
    if now < entry.scheduled_effective_at:
        return None
    entry = entry.model_copy(
        update={
            "status": ProductStatus.ACTIVE,
            "current_version": entry.scheduled_version,
            "descriptor": waiting,
            "upstream": upstream_of(waiting),
            "scheduled_version": None,
            "scheduled_effective_at": None,
            "updated_at": now,
        }
    )
    return dump(entry, None)


def apply_breach(stored: Stored | None, breach: SlaBreach) -> Stored | None:
    entry, waiting = load(stored)
    if entry is None:
        return None
    others = [b for b in entry.open_breaches if b.breach_id != breach.breach_id]
    if breach.state is BreachState.OPEN:
        others.append(
            BreachRef(
                breach_id=breach.breach_id,
                kind=breach.kind,
                port=breach.port,
                opened_at=breach.opened_at,
            )
        )
    budget = entry.error_budget_remaining
    if (reported := breach.details.get(ERROR_BUDGET_DETAIL)) is not None:
        budget = float(reported)
    if others == entry.open_breaches and budget == entry.error_budget_remaining:
        return None
    entry = entry.model_copy(
        update={
            "open_breaches": others,
            "health": health(others),
            "error_budget_remaining": budget,
            "updated_at": breach.detected_at,
        }
    )
    return dump(entry, waiting)


def set_downstream(
    stored: Stored | None, consumer: str, consumes: bool, now: datetime
) -> Stored | None:
    """Record that `consumer` reads (or no longer reads) this product."""
    entry, waiting = load(stored)
    if entry is None:  # not accepted yet: remember until it is
        pending = set((stored or {}).get("downstream", []))
        (pending.add if consumes else pending.discard)(consumer)
        return {"entry": None, "scheduled_descriptor": None, "downstream": sorted(pending)}
    downstream = set(entry.downstream)
    (downstream.add if consumes else downstream.discard)(consumer)
    if sorted(downstream) == entry.downstream:
        return None
    entry = entry.model_copy(update={"downstream": sorted(downstream), "updated_at": now})
    return dump(entry, waiting)
