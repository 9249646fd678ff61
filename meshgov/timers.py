"""A deadline queue: when each of many keys is next due, in one heap.

A worker tracking 100,000 products keeps one entry per product here rather than one task
or timer each. Rescheduling a key pushes a new entry; the old one is skipped when popped
(lazy deletion), so every operation is O(log n)."""

from __future__ import annotations

import heapq


class DeadlineQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, str]] = []
        self._due: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, key: str, due_ms: int | None) -> None:
        """Make `key` due at `due_ms`, or never if None."""
        if due_ms is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == due_ms:
            return
        self._due[key] = due_ms
        heapq.heappush(self._heap, (due_ms, key))
        if len(self._heap) > 2 * len(self._due) + 1024:
            self._compact()

    def due_at(self, key: str) -> int | None:
        return self._due.get(key)

    def next_due(self) -> int | None:
        """The earliest due time, or None when nothing is scheduled."""
        while self._heap:
            due_ms, key = self._heap[0]
            if self._due.get(key) == due_ms:
                return due_ms
            heapq.heappop(self._heap)
        return None

    def pop_due(self, now_ms: int) -> list[str]:
        """The keys due at or before `now_ms`, earliest first; they are unscheduled."""
        keys = []
        while self._heap and self._heap[0][0] <= now_ms:
            due_ms, key = heapq.heappop(self._heap)
            if self._due.get(key) == due_ms:
                del self._due[key]
                keys.append(key)
        return keys

    def clear(self) -> None:
        self._heap.clear()
        self._due.clear()

    def _compact(self) -> None:
        self._heap = [(due, key) for key, due in self._due.items()]
        heapq.heapify(self._heap)
