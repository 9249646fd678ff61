"""Compatibility of a new schema with a product's accepted history, in a Schema Registry mode.

Never fails open: a version of the history that cannot be read is a finding of its own, an
error (so the new schema is incompatible) whenever the mode compares with that version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meshgov.avro import InvalidSchemaError, ParsedSchema, SchemaCache
from meshgov.checks.compatibility.messages import (
    NEW_READS_OLD,
    OLD_READS_NEW,
    explain,
    explain_logical_change,
)
from meshgov.checks.compatibility.resolution import resolve
from meshgov.models.events import Finding, Severity
from meshgov.models.sla import CompatibilityMode

INVALID_SCHEMA = "INVALID_SCHEMA"
INVALID_HISTORY_SCHEMA = "INVALID_HISTORY_SCHEMA"
SCHEMA_UNCHANGED = "SCHEMA_UNCHANGED"

SchemaSource = str | dict[str, Any] | list[Any]

SCHEMAS = SchemaCache()
"""The process's parsed schemas, shared by `meshgov compat --batch` and the processors."""


@dataclass(frozen=True)
class SchemaVersion:
    """One accepted version of a schema: its product version and schema JSON (text, or
    decoded; see meshgov.avro.load_json)."""

    version: str
    schema: SchemaSource


@dataclass(frozen=True)
class CompatibilityReport:
    compatible: bool
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


def clear_parse_cache() -> None:
    SCHEMAS.clear()


def _directions(mode: CompatibilityMode) -> tuple[bool, bool]:
    backward = mode.value.startswith(("BACKWARD", "FULL"))
    forward = mode.value.startswith(("FORWARD", "FULL"))
    return backward, forward


def compared_versions(mode: CompatibilityMode, count: int) -> range:
    """Indexes (oldest first) of the history versions `mode` checks a new schema against."""
    if mode is CompatibilityMode.NONE or count == 0:
        return range(0)
    return range(count) if mode.value.endswith("TRANSITIVE") else range(count - 1, count)


def check_schema(
    new: SchemaSource,
    previous: Sequence[SchemaVersion],
    mode: CompatibilityMode,
    port: str | None = None,
    cache: SchemaCache = SCHEMAS,
) -> CompatibilityReport:
    """Every incompatibility of `new` with `previous` (oldest first) under `mode`."""
    details = {"port": port} if port else {}
    # Oldest first, each version parsed beside the one before it, the new one beside the
    # latest readable: unchanged fields are shared, and resolution skips shared fields.
    entries: list[ParsedSchema] = []
    base: ParsedSchema | None = None
    for earlier in previous:
        entry = cache.get(earlier.schema, base)
        entries.append(entry)
        if entry.schema is not None:
            base = entry
    current = cache.get(new, base)
    if current.schema is None:
        assert current.error is not None
        return CompatibilityReport(False, [_invalid(current.error, details)])
    new_schema = current.schema

    if entries and entries[-1].canonical == current.canonical:
        latest = previous[-1].version
        message = f"The schema is identical to version {latest}, the latest; nothing changes."
        info = Finding(
            code=SCHEMA_UNCHANGED,
            severity=Severity.INFO,
            message=message,
            against_version=latest,
            details=details,
        )
        return CompatibilityReport(True, [info])

    backward, forward = _directions(mode)
    directions = ((NEW_READS_OLD,) if backward else ()) + ((OLD_READS_NEW,) if forward else ())
    compared = compared_versions(mode, len(previous))
    mode_name = mode.value
    findings: list[Finding] = []
    for index in reversed(range(len(previous))):
        version, entry = previous[index].version, entries[index]
        if entry.schema is None:
            assert entry.error is not None
            findings.append(_unreadable(entry.error, version, mode, index in compared, details))
            continue
        if index not in compared:
            continue
        old = entry.schema
        for direction in directions:
            if direction == NEW_READS_OLD:
                result = resolve(new_schema, old)
            else:
                result = resolve(old, new_schema)
            for item in result.incompatibilities:
                findings.append(
                    Finding(
                        code=item.code,
                        message=explain(item, direction, version),
                        path=item.path or "/",
                        against_version=version,
                        details={
                            **details,
                            "mode": mode_name,
                            "direction": direction,
                            "detail": item.detail,
                        },
                    )
                )
            if result.logical_type_changes and (direction == NEW_READS_OLD or not backward):
                for item in result.logical_type_changes:
                    findings.append(
                        Finding(
                            code=item.code,
                            severity=Severity.WARNING,
                            message=explain_logical_change(item, version),
                            path=item.path,
                            against_version=version,
                            details={**details, "detail": item.detail},
                        )
                    )
    compatible = not any(f.severity is Severity.ERROR for f in findings)
    return CompatibilityReport(compatible, findings)


def _invalid(exc: InvalidSchemaError, details: dict[str, str]) -> Finding:
    return Finding(
        code=INVALID_SCHEMA,
        severity=Severity.ERROR,
        message=f"The new schema is not a valid Avro schema: {exc.reason}.",
        path=exc.path,
        details=details,
    )


def _unreadable(
    exc: InvalidSchemaError,
    version: str,
    mode: CompatibilityMode,
    compared: bool,
    details: dict[str, str],
) -> Finding:
    subject = f"The accepted schema of version {version} is not a valid Avro schema: {exc.reason}."
    if compared:
        consequence = (
            f" {mode.value} compares the new schema with it, and nothing can be read with it "
            f"or from it, so the new schema counts as incompatible. Correct that version in "
            f"the history, or register under a mode that does not compare with it."
        )
    else:
        consequence = (
            f" {mode.value} does not compare the new schema with it, so the verdict does not "
            f"depend on it; correct it before a mode that does needs it."
        )
    return Finding(
        code=INVALID_HISTORY_SCHEMA,
        severity=Severity.ERROR if compared else Severity.WARNING,
        message=subject + consequence,
        path=exc.path,
        against_version=version,
        details={**details, "mode": mode.value},
    )
