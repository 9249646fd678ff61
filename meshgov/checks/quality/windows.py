"""Adding up one window of a streaming port from the parts its partitions' readers counted.

Each partition's reader counts the window for its partition and reports a part; the
product's stream adds the parts up and judges the window once: when every partition has
reported, or when it has waited `settle` for the rest (a partition without records in the
window never reports). Row and null counts add up exactly; distinct counts add up too,
which is exact for a unique column that is (or decides) the record key, since equal keys
share a partition."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from meshgov.checks.quality.stats import WINDOW, ColumnFigures, Figures
from meshgov.models.events import Millis

JUDGED_KEPT = 64  # windows remembered per port as judged, so their late parts are dropped


class Part(BaseModel):
    model_config = ConfigDict(frozen=True)

    partition: int
    first_offset: int
    last_offset: int
    rows: int
    violations: int
    columns: dict[str, tuple[int, int | None]]  # column -> (nulls, distinct if counted)

    def overlaps(self, other: Part) -> bool:
        return (
            self.partition == other.partition
            and self.first_offset <= other.last_offset
            and other.first_offset <= self.last_offset
        )


class PendingWindow(BaseModel):
    model_config = ConfigDict(frozen=True)

    port: str
    start: Millis
    end: Millis
    partitions: int  # of the port's topic; 0: not known, so only `due` completes it
    due: Millis
    parts: tuple[Part, ...] = ()

    def add(self, part: Part) -> PendingWindow:
        """A part that overlaps parts of its partition is records read again (after a
        restart or a rebalance): it replaces them only if it covers them from their start
        and reaches further, else they are kept. A disjoint part is more records of the
        window (running late) and adds up."""
        overlapping = [p for p in self.parts if p.overlaps(part)]
        if overlapping and (
            max(p.last_offset for p in overlapping) >= part.last_offset
            or min(p.first_offset for p in overlapping) < part.first_offset
        ):
            return self
        kept = tuple(p for p in self.parts if not p.overlaps(part))
        return self.model_copy(update={"parts": (*kept, part)})

    @property
    def complete(self) -> bool:
        reported = {part.partition for part in self.parts}
        return self.partitions > 0 and reported >= set(range(self.partitions))

    @property
    def violations(self) -> int:
        return sum(part.violations for part in self.parts)

    def figures(self) -> Figures:
        nulls: dict[str, int] = {}
        distinct: dict[str, int | None] = {}
        for part in self.parts:
            for column, (part_nulls, part_distinct) in part.columns.items():
                nulls[column] = nulls.get(column, 0) + part_nulls
                if part_distinct is None or distinct.get(column, 0) is None:
                    distinct[column] = None
                else:
                    distinct[column] = (distinct.get(column) or 0) + part_distinct
        return Figures(
            WINDOW,
            sum(part.rows for part in self.parts),
            {column: ColumnFigures(nulls[column], distinct[column]) for column in nulls},
        )


def window_key(port: str, start: datetime) -> str:
    return f"{port}@{int(start.timestamp() * 1000)}"
