"""Building SlaBreach events from an episode, the state every breach check keeps.

An episode is a JSON-serialisable dict: port, kind, rule or field, episode (what identifies
the occurrence), expected, observed, deadline_ms, opened_ms and details. The breach id
derives from product, port, kind, rule or field and episode, so re-emitting an episode after
a replay or a crash yields the same id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from meshgov.models import ids
from meshgov.models.events import BreachKind, BreachState, SlaBreach


@dataclass(frozen=True)
class Owner:
    """Whom a product's breaches are routed to."""

    product: str
    owner: str
    domain: str


def instant(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def episode(
    kind: BreachKind,
    port: str | None,
    identity: str,
    expected: str,
    observed: str,
    opened_at: datetime,
    *,
    rule: str | None = None,
    field: str | None = None,
    deadline: datetime | None = None,
    details: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "port": port,
        "rule": rule,
        "field": field,
        "episode": identity,
        "expected": expected,
        "observed": observed,
        "deadline_ms": None if deadline is None else millis(deadline),
        "opened_ms": millis(opened_at),
        "details": dict(details or {}),
    }


def opened(owner: Owner, state: Mapping[str, Any], detected_at: datetime) -> SlaBreach:
    return _breach(owner, state, BreachState.OPEN, state["observed"], None, detected_at, {})


def resolved(
    owner: Owner,
    state: Mapping[str, Any],
    observed: str,
    resolved_at: datetime,
    detected_at: datetime,
    details: Mapping[str, str] | None = None,
) -> SlaBreach:
    return _breach(
        owner, state, BreachState.RESOLVED, observed, resolved_at, detected_at, details or {}
    )


def _breach(
    owner: Owner,
    state: Mapping[str, Any],
    breach_state: BreachState,
    observed: str,
    resolved_at: datetime | None,
    detected_at: datetime,
    details: Mapping[str, str],
) -> SlaBreach:
    kind = BreachKind(state["kind"])
    subject = state.get("rule") or state.get("field")
    deadline = state.get("deadline_ms")
    return SlaBreach(
        breach_id=ids.breach_id(
            owner.product, state["port"], kind.value, subject, state["episode"]
        ),
        product=owner.product,
        port=state["port"],
        kind=kind,
        state=breach_state,
        episode=state["episode"],
        rule=state.get("rule"),
        field=state.get("field"),
        expected=state["expected"],
        observed=observed,
        deadline=None if deadline is None else instant(deadline),
        owner=owner.owner,
        domain=owner.domain,
        opened_at=instant(state["opened_ms"]),
        resolved_at=resolved_at,
        detected_at=detected_at,
        details={**state.get("details", {}), **details},
    )
