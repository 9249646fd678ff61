"""Loading meshgov's Avro schemas and computing their single-object fingerprints.

A schema file may refer to named types defined in other files of the same folder.
The fingerprint is CRC-64-AVRO over the Parsing Canonical Form, in which every named
type is defined at its first use and referred to by name afterwards.

schemas/released/ keeps every earlier released version of each event schema, self-contained,
named by its fingerprint: records written by an earlier meshgov are read with the schema they
were written with and resolved to the current one, so evolving a schema never turns the
events already on the topics into dead letters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastavro.schema import (
    SchemaParseException,
    UnknownType,
    fingerprint,
    parse_schema,
    to_parsing_canonical_form,
)

NAMED_TYPES = frozenset({"record", "error", "enum", "fixed"})


@dataclass(frozen=True)
class EventSchema:
    """One top-level event type: its parsed schema and its 8-byte fingerprint."""

    name: str
    parsed: dict[str, Any]
    canonical_form: str
    fingerprint: bytes

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def inline_first_use(schema: Any, named: dict[str, Any], seen: set[str] | None = None) -> Any:
    """Return `schema` with each named type defined where it is first used."""
    seen = set() if seen is None else seen
    if isinstance(schema, str):
        if schema in named and schema not in seen:
            return inline_first_use(named[schema], named, seen)
        return schema
    if isinstance(schema, list):
        return [inline_first_use(branch, named, seen) for branch in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema["type"]
    out = {k: v for k, v in schema.items() if not k.startswith("__")}
    if kind in NAMED_TYPES:
        seen.add(schema["name"])
    if kind in ("record", "error"):
        out["fields"] = [
            {**field, "type": inline_first_use(field["type"], named, seen)}
            for field in schema["fields"]
        ]
    elif kind == "array":
        out["items"] = inline_first_use(schema["items"], named, seen)
    elif kind == "map":
        out["values"] = inline_first_use(schema["values"], named, seen)
    elif isinstance(kind, (dict, list)) or kind in named:
        out["type"] = inline_first_use(kind, named, seen)
    return out


def crc64_fingerprint(schema: Any, named: dict[str, Any]) -> tuple[str, bytes]:
    """Parsing Canonical Form and its CRC-64-AVRO fingerprint, little-endian as framed."""
    canonical = to_parsing_canonical_form(inline_first_use(schema, named))
    # fastavro renders the CRC-64-AVRO value as hex of its little-endian bytes.
    return canonical, bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))


class SchemaSet:
    """The event schemas a codec can write, and every writer schema it can read."""

    def __init__(
        self,
        sources: Iterable[tuple[str, dict[str, Any]]],
        released: Iterable[tuple[str, dict[str, Any]]] = (),
    ) -> None:
        self._named: dict[str, Any] = {}
        self._by_name: dict[str, EventSchema] = {}
        self._by_fingerprint: dict[bytes, EventSchema] = {}
        pending = list(sources)
        while pending:
            unresolved: list[tuple[str, dict[str, Any]]] = []
            errors: list[str] = []
            for origin, raw in pending:
                try:
                    parsed = parse_schema(raw, self._named)
                except UnknownType as exc:
                    unresolved.append((origin, raw))
                    errors.append(f"{origin}: unknown type {exc.name!r}")
                    continue
                except (SchemaParseException, ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{origin}: invalid Avro schema: {exc}") from exc
                if not isinstance(parsed, dict) or "name" not in parsed:
                    raise ValueError(f"{origin}: a top-level event schema must be a named type")
                self._add(parsed)
            if len(unresolved) == len(pending):
                raise ValueError("cannot resolve named types: " + "; ".join(errors))
            pending = unresolved
        for origin, raw in released:
            self._add_released(origin, raw)

    def _add_released(self, origin: str, raw: dict[str, Any]) -> None:
        """An earlier version, readable by fingerprint and never written."""
        named: dict[str, Any] = {}
        try:
            parsed = parse_schema(raw, named)
        except (SchemaParseException, UnknownType, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{origin}: invalid Avro schema: {exc}") from exc
        if not isinstance(parsed, dict) or parsed.get("name") not in self._by_name:
            raise ValueError(f"{origin}: not an earlier version of a current event schema")
        canonical, fp = crc64_fingerprint(parsed, named)
        self._by_fingerprint.setdefault(fp, EventSchema(parsed["name"], parsed, canonical, fp))

    def _add(self, parsed: dict[str, Any]) -> None:
        canonical, fp = crc64_fingerprint(parsed, self._named)
        schema = EventSchema(parsed["name"], parsed, canonical, fp)
        self._by_name[schema.name] = schema
        self._by_fingerprint[fp] = schema

    def __iter__(self) -> Iterator[EventSchema]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> EventSchema:
        full = name if "." in name else f"meshgov.events.{name}"
        try:
            return self._by_name[full]
        except KeyError:
            known = ", ".join(sorted(s.short_name for s in self))
            raise KeyError(f"no event schema named {name!r} (known: {known})") from None

    def self_contained(self, schema: EventSchema) -> str:
        """`schema` as JSON with every named type it uses defined in it (for a registry)."""
        return json.dumps(inline_first_use(schema.parsed, self._named))

    def fingerprint_of(self, text: str) -> bytes:
        """The fingerprint of a schema given as JSON text (e.g. from a registry)."""
        named: dict[str, Any] = {}
        return crc64_fingerprint(parse_schema(json.loads(text), named), named)[1]

    def by_fingerprint(self, fp: bytes) -> EventSchema | None:
        return self._by_fingerprint.get(fp)

    @classmethod
    def from_directory(cls, directory: Path) -> SchemaSet:
        files = sorted(directory.glob("*.avsc"))
        if not files:
            raise FileNotFoundError(f"no .avsc files in {directory}")
        released = sorted((directory / "released").glob("*.avsc"))
        return cls(
            ((f.name, json.loads(f.read_text(encoding="utf-8"))) for f in files),
            ((f"released/{f.name}", json.loads(f.read_text(encoding="utf-8"))) for f in released),
        )


def schema_directory() -> Path:
    return Path(str(resources.files("meshgov") / "schemas"))


@cache
def load_event_schemas() -> SchemaSet:
    """meshgov's own event schemas, as shipped in schemas/."""
    return SchemaSet.from_directory(schema_directory())
