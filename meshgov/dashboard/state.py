"""What the dashboard knows of the mesh, built from the events it reads. Pure.

Each event becomes a JSON-ready message ({"type": "verdict"|"breach"|"catalog", "data"})
for the live stream, and updates the overview and per-product history."""

from __future__ import annotations

from collections import deque
from typing import Any

from meshgov.catalog.view import CatalogView
from meshgov.models.events import CatalogEntry, Event, SlaBreach, Verdict

RECENT = 500  # events kept for a page that opens now
PER_PRODUCT = 200


class MeshState:
    def __init__(self) -> None:
        self.catalog = CatalogView()
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.verdicts: dict[str, deque[dict[str, Any]]] = {}
        self.breaches: dict[str, deque[dict[str, Any]]] = {}
        self._seen: set[str] = set()

    def apply(self, event: Event) -> dict[str, Any] | None:
        """The stream message for `event`, or None for one already seen (a re-emitted
        event after a processor restart has the same id)."""
        if isinstance(event, Verdict):
            key = f"verdict/{event.verdict_id}"
            data = event.model_dump(mode="json")
            history = self.verdicts
            kind = "verdict"
        elif isinstance(event, SlaBreach):
            key = f"breach/{event.breach_id}/{event.state.value}"
            data = event.model_dump(mode="json")
            history = self.breaches
            kind = "breach"
        elif isinstance(event, CatalogEntry):
            self.catalog.put(event)
            return {"type": "catalog", "data": overview_row(event)}
        else:
            return None
        if key in self._seen:
            return None
        self._seen.add(key)
        history.setdefault(event.product, deque(maxlen=PER_PRODUCT)).append(data)
        message = {"type": kind, "data": data}
        self.recent.append(message)
        return message

    def overview(self) -> list[dict[str, Any]]:
        return [overview_row(entry) for entry in self.catalog.search()]

    def product(self, name: str) -> dict[str, Any] | None:
        entry = self.catalog.get(name)
        verdicts = list(self.verdicts.get(name, ()))
        if entry is None and not verdicts:
            return None
        return {
            "entry": None if entry is None else entry.model_dump(mode="json"),
            "verdicts": verdicts,
            "breaches": list(self.breaches.get(name, ())),
            "lineage": {
                "upstream": self.catalog.lineage(name, upstream=True) if entry else [],
                "downstream": self.catalog.lineage(name, upstream=False) if entry else [],
            },
        }


def overview_row(entry: CatalogEntry) -> dict[str, Any]:
    return {
        "product": entry.product,
        "domain": entry.domain,
        "owner": entry.owner,
        "status": entry.status.value,
        "version": entry.current_version,
        "health": entry.health.value,
        "open_breaches": [b.model_dump(mode="json") for b in entry.open_breaches],
        "error_budget_remaining": entry.error_budget_remaining,
        "upstream": entry.upstream,
        "downstream": entry.downstream,
        "updated_at": entry.updated_at.isoformat(),
    }
