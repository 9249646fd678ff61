"""A searchable view of all catalog entries, as readers build it from mesh.catalog."""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.models.events import CatalogEntry


class CatalogView:
    def __init__(self, entries: Iterable[CatalogEntry] = ()) -> None:
        self.entries: dict[str, CatalogEntry] = {}
        for entry in entries:
            self.put(entry)

    def put(self, entry: CatalogEntry) -> None:
        self.entries[entry.product] = entry

    def remove(self, product: str) -> None:
        self.entries.pop(product, None)

    def get(self, product: str) -> CatalogEntry | None:
        return self.entries.get(product)

    def search(
        self,
        text: str | None = None,
        domain: str | None = None,
        owner: str | None = None,
        tag: str | None = None,
    ) -> list[CatalogEntry]:
        words = (text or "").casefold().split()
        found = []
        for entry in self.entries.values():
            haystack = " ".join(
                [entry.product, entry.description, entry.domain, *entry.tags]
            ).casefold()
            if words and not all(word in haystack for word in words):
                continue
            if domain and entry.domain != domain:
                continue
            if owner and entry.owner != owner:
                continue
            if tag and tag not in entry.tags:
                continue
            found.append(entry)
        return sorted(found, key=lambda e: e.product)

    def lineage(self, product: str, upstream: bool) -> list[str]:
        """Every product reached by following upstream (or downstream) links, nearest first."""
        seen: list[str] = []
        frontier = [product]
        while frontier:
            following = []
            for name in frontier:
                entry = self.entries.get(name)
                if entry is None:
                    continue
                for neighbour in entry.upstream if upstream else entry.downstream:
                    if neighbour != product and neighbour not in seen:
                        seen.append(neighbour)
                        following.append(neighbour)
            frontier = following
        return seen
