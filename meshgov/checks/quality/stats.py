"""What quality rules are evaluated on: the figures of one batch output, as its producer
reported them, or of one window of streaming records, as counted from the records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meshgov.models.events import OutputPublished

OUTPUT = "output"
WINDOW = "window"


@dataclass(frozen=True)
class ColumnFigures:
    nulls: int
    distinct: int | None = None


@dataclass(frozen=True)
class Figures:
    """Row count and per-column figures; `source_rows` only for batch outputs that said."""

    origin: str  # OUTPUT or WINDOW
    rows: int
    columns: Mapping[str, ColumnFigures]
    source_rows: int | None = None


def output_figures(output: OutputPublished) -> Figures:
    return Figures(
        OUTPUT,
        output.row_count,
        {c.name: ColumnFigures(c.null_count, c.distinct_count) for c in output.columns},
        output.source_row_count,
    )


@dataclass
class WindowCounter:
    """Counts one tumbling window of a streaming port's records: rows, nulls of every
    column seen, distinct values of the columns that must be unique."""

    start: datetime
    end: datetime
    columns: frozenset[str]  # every column of the port's schema
    unique: frozenset[str]
    rows: int = 0
    nulls: dict[str, int] = field(default_factory=dict)
    values: dict[str, set[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # (column, its path parts, whether its distinct values are counted), split once
        self._paths = tuple(
            (column, tuple(column.split(".")), column in self.unique) for column in self.columns
        )

    def add(self, record: Mapping[str, Any]) -> None:
        self.rows += 1
        for column, parts, unique in self._paths:
            value = record.get(parts[0]) if len(parts) == 1 else _lookup(record, parts)
            if value is None:
                self.nulls[column] = self.nulls.get(column, 0) + 1
            elif unique:
                self.values.setdefault(column, set()).add(_hashable(value))

    def figures(self) -> Figures:
        return Figures(
            WINDOW,
            self.rows,
            {
                column: ColumnFigures(
                    self.nulls.get(column, 0),
                    len(self.values.get(column, ())) if column in self.unique else None,
                )
                for column in self.columns
            },
        )


def _lookup(record: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    value: Any = record
    for part in parts:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value
