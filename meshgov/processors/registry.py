"""Every stream processor by name: what `meshgov run`, `meshgov up` and the supervisor
start."""

from __future__ import annotations

from typing import Any

from meshgov.processors import (
    catalog,
    compatibility,
    freshness,
    pii,
    policy,
    quality,
    subjects,
    verdicts,
)
from meshgov.processors.spec import Processor

PROCESSORS: dict[str, Processor[Any]] = {
    p.name: p
    for p in (
        compatibility.PROCESSOR,
        pii.PROCESSOR,
        policy.PROCESSOR,
        freshness.PROCESSOR,
        quality.PROCESSOR,
        verdicts.PROCESSOR,
        catalog.PROCESSOR,
        subjects.PROCESSOR,
    )
}


def processor(name: str) -> Processor[Any]:
    try:
        return PROCESSORS[name]
    except KeyError:
        raise KeyError(f"no processor named {name!r} (known: {', '.join(PROCESSORS)})") from None
