"""Scanning records field by field, as `meshgov scan FILE` and the PII processor do.

A scan's memory does not grow with its input: a report keeps at most `max_fields` field
paths (the values of further ones are counted together, in one overflow entry), a path at
most MAX_PATH characters, and nesting below MAX_DEPTH levels is reported under the path at
that depth, followed by `.*`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from meshgov.checks.pii.detectors import MAX_TEXT
from meshgov.checks.pii.fields import field_hint
from meshgov.checks.pii.masking import evidence
from meshgov.models.descriptor import PiiClass

MAX_DEPTH = 32  # keys in a path; deeper values are reported under "<path at 32>.*"
DEEPER = "*"
MAX_FIELDS = 10_000
MAX_PATH = 256  # characters of a path a report keeps; longer ones are cut, ending in "…"
OVERFLOW = "(other fields)"
# Fields repeat their values (statuses, currencies, cities): what was found in recent short
# values is kept, at most this many, by value and field hint (all the detectors take of a
# field name), so that fields with names alike share them.
CACHED_VALUES = 32_768
CACHED_VALUE_CHARS = 256

Found = tuple[tuple[PiiClass, str], ...]
Hint = tuple[PiiClass | None, bool]


def flatten(
    record: Mapping[str, Any], prefix: str = "", max_depth: int = MAX_DEPTH
) -> Iterator[tuple[str, str]]:
    """(dotted path, text) for every scalar in a record, in order; lists contribute each
    item, nested lists too. Values below `max_depth` keys are all under the path of the
    mapping at that depth followed by `.*`. Iterative: no nesting exhausts the stack."""
    frames: list[Iterator[tuple[str, int, Any]]] = [
        ((f"{prefix}{key}", 1, value) for key, value in record.items())
    ]
    while frames:
        for path, depth, value in frames[-1]:
            if type(value) is str:  # the common case first: no isinstance against an ABC
                yield path, value
                continue
            if isinstance(value, Mapping):
                frames.append(_members(value, path, depth, max_depth))
                break
            if isinstance(value, (list, tuple)):
                frames.append(_items(value, path, depth))
                break
            if value is not None and not isinstance(value, (bytes, bool)):
                yield path, str(value)
        else:
            frames.pop()


# Functions, not generator expressions in flatten's loop, so that each frame keeps its own
# path and depth while flatten's loop variables move on.
def _items(items: Iterable[Any], path: str, depth: int) -> Iterator[tuple[str, int, Any]]:
    return ((path, depth, item) for item in items)


def _members(
    mapping: Mapping[Any, Any], path: str, depth: int, max_depth: int
) -> Iterator[tuple[str, int, Any]]:
    if depth < max_depth:
        return ((f"{path}.{key}", depth + 1, value) for key, value in mapping.items())
    deeper = path if depth > max_depth else f"{path}.{DEEPER}"
    return ((deeper, max_depth + 1, value) for value in mapping.values())


@dataclass
class FieldReport:
    path: str
    values: int = 0
    labels: Counter[PiiClass] = field(default_factory=Counter)
    evidence: dict[PiiClass, str] = field(default_factory=dict)
    not_scanned: int = 0  # values longer than the detectors read (MAX_TEXT characters)
    overflow: bool = False  # the values of all field paths beyond a scan's max_fields

    def count(self, text: str, found: Found) -> None:
        """One more value, `text`, in which `found` was found (class, masked evidence)."""
        self.values += 1
        if len(text) > MAX_TEXT and len(text.strip()) > MAX_TEXT:
            self.not_scanned += 1
        for label, masked in found:
            self.labels[label] += 1
            self.evidence.setdefault(label, masked)


class RecordScanner:
    """A report per field path over the records given to `add`, in bounded memory."""

    def __init__(self, max_fields: int = MAX_FIELDS, max_depth: int = MAX_DEPTH) -> None:
        self.max_fields = max_fields
        self.max_depth = max_depth
        self.fields: dict[str, FieldReport] = {}
        self.overflow = FieldReport(OVERFLOW, overflow=True)
        self.records = 0
        # A field path of each hint: the detectors find the same in a value with any of them.
        self._path_of_hint: dict[Hint, str] = {}
        self._cached_found = lru_cache(maxsize=CACHED_VALUES)(self._found_with_hint)

    def _found_with_hint(self, text: str, hint: Hint) -> Found:
        return tuple(evidence(text, self._path_of_hint[hint]).items())

    def add(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        fields, path_of_hint, cached_found = self.fields, self._path_of_hint, self._cached_found
        for path, text in flatten(record, max_depth=self.max_depth):
            short = len(path) <= MAX_PATH
            key = path if short else path[:MAX_PATH] + "…"
            report = fields.get(key)
            if report is None:
                if len(fields) < self.max_fields:
                    report = fields[key] = FieldReport(key)
                else:
                    report = self.overflow
            if len(text) <= CACHED_VALUE_CHARS:
                hint = field_hint(path)
                if hint not in path_of_hint:
                    path_of_hint[hint] = path
                report.count(text, cached_found(text, hint))
            else:
                report.count(text, tuple(evidence(text, path).items()))

    def reports(self) -> list[FieldReport]:
        """The report of each field path in the order first seen, then the overflow's when
        some paths were beyond max_fields."""
        return [*self.fields.values(), *([self.overflow] if self.overflow.values else [])]

    def not_scanned(self) -> int:
        return sum(report.not_scanned for report in self.reports())


def scan_records(
    records: Iterable[Mapping[str, Any]], max_fields: int = MAX_FIELDS
) -> dict[str, FieldReport]:
    """The report of each field path (OVERFLOW names the overflow's, if any)."""
    scanner = RecordScanner(max_fields)
    for record in records:
        scanner.add(record)
    return {report.path: report for report in scanner.reports()}
