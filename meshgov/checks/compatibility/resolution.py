"""Reader/writer schema resolution, decided exactly as Java's org.apache.avro.SchemaCompatibility
(which Schema Registry runs), reporting every incompatibility rather than the first.

Two shortcuts, which never change a finding (tests/unit/test_compat_transitive.py checks them
against the same resolution with both off): a pair of reflexive nodes (Schema.reflexive) that
are one object, or not records and equal as JSON, resolves at once; and of a record's fields,
those shared with the writer record (see the parser's `base`) are not visited.

Two deliberate differences in what is reported, never in what is decided: paths name fields
(/fields/customer/type) where Java gives positions, and a logical type that changes meaning
(timestamp-millis to timestamp-micros, decimal scale) is noted as a warning, since Java
ignores logical types and such a change silently corrupts data.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshgov.avro.schema import (
    ArraySchema,
    EnumSchema,
    Field,
    FixedSchema,
    MapSchema,
    NamedSchema,
    RecordSchema,
    Schema,
    UnionSchema,
)

NAME_MISMATCH = "NAME_MISMATCH"
FIXED_SIZE_MISMATCH = "FIXED_SIZE_MISMATCH"
MISSING_ENUM_SYMBOLS = "MISSING_ENUM_SYMBOLS"
READER_FIELD_MISSING_DEFAULT_VALUE = "READER_FIELD_MISSING_DEFAULT_VALUE"
TYPE_MISMATCH = "TYPE_MISMATCH"
MISSING_UNION_BRANCH = "MISSING_UNION_BRANCH"
# Java throws here ("matches multiple fields in writer record schema"); that is a rejection.
READER_FIELD_AMBIGUOUS = "READER_FIELD_AMBIGUOUS"
LOGICAL_TYPE_CHANGED = "LOGICAL_TYPE_CHANGED"

_PROMOTIONS = {
    "long": frozenset({"int"}),
    "float": frozenset({"int", "long"}),
    "double": frozenset({"int", "long", "float"}),
    "bytes": frozenset({"string"}),
    "string": frozenset({"bytes"}),
}
_SIMPLE = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
# For each pair of primitive types (reader, writer): None when the reader reads the writer's
# data (the same type, or a promotion), else Java's detail for the TYPE_MISMATCH.
_SIMPLE_PAIRS: dict[tuple[str, str], str | None] = {
    (reader, writer): None
    if reader == writer or writer in _PROMOTIONS.get(reader, ())
    else (f"reader type: {reader.upper()} not compatible with writer type: {writer.upper()}")
    for reader in _SIMPLE
    for writer in _SIMPLE
}
_NARROW = 4  # fields up to which a record's are simply all visited


@dataclass(frozen=True, slots=True)
class Incompatibility:
    code: str
    path: str
    detail: str
    reader: Schema
    writer: Schema


@dataclass(frozen=True, slots=True)
class Resolution:
    incompatibilities: list[Incompatibility]
    logical_type_changes: list[Incompatibility]

    @property
    def compatible(self) -> bool:
        return not self.incompatibilities


def resolve(reader: Schema, writer: Schema) -> Resolution:
    """Can data written with `writer` be read with `reader`?"""
    checker = _Checker()
    found = checker.check(reader, writer, "")
    if len(found) > 1:
        unique: dict[tuple[str, str], Incompatibility] = {}
        for item in found:
            unique.setdefault((item.code, item.path), item)
        found = list(unique.values())
    return Resolution(found, checker.logical_changes)


class _Checker:
    __slots__ = ("logical_changes", "memo")

    def __init__(self) -> None:
        # None marks a pair whose check is in progress: recursion assumes it compatible.
        self.memo: dict[tuple[int, int], list[Incompatibility] | None] = {}
        self.logical_changes: list[Incompatibility] = []

    def check(self, reader: Schema, writer: Schema, path: str) -> list[Incompatibility]:
        kinds = (reader.type, writer.type)
        if kinds in _SIMPLE_PAIRS:  # two primitives: the commonest case, decided by a table
            if kinds[0] == kinds[1]:
                self._note_logical_change(reader, writer, path)
                return []
            detail = _SIMPLE_PAIRS[kinds]
            if detail is None:
                return []
            return [Incompatibility(TYPE_MISMATCH, path, detail, reader, writer)]
        # The same data description on both sides resolves (see Schema.reflexive). A record
        # is compared field by field instead, which is cheaper than its raw JSON.
        if (
            reader.reflexive
            and writer.reflexive
            and (
                reader is writer
                or (not isinstance(reader, RecordSchema) and reader.raw == writer.raw)
            )
        ):
            return []
        if not isinstance(reader, NamedSchema):
            return self._calculate(reader, writer, path)
        # Only named types can recur; memoising them is what makes recursion terminate.
        key = (id(reader), id(writer))
        if key in self.memo:
            return self.memo[key] or []
        self.memo[key] = None
        result = self._calculate(reader, writer, path)
        self.memo[key] = result
        return result

    def _calculate(self, reader: Schema, writer: Schema, path: str) -> list[Incompatibility]:
        if reader.type == writer.type:
            return self._same_type(reader, writer, path)
        if isinstance(writer, UnionSchema):
            found = []
            for index, branch in enumerate(writer.branches):
                found.extend(self.check(reader, branch, f"{path}/{index}"))
            return found
        if isinstance(reader, UnionSchema):
            for branch in reader.branches:
                if not self.check(branch, writer, path):
                    return []
            detail = f"reader union lacking writer type: {writer.type.upper()}"
            return [Incompatibility(MISSING_UNION_BRANCH, path, detail, reader, writer)]
        if writer.type in _PROMOTIONS.get(reader.type, ()):
            return []
        detail = (
            f"reader type: {reader.type.upper()} not compatible with writer type: "
            f"{writer.type.upper()}"
        )
        return [Incompatibility(TYPE_MISMATCH, path, detail, reader, writer)]

    def _same_type(self, reader: Schema, writer: Schema, path: str) -> list[Incompatibility]:
        if reader.type in _SIMPLE:
            self._note_logical_change(reader, writer, path)
            return []
        if isinstance(reader, ArraySchema) and isinstance(writer, ArraySchema):
            return self.check(reader.items, writer.items, f"{path}/items")
        if isinstance(reader, MapSchema) and isinstance(writer, MapSchema):
            return self.check(reader.values, writer.values, f"{path}/values")
        if isinstance(reader, FixedSchema) and isinstance(writer, FixedSchema):
            found = self._names(reader, writer, path)
            if reader.size != writer.size:
                detail = f"expected: {writer.size}, found: {reader.size}"
                found.append(
                    Incompatibility(FIXED_SIZE_MISMATCH, f"{path}/size", detail, reader, writer)
                )
            self._note_logical_change(reader, writer, path)
            return found
        if isinstance(reader, EnumSchema) and isinstance(writer, EnumSchema):
            found = self._names(reader, writer, path)
            missing = sorted(set(writer.symbols) - set(reader.symbols))
            if missing and not (reader.default is not None and reader.default in reader.symbols):
                detail = "[" + ", ".join(missing) + "]"
                found.append(
                    Incompatibility(MISSING_ENUM_SYMBOLS, f"{path}/symbols", detail, reader, writer)
                )
            return found
        if isinstance(reader, RecordSchema) and isinstance(writer, RecordSchema):
            return self._names(reader, writer, path) + self._fields(reader, writer, path)
        if isinstance(reader, UnionSchema) and isinstance(writer, UnionSchema):
            found = []
            for index, branch in enumerate(writer.branches):
                if self.check(reader, branch, f"{path}/{index}"):
                    detail = f"reader union lacking writer type: {branch.type.upper()}"
                    found.append(
                        Incompatibility(
                            MISSING_UNION_BRANCH, f"{path}/{index}", detail, reader, writer
                        )
                    )
            return found
        raise TypeError(f"unknown schema type {reader.type!r}")

    @staticmethod
    def _names(reader: NamedSchema, writer: NamedSchema, path: str) -> list[Incompatibility]:
        # Java compares unqualified names, then the reader's (qualified) aliases.
        if reader.name == writer.name or writer.fullname in reader.aliases:
            return []
        detail = f"expected: {writer.fullname}"
        return [Incompatibility(NAME_MISMATCH, f"{path}/name", detail, reader, writer)]

    def _fields(
        self, reader: RecordSchema, writer: RecordSchema, path: str
    ) -> list[Incompatibility]:
        found: list[Incompatibility] = []
        index = writer.field_index
        fields = reader.fields
        if len(fields) > _NARROW:
            # Fields shared with the writer (same objects, parsed beside one another) resolve
            # unless they are in `always`; find the others without visiting every field.
            pending = reader.field_set - writer.field_set
            pending = pending.union(reader.always) if reader.always else pending
            if len(pending) <= _NARROW:
                fields = sorted(pending, key=fields.index)
            else:
                fields = [f for f in fields if f in pending]
        for field in fields:
            if field.aliases:
                matches = _writer_fields(index, field)
            else:
                direct = index.get(field.name)
                matches = [direct] if direct is not None else []
            if len(matches) == 1:
                match = matches[0]
                if (
                    field.reflexive
                    and match.reflexive
                    and (
                        match is field
                        or field.schema is match.schema
                        or field.raw_type == match.raw_type
                    )
                ):
                    continue  # an unchanged field (a shared one, when parsed with a base)
                found.extend(
                    self.check(field.schema, match.schema, f"{path}/fields/{field.name}/type")
                )
                continue
            field_path = f"{path}/fields/{field.name}"
            if matches:
                names = ", ".join(m.name for m in matches)
                detail = f"reader field {field.name} matches several writer fields: {names}"
                found.append(
                    Incompatibility(READER_FIELD_AMBIGUOUS, field_path, detail, reader, writer)
                )
            elif not field.has_default:
                enum = field.schema
                if isinstance(enum, EnumSchema) and enum.default is not None:
                    # Java compares the enum with the writer *record* here, a type mismatch.
                    found.extend(self.check(enum, writer, f"{field_path}/type"))
                else:
                    found.append(
                        Incompatibility(
                            READER_FIELD_MISSING_DEFAULT_VALUE,
                            field_path,
                            field.name,
                            reader,
                            writer,
                        )
                    )
        return found

    def _note_logical_change(self, reader: Schema, writer: Schema, path: str) -> None:
        if reader.logical_type != writer.logical_type or reader.props != writer.props:
            detail = f"{_logical(writer)} read as {_logical(reader)}"
            self.logical_changes.append(
                Incompatibility(LOGICAL_TYPE_CHANGED, path or "/", detail, reader, writer)
            )


def _writer_fields(index: dict[str, Field], field: Field) -> list[Field]:
    direct = index.get(field.name)
    found = [direct] if direct is not None else []
    found.extend(index[alias] for alias in field.aliases if alias in index)
    return found


def _logical(schema: Schema) -> str:
    if schema.logical_type is None:
        return f"plain {schema.type}"
    extra = ", ".join(f"{k}={v}" for k, v in sorted(schema.props.items()))
    return f"{schema.type} ({schema.logical_type}{', ' + extra if extra else ''})"
