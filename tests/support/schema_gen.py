"""Random but realistic Avro schemas and their evolutions, for differential tests and
benchmarks: records (the historical generator), every top-level form (bare and object-form
primitives, unions, arrays, maps, enums, fixed), and multi-version histories with the shapes
where a transitive check differs from a check against the latest version. Deterministic for a
given seed."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

Json = Any

_SCALARS: list[Json] = [
    "string",
    "int",
    "long",
    "float",
    "double",
    "boolean",
    "bytes",
    {"type": "long", "logicalType": "timestamp-millis"},
    {"type": "int", "logicalType": "date"},
]


class SchemaGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0

    def _name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def field_type(self, depth: int) -> Json:
        roll = self.rng.random()
        if roll < 0.55:
            return copy.deepcopy(self.rng.choice(_SCALARS))
        if roll < 0.70:
            return ["null", copy.deepcopy(self.rng.choice(_SCALARS[:7]))]
        if roll < 0.78:
            symbols = [f"S{i}" for i in range(self.rng.randint(2, 6))]
            enum: dict[str, Json] = {"type": "enum", "name": self._name("Kind"), "symbols": symbols}
            if self.rng.random() < 0.3:
                enum["default"] = symbols[0]
            return enum
        if roll < 0.84:
            return {"type": "array", "items": self.rng.choice(["string", "int", "long"])}
        if roll < 0.88:
            return {"type": "map", "values": self.rng.choice(["string", "long", "double"])}
        if roll < 0.91:
            return {"type": "fixed", "name": self._name("Hash"), "size": self.rng.choice([8, 16])}
        if depth < 2:
            return self.record(self.rng.randint(2, 6), depth + 1)
        return "string"

    def record(self, field_count: int, depth: int = 0) -> Json:
        fields = []
        for _ in range(field_count):
            field: dict[str, Json] = {"name": self._name("f"), "type": self.field_type(depth)}
            if isinstance(field["type"], list) and self.rng.random() < 0.8:
                field["default"] = None
            fields.append(field)
        return {
            "type": "record",
            "name": self._name("Rec"),
            "namespace": "gen.mesh",
            "fields": fields,
        }

    def evolve(self, schema: Json, breaking: float = 0.3) -> Json:
        """A next version: mostly compatible edits, a breaking one with probability `breaking`."""
        new = copy.deepcopy(schema)
        records = list(_records(new))
        for _ in range(self.rng.randint(1, 3)):
            record = self.rng.choice(records)
            self._mutate(record, self.rng.random() < breaking)
        return new

    def _mutate(self, record: Json, breaking: bool) -> None:
        fields = record["fields"]
        rng = self.rng
        if not breaking:
            choice = rng.randrange(4)
            if choice == 0 or len(fields) < 2:
                fields.append(
                    {"name": self._name("f"), "type": ["null", "string"], "default": None}
                )
            elif choice == 1:
                ints = [f for f in fields if f["type"] == "int"]
                if ints:
                    rng.choice(ints)["type"] = "long"
            elif choice == 2:
                enums = [
                    f["type"]
                    for f in fields
                    if isinstance(f["type"], dict) and f["type"].get("type") == "enum"
                ]
                if enums:
                    enum = rng.choice(enums)
                    enum["symbols"].append(f"S{len(enum['symbols'])}")
            else:
                with_default = [f for f in fields if "default" in f]
                if with_default and len(fields) > 2:
                    fields.remove(rng.choice(with_default))
            return
        choice = rng.randrange(5)
        if choice == 0:
            fields.append({"name": self._name("f"), "type": rng.choice(["string", "long"])})
        elif choice == 1 and len(fields) > 2:
            fields.pop(rng.randrange(len(fields)))
        elif choice == 2:
            target = rng.choice(fields)
            target["type"] = "int" if target["type"] != "int" else "string"
            target.pop("default", None)
        elif choice == 3:
            enums = [
                f["type"]
                for f in fields
                if isinstance(f["type"], dict)
                and f["type"].get("type") == "enum"
                and len(f["type"]["symbols"]) > 1
            ]
            if enums:
                enum = rng.choice(enums)
                removed = enum["symbols"].pop()
                if enum.get("default") == removed:
                    enum.pop("default")
        else:
            fixed = [
                f["type"]
                for f in fields
                if isinstance(f["type"], dict) and f["type"].get("type") == "fixed"
            ]
            if fixed:
                rng.choice(fixed)["size"] += 4
            else:
                target = rng.choice(fields)
                target["type"] = (
                    ["null", "boolean"] if target["type"] != ["null", "boolean"] else "double"
                )
                target.pop("default", None)

    def evolve_with_quirks(self, schema: Json) -> Json:
        """A next version using the constructs where Avro implementations part ways: renames
        with short or qualified aliases, namespace changes, field aliases (some matching two
        fields), and enum-typed fields that have only an enum default."""
        new = copy.deepcopy(schema)
        record = self.rng.choice(list(_records(new)))
        fields = record["fields"]
        rng = self.rng
        choice = rng.randrange(8)
        if choice == 0:  # rename, short alias (resolved in the record's namespace)
            record["aliases"] = [record["name"].rpartition(".")[2]]
            record["name"] = self._name("Renamed")
        elif choice == 1:  # rename, fully qualified alias
            old = record["name"]
            space = record.get("namespace", "")
            record["aliases"] = [f"{space}.{old}" if space and "." not in old else old]
            record["name"] = self._name("Renamed")
        elif choice == 2:  # rename without alias
            record["name"] = self._name("Renamed")
        elif choice == 3:  # move to another namespace, same simple name
            record["namespace"] = rng.choice(["gen.other", "elsewhere", "gen.mesh.v2"])
        elif choice == 4:  # rename a field, keep the old name as alias
            target = rng.choice(fields)
            target["aliases"] = [target["name"]]
            target["name"] = self._name("renamed")
        elif choice == 5 and len(fields) > 1:  # an alias that matches another field too
            first, second = rng.sample(fields, 2)
            first["aliases"] = [second["name"]]
        elif choice == 6:  # a new enum field with only an enum default
            symbols = ["A", "B", "C"]
            fields.append(
                {
                    "name": self._name("f"),
                    "type": {
                        "type": "enum",
                        "name": self._name("Mode"),
                        "symbols": symbols,
                        "default": "A",
                    },
                }
            )
        else:  # alias in another namespace's terms, short
            record["aliases"] = [self._name("Legacy")]
        return new

    def next_version(self, history: list[Json], breaking: float) -> Json:
        """An evolution of the latest version that differs from every version so far (an
        unchanged schema is a registry no-op, with nothing to check)."""
        seen = {json.dumps(s, sort_keys=True) for s in history}
        while True:
            new = self.evolve(history[-1], breaking)
            if json.dumps(new, sort_keys=True) not in seen:
                return new

    def history(self, field_count: int, versions: int, breaking: float = 0.15) -> list[Json]:
        schemas = [self.record(field_count)]
        while len(schemas) < versions:
            schemas.append(self.evolve(schemas[-1], breaking))
        return schemas


_PROMOTION_CHAIN = ["int", "long", "float", "double"]
_PRIMITIVE_NAMES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
_INVALID_TEXTS = [
    '{"type": "bogus"}',
    '{"type": "record", "name": "Broken"}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}',
    '{"type": "enum", "name": "E", "symbols": ["A", "A"]}',
    '["int", "int"]',
    '{"type": "array"}',
    "{not json",
    '{"type": {"type": "int"}}',
    '"Undefined"',
    "",
]


class HistoryGenerator(SchemaGenerator):
    """Schemas of every top-level form and their histories. `references` lets records name
    a type defined earlier in the same document instead of defining it again."""

    def __init__(self, seed: int, references: bool = True) -> None:
        super().__init__(seed)
        self.references = references

    # -- first versions --------------------------------------------------------------------

    def primitive(self) -> Json:
        name = self.rng.choice(_PRIMITIVE_NAMES)
        roll = self.rng.random()
        if roll < 0.6:
            return name
        if roll < 0.85 or name not in ("int", "long"):
            return {"type": name}
        logical = "date" if name == "int" else "timestamp-millis"
        return {"type": name, "logicalType": logical}

    def enum(self) -> Json:
        symbols = [f"S{i}" for i in range(self.rng.randint(1, 5))]
        enum: dict[str, Json] = {"type": "enum", "name": self._name("Kind"), "symbols": symbols}
        if self.rng.random() < 0.3:
            enum["default"] = self.rng.choice(symbols)
        if self.rng.random() < 0.3:
            enum["namespace"] = "gen.mesh"
        return enum

    def fixed(self) -> Json:
        return {"type": "fixed", "name": self._name("Hash"), "size": self.rng.choice([4, 8, 16])}

    def small_record(self) -> Json:
        record = self.record(self.rng.randint(1, 8))
        if self.references:
            self._add_reference(record)
        return record

    def top_level(self, depth: int = 0) -> Json:
        """A schema of any form; records are small."""
        roll = self.rng.random()
        if roll < 0.25:
            return self.primitive()
        if roll < 0.42:
            return self.union(depth)
        if roll < 0.52 and depth < 2:
            return {"type": "array", "items": self.top_level(depth + 1)}
        if roll < 0.60 and depth < 2:
            return {"type": "map", "values": self.top_level(depth + 1)}
        if roll < 0.72:
            return self.enum()
        if roll < 0.80:
            return self.fixed()
        return self.small_record()

    def union(self, depth: int = 0) -> Json:
        size = self.rng.randint(1, 4)
        branches: list[Json] = []
        kinds: set[str] = set()
        for _ in range(size * 3):
            if len(branches) == size:
                break
            roll = self.rng.random()
            if roll < 0.7:
                branch: Json = self.rng.choice(_PRIMITIVE_NAMES)
            elif roll < 0.8:
                branch = self.enum()
            elif roll < 0.9:
                branch = {"type": "array", "items": self.rng.choice(["int", "string", "long"])}
            elif depth < 2:
                branch = self.small_record()
            else:
                branch = "string"
            kind = _kind(branch)
            if kind not in kinds and kind != "union":
                kinds.add(kind)
                branches.append(branch)
        return branches

    # -- evolutions --------------------------------------------------------------------

    def evolve_any(self, schema: Json, breaking: float = 0.3) -> Json:
        """A next version of a schema of any form: mostly compatible edits."""
        kind = _kind(schema)
        rng = self.rng
        if rng.random() < 0.04:
            # The form changes: a record, enum or fixed in place of a primitive, and so on.
            return self.top_level()
        if kind in _PRIMITIVE_NAMES:
            return self._evolve_primitive(schema, breaking)
        if kind == "union":
            return self._evolve_union(schema, breaking)
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            new = copy.deepcopy(schema)
            if rng.random() < 0.15:
                other = "map" if kind == "array" else "array"
                return {"type": other, ("values" if kind == "array" else "items"): new[key]}
            new[key] = self.evolve_any(new[key], breaking)
            return new
        if kind == "enum":
            return self._evolve_enum(schema, breaking)
        if kind == "fixed":
            new = copy.deepcopy(schema)
            choice = rng.randrange(4)
            if choice == 0:
                new["size"] += 4
            elif choice == 1:
                new["aliases"] = [new["name"]]
                new["name"] = self._name("Renamed")
            elif choice == 2:
                new["name"] = self._name("Renamed")
            else:
                new["namespace"] = rng.choice(["gen.other", "gen.mesh"])
            return new
        if rng.random() < 0.2:
            return self.evolve_with_quirks(schema)
        new = self.evolve(schema, breaking)
        if self.references and rng.random() < 0.2:
            self._add_reference(new)
        if rng.random() < 0.3:
            self._history_shape(new)
        return new

    def _evolve_primitive(self, schema: Json, breaking: float) -> Json:
        rng = self.rng
        name = _kind(schema)
        roll = rng.random()
        if roll < 0.25:  # the other form of the same primitive
            return {"type": name} if isinstance(schema, str) else name
        if roll < 0.45 and name in _PROMOTION_CHAIN:
            step = 1 if rng.random() > breaking else -1
            position = min(max(_PROMOTION_CHAIN.index(name) + step, 0), 3)
            return _PROMOTION_CHAIN[position]
        if roll < 0.55 and name in ("string", "bytes"):
            return "bytes" if name == "string" else "string"
        if roll < 0.75:
            return ["null", name] if name != "null" else ["null", "string"]
        if roll < 0.85:
            return {"type": "array", "items": schema}
        return rng.choice(_PRIMITIVE_NAMES)

    def _evolve_union(self, schema: Json, breaking: float) -> Json:
        rng = self.rng
        new = copy.deepcopy(schema)
        kinds = {_kind(b) for b in new}
        roll = rng.random()
        if roll < 0.3 or not new:
            extra = [p for p in _PRIMITIVE_NAMES if p not in kinds]
            if extra:
                new.insert(rng.randrange(len(new) + 1), rng.choice(extra))
        elif roll < 0.45 or rng.random() < breaking:
            new.pop(rng.randrange(len(new)))
        elif roll < 0.6:
            rng.shuffle(new)
        elif roll < 0.8:
            index = rng.randrange(len(new))
            evolved = self.evolve_any(new[index], breaking)
            others = {_kind(b) for i, b in enumerate(new) if i != index}
            if _kind(evolved) not in others and _kind(evolved) != "union":
                new[index] = evolved
        elif len(new) == 2 and "null" in kinds:
            return next(b for b in new if _kind(b) != "null")  # nullable made required
        return new

    def _evolve_enum(self, schema: Json, breaking: float) -> Json:
        rng = self.rng
        new = copy.deepcopy(schema)
        symbols = new["symbols"]
        choice = rng.randrange(6)
        if choice == 0 or (choice == 1 and rng.random() > breaking):
            symbols.append(f"S{len(symbols) + rng.randint(0, 3)}")
            new["symbols"] = list(dict.fromkeys(symbols))
        elif choice == 1 and len(symbols) > 1:
            removed = symbols.pop(rng.randrange(len(symbols)))
            if new.get("default") == removed:
                new.pop("default")
        elif choice == 2:
            if "default" in new:
                new.pop("default")
            else:
                new["default"] = rng.choice(symbols)
        elif choice == 3:
            new["aliases"] = [new["name"]] if rng.random() < 0.7 else []
            new["name"] = self._name("Renamed")
        elif choice == 4:
            new["namespace"] = rng.choice(["gen.other", "gen.mesh"])
        else:
            rng.shuffle(symbols)
        return new

    def _history_shape(self, record: Json) -> None:
        """The shapes a check against the latest version alone misses: a field's type moved
        along the promotion chain, an enum that loses a symbol, a nullable field made
        required, a required one made nullable."""
        fields = record["fields"]
        if not fields:
            return
        rng = self.rng
        target = rng.choice(fields)
        kind = target["type"]
        if kind in _PROMOTION_CHAIN:
            position = _PROMOTION_CHAIN.index(kind)
            step = rng.choice([1, 1, 2, -1])
            target["type"] = _PROMOTION_CHAIN[min(max(position + step, 0), 3)]
        elif isinstance(kind, list) and "null" in kind and len(kind) == 2:
            target["type"] = next(b for b in kind if b != "null")
            target.pop("default", None)
        elif isinstance(kind, dict) and kind.get("type") == "enum" and len(kind["symbols"]) > 1:
            removed = kind["symbols"].pop(0)
            if kind.get("default") == removed:
                kind.pop("default")
        elif isinstance(kind, str) and kind != "null":
            target["type"] = ["null", kind]
            target["default"] = None

    def _add_reference(self, record: Json) -> None:
        """A new field that names a type defined earlier in the document."""
        defined = _definitions(record)
        if not defined:
            return
        name, space = self.rng.choice(defined)
        if space and self.rng.random() < 0.5:
            name = f"{space}.{name}"
        field: dict[str, Json] = {"name": self._name("ref"), "type": name}
        if self.rng.random() < 0.6:
            field = {"name": field["name"], "type": ["null", name], "default": None}
        record["fields"].append(field)

    # -- histories ---------------------------------------------------------------------

    def history_case(
        self, versions: int, breaking: float = 0.25, invalid: float = 0.03
    ) -> tuple[list[str], str]:
        """A history of `versions` schemas as JSON text (oldest first) and a new schema that
        is JSON-different from every one of them. Texts vary in spelling (key order, spaces),
        and with probability `invalid` a version is one Avro does not accept."""
        first = self.top_level()
        schemas = [first]
        while len(schemas) < versions:
            schemas.append(self.evolve_any(schemas[-1], breaking))
        texts = [self._spell(s) for s in schemas]
        for index in range(len(texts)):
            if self.rng.random() < invalid:
                texts[index] = self.rng.choice(_INVALID_TEXTS)
        seen = {_canonical(t) for t in texts}
        for _ in range(50):
            new = self.evolve_any(schemas[-1], breaking + 0.15)
            if _canonical(json.dumps(new)) not in seen:
                return texts, self._spell(new)
        return texts, self._spell(self.top_level())

    def _spell(self, schema: Json) -> str:
        roll = self.rng.random()
        if roll < 0.6:
            return json.dumps(schema)
        if roll < 0.8:
            return json.dumps(schema, sort_keys=True, separators=(",", ":"))
        return json.dumps(schema, indent=2)


def _kind(schema: Json) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    kind = schema.get("type")
    return "record" if kind == "error" else str(kind)


def _canonical(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except json.JSONDecodeError:
        return None


def _definitions(schema: Json, namespace: str = "") -> list[tuple[str, str]]:
    """(name, namespace) of the enums and fixed types a record defines, in document order."""
    found: list[tuple[str, str]] = []
    if isinstance(schema, list):
        for branch in schema:
            found.extend(_definitions(branch, namespace))
    elif isinstance(schema, dict):
        kind = schema.get("type")
        space = schema.get("namespace", namespace)
        if kind in ("enum", "fixed"):
            found.append((schema["name"], space))
        elif kind == "record":
            for field in schema["fields"]:
                found.extend(_definitions(field["type"], space))
        elif kind == "array":
            found.extend(_definitions(schema["items"], namespace))
        elif kind == "map":
            found.extend(_definitions(schema["values"], namespace))
    return found


def _records(schema: Json) -> list[Json]:
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "record":
            found.append(schema)
            for field in schema["fields"]:
                found.extend(_records(field["type"]))
        elif schema.get("type") == "array":
            found.extend(_records(schema["items"]))
    elif isinstance(schema, list):
        for branch in schema:
            found.extend(_records(branch))
    return found
