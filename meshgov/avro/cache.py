"""Each distinct schema parsed once: a bounded cache keyed by the schema's canonical form.

The canonical form is the schema's JSON with sorted keys and no whitespace, so two spellings
of one schema (key order, indentation) share one entry, and equal canonical forms mean the
same schema. The exact text is remembered as well, so a text seen before (a product's
history, checked again at each registration) is found without being decoded.

An entry holds the validated tree or the reason the schema is invalid; neither changes once
made, so entries are shared by every caller and thread.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, cast

from meshgov.avro.parser import InvalidSchemaError, load_json, parse_decoded
from meshgov.avro.schema import RecordSchema, Schema


def _not_json(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _make_encoder() -> Callable[[Any], str]:
    if c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_not_json).encode
    # Made once: JSONEncoder.encode makes one for every call, a third of a small schema's cost.
    encoder = c_make_encoder(
        None, _not_json, encode_basestring_ascii, None, ":", ",", True, False, True
    )
    return lambda value: "".join(encoder(value, 0))


_encode = _make_encoder()
_WIDE = 24  # fields from which a record's canonical form is assembled field by field
_MARKER = "\0meshgov:next-field\0"
_MARKER_SPLIT = "," + _encode(_MARKER) + ","


@dataclass(frozen=True, slots=True)
class ParsedSchema:
    """A schema as the cache knows it: exactly one of `schema` and `error` is set."""

    canonical: str
    schema: Schema | None
    error: InvalidSchemaError | None


class SchemaCache:
    """Parsed schemas by canonical form, the least recently used dropped beyond `maxsize`,
    and by exact text, the oldest dropped beyond `maxsize`."""

    def __init__(self, maxsize: int = 2048) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.maxsize = maxsize
        self._by_text: dict[str, ParsedSchema] = {}
        self._by_canonical: OrderedDict[str, ParsedSchema] = OrderedDict()
        self._lock = threading.Lock()
        self.parses = 0  # trees built, for tests and benchmarks

    def __len__(self) -> int:
        return len(self._by_canonical)

    def clear(self) -> None:
        with self._lock:
            self._by_text.clear()
            self._by_canonical.clear()
            self.parses = 0

    def get(self, source: Any, base: ParsedSchema | None = None) -> ParsedSchema:
        """The entry of `source` (JSON text, or decoded JSON as load_json reads it). `base`,
        an entry of an earlier version, lets a first parse reuse its unchanged fields."""
        if isinstance(source, str):
            # Exact texts are dropped oldest first, not least recently used: a hit is then a
            # lookup alone. A dropped text costs one parse beside its base, no more.
            hit = self._by_text.get(source)
            if hit is not None:
                return hit
            try:
                decoded = load_json(source)
            except InvalidSchemaError as exc:
                # Not JSON, so no canonical form: a key no JSON text can have.
                entry = ParsedSchema("\0" + source, None, exc)
            else:
                entry = self._decoded(decoded, base)
            with self._lock:
                self._remember(self._by_text, source, entry)
            return entry
        return self._decoded(source, base)

    def _decoded(self, decoded: Any, base: ParsedSchema | None) -> ParsedSchema:
        earlier = base.schema if base is not None else None
        fields: Any = decoded.get("fields") if isinstance(decoded, dict) else None
        wide = isinstance(fields, list) and len(fields) >= _WIDE
        if wide and isinstance(earlier, RecordSchema):
            # Beside a base, a wide record is parsed before its canonical form is known: the
            # parse compares each field with the base's once, and the form is assembled from
            # the fields' (encoding it whole would cost more than the parse).
            entry = self._parse(decoded, earlier, None, None)
        else:
            try:
                pieces = _pieces(fields) if wide else None
                canonical = _assemble(decoded, pieces) if pieces is not None else _encode(decoded)
            except (TypeError, ValueError, RecursionError) as exc:
                reason = InvalidSchemaError(f"not JSON data: {exc}")
                return ParsedSchema("\0" + repr(decoded), None, reason)
            with self._lock:
                hit = self._by_canonical.get(canonical)
                if hit is not None:
                    self._by_canonical.move_to_end(canonical)
                    return hit
            entry = self._parse(decoded, earlier, canonical, pieces)
        with self._lock:
            hit = self._by_canonical.get(entry.canonical)
            if hit is not None:  # another spelling of a schema parsed before
                self._by_canonical.move_to_end(entry.canonical)
                return hit
            self.parses += 1
            self._remember(self._by_canonical, entry.canonical, entry)
        return entry

    @staticmethod
    def _parse(
        decoded: Any, base: Schema | None, canonical: str | None, pieces: list[str] | None
    ) -> ParsedSchema:
        try:
            schema = parse_decoded(decoded, base)
        except InvalidSchemaError as exc:
            return ParsedSchema(canonical or _encode(decoded), None, exc)
        if pieces is not None and isinstance(schema, RecordSchema):
            for field, piece in zip(schema.fields, pieces, strict=True):
                if field.canonical is None:
                    field.canonical = piece
        return ParsedSchema(canonical or _canonical(schema, decoded), schema, None)

    def _remember(self, store: dict[str, ParsedSchema], key: str, entry: ParsedSchema) -> None:
        store.pop(key, None)
        store[key] = entry  # last in iteration order: dropped last
        while len(store) > self.maxsize:
            del store[next(iter(store))]


def canonical_form(decoded: Any) -> str:
    """The canonical form of decoded schema JSON: sorted keys, no whitespace."""
    return _encode(decoded)


def _canonical(schema: Schema, decoded: Any) -> str:
    """The canonical form of a valid schema. A wide record's is assembled from its fields'
    forms, kept on the fields: a field shared with an earlier version is not encoded again."""
    if not isinstance(schema, RecordSchema) or len(schema.fields) < _WIDE:
        return _encode(decoded)
    missing = [field for field in schema.fields if field.canonical is None]
    for field, piece in zip(missing, _pieces([f.raw for f in missing]), strict=True):
        field.canonical = piece
    return _assemble(decoded, cast("list[str]", [field.canonical for field in schema.fields]))


def _pieces(values: list[Any]) -> list[str]:
    """The canonical form of each value, encoded in one call: the values interleaved with a
    marker, whose encoding then splits them. A value holding the marker itself shows in the
    count, and the values are then encoded one by one."""
    if len(values) < 2:
        return [_encode(v) for v in values]
    interleaved: list[Any] = [_MARKER] * (2 * len(values) - 1)
    interleaved[::2] = values
    pieces = _encode(interleaved)[1:-1].split(_MARKER_SPLIT)
    return pieces if len(pieces) == len(values) else [_encode(v) for v in values]


def _assemble(decoded: dict[str, Any], pieces: list[str]) -> str:
    """The canonical form of a record whose fields' forms are `pieces`."""
    parts = []
    for key in sorted(decoded):
        value = "[" + ",".join(pieces) + "]" if key == "fields" else _encode(decoded[key])
        parts.append(f"{_encode(key)}:{value}")
    return "{" + ",".join(parts) + "}"
