"""Which fields of an Avro schema hold PII, from their names, docs and tags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from meshgov.checks.pii.fields import classify_doc, classify_name, classify_tags
from meshgov.models.descriptor import PiiClass

TAG_KEYS = ("tags", "pii", "classification")


@dataclass(frozen=True)
class PiiField:
    path: str  # dotted: customer.email
    pii: PiiClass
    reason: str  # "its name", "its doc", "its tags"


def _records(schema: Any, prefix: str, seen: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, field) of the record types reachable from `schema`, nested ones included."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _records(branch, prefix, seen)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if isinstance(kind, (dict, list)):
        yield from _records(kind, prefix, seen)
    elif kind in ("record", "error"):
        name = str(schema.get("name"))
        if name in seen:
            return
        seen = seen | {name}
        for field in schema.get("fields", []):
            if not isinstance(field, dict) or "name" not in field:
                continue
            path = f"{prefix}{field['name']}"
            yield path, field
            yield from _records(field.get("type"), f"{path}.", seen)
    elif kind == "array":
        yield from _records(schema.get("items"), prefix, seen)
    elif kind == "map":
        yield from _records(schema.get("values"), prefix, seen)


def _tags(field: dict[str, Any]) -> list[str]:
    tags: list[str] = []
    for key in TAG_KEYS:
        value = field.get(key)
        if isinstance(value, str):
            tags.append(value if key == "tags" else f"pii:{value}")
        elif isinstance(value, list):
            tags.extend(str(v) for v in value)
    return tags


def classify_schema(schema: Any) -> list[PiiField]:
    """The fields that look like PII, by tag first (what the team said), then doc, then name."""
    found = []
    for path, field in _records(schema, "", set()):
        if (pii := classify_tags(_tags(field))) is not None:
            found.append(PiiField(path, pii, "its tags"))
        elif (pii := classify_doc(field.get("doc"))) is not None:
            found.append(PiiField(path, pii, "its doc"))
        elif (pii := classify_name(field["name"])) is not None:
            found.append(PiiField(path, pii, "its name"))
    return found


def schema_fields(schema: Any) -> set[str]:
    return {path for path, _ in _records(schema, "", set())}
