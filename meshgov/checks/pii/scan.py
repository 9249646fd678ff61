"""Scanning records field by field, as `meshgov scan FILE` and the PII processor do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshgov.checks.pii.masking import evidence
from meshgov.models.descriptor import PiiClass


def flatten(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, text) for every scalar in a record; lists contribute each item."""
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{path}.")
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Mapping):
                    yield from flatten(item, f"{path}.")
                elif item is not None:
                    yield path, str(item)
        elif value is not None and not isinstance(value, (bytes, bool)):
            yield path, str(value)


@dataclass
class FieldReport:
    path: str
    values: int = 0
    labels: Counter[PiiClass] = field(default_factory=Counter)
    evidence: dict[PiiClass, str] = field(default_factory=dict)

    def add(self, text: str) -> list[PiiClass]:
        self.values += 1
        found = evidence(text, self.path)
        for label, masked in found.items():
            self.labels[label] += 1
            self.evidence.setdefault(label, masked)
        return list(found)


def scan_records(records: Iterable[Mapping[str, Any]]) -> dict[str, FieldReport]:
    reports: dict[str, FieldReport] = {}
    for record in records:
        for path, text in flatten(record):
            report = reports.get(path)
            if report is None:
                report = reports[path] = FieldReport(path)
            report.add(text)
    return reports
