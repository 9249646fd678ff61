"""Random but realistic Avro record schemas and their evolutions, for differential tests and
benchmarks. Deterministic for a given seed."""

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
