"""A product's accepted schema history, per output port, as kept in processor state."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from meshgov.checks.compatibility.check import SchemaVersion
from meshgov.models.descriptor import DataProduct

# Stored as JSON: {port: [[version, schema JSON text], ...]}, oldest first.
StoredHistory = dict[str, list[list[str]]]


def load_history(stored: Mapping[str, Any] | None) -> dict[str, list[SchemaVersion]]:
    return {
        port: [SchemaVersion(version, schema) for version, schema in versions]
        for port, versions in (stored or {}).items()
    }


def with_accepted(stored: Mapping[str, Any] | None, product: DataProduct) -> StoredHistory:
    """The history after `product` was accepted. A version already recorded for a port is
    not added again, so replaying a verdict changes nothing."""
    updated: StoredHistory = {port: list(map(list, v)) for port, v in (stored or {}).items()}
    for name, _, schema in product.port_schemas():
        text = schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)
        versions = updated.setdefault(name, [])
        if all(version != product.version for version, _ in versions):
            versions.append([product.version, text])
    return updated


def latest_versions(history: Mapping[str, Sequence[SchemaVersion]]) -> dict[str, str]:
    return {port: versions[-1].version for port, versions in history.items() if versions}
