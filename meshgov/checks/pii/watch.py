"""Watching the data of accepted products: which values are leaks, and breach episodes.

A leak is PII found in a field not declared as PII, or plaintext PII in a field declared
protected (encrypted, hashed, tokenized, masked). The first leak in a field opens a PII_LEAK
breach; it is resolved once the field has been clean for the clean window. Breach ids derive
from product, port, field and the episode's start, so a replay yields the same breach."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from meshgov.checks.breaches import Owner, instant, millis
from meshgov.checks.pii.masking import evidence
from meshgov.checks.pii.scan import flatten
from meshgov.models import ids
from meshgov.models.descriptor import DataProduct, FieldClassification, PiiClass, Protection
from meshgov.models.events import BreachKind, BreachState, SlaBreach
from meshgov.models.policy import GlobalPolicy


@dataclass(frozen=True)
class Leak:
    port: str
    field: str
    pii: PiiClass
    evidence: str  # masked
    expected: str


def port_declarations(product: DataProduct) -> dict[str, dict[str, Any]]:
    """What the watcher needs per port, as JSON: topic and field declarations."""
    return {
        port.name: {
            "topic": port.kafka_topic,
            "fields": {path: c.model_dump(mode="json") for path, c in port.fields.items()},
        }
        for port in product.output_ports
        if port.name is not None
    }


def find_leaks(
    product: str,
    port: str,
    declared: Mapping[str, Mapping[str, Any]],
    record: Mapping[str, Any],
    policy: GlobalPolicy,
) -> list[Leak]:
    leaks = []
    for path, text in flatten(record):
        found = evidence(text, path)
        if not found or policy.pii.exception_for(product, port, path) is not None:
            continue
        pii, masked = next(iter(found.items()))
        classification = declared.get(path)
        if classification is None:
            expected = "no PII (the field is not classified)"
        else:
            declaration = FieldClassification.model_validate(classification)
            if declaration.pii is None:
                expected = "no PII (declared pii: none)"
            elif declaration.protection is Protection.NONE:
                continue  # declared, unprotected PII is refused at registration
            else:
                expected = f"{declaration.pii.value} {declaration.protection.value}, not plaintext"
        leaks.append(Leak(port, path, pii, masked, expected))
    return leaks


def observe(
    episodes: dict[str, dict[str, Any]], owner: Owner, leaks: Iterable[Leak], at: datetime
) -> list[SlaBreach]:
    """Record leaks seen at `at` in `episodes` (keyed port/field, JSON-serialisable); return
    the breaches that open now. A field already in an open episode only refreshes it."""
    opened = []
    for leak in leaks:
        key = f"{leak.port}/{leak.field}"
        episode = episodes.get(key)
        if episode is not None:
            episode["last_seen_ms"] = max(episode["last_seen_ms"], millis(at))
            continue
        episodes[key] = {
            "port": leak.port,
            "field": leak.field,
            "pii": leak.pii.value,
            "evidence": leak.evidence,
            "expected": leak.expected,
            "opened_ms": millis(at),
            "last_seen_ms": millis(at),
        }
        opened.append(_breach(owner, episodes[key], BreachState.OPEN, at))
    return opened


def resolve_clean(
    episodes: dict[str, dict[str, Any]], owner: Owner, now: datetime, clean_window: timedelta
) -> list[SlaBreach]:
    """Close the episodes whose field has been clean for `clean_window`."""
    resolved = []
    for key in list(episodes):
        episode = episodes[key]
        last_seen = instant(episode["last_seen_ms"])
        if now - last_seen >= clean_window:
            resolved.append(_breach(owner, episode, BreachState.RESOLVED, now))
            del episodes[key]
    return resolved


def _breach(
    owner: Owner, episode: Mapping[str, Any], state: BreachState, at: datetime
) -> SlaBreach:
    opened_at = instant(episode["opened_ms"])
    episode_id = opened_at.isoformat()
    resolved = state is BreachState.RESOLVED
    return SlaBreach(
        breach_id=ids.breach_id(
            owner.product, episode["port"], BreachKind.PII_LEAK.value, episode["field"], episode_id
        ),
        product=owner.product,
        port=episode["port"],
        kind=BreachKind.PII_LEAK,
        state=state,
        episode=episode_id,
        field=episode["field"],
        expected=episode["expected"],
        observed=(
            f"no {episode['pii']} since {instant(episode['last_seen_ms']).isoformat()}"
            if resolved
            else f"plaintext {episode['pii']} values"
        ),
        owner=owner.owner,
        domain=owner.domain,
        opened_at=opened_at,
        resolved_at=at if resolved else None,
        detected_at=at,
        evidence=episode["evidence"],
        details={"pii": episode["pii"]},
    )
