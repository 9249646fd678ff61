"""Compatibility of a new schema with a product's accepted history, in a Schema Registry mode."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from meshgov.avro import InvalidSchemaError, Schema, parse_schema
from meshgov.avro.parser import EagerParseNeeded, load_json, parse_trusted
from meshgov.checks.compatibility.messages import (
    NEW_READS_OLD,
    OLD_READS_NEW,
    explain,
    explain_logical_change,
)
from meshgov.checks.compatibility.resolution import Resolution, resolve
from meshgov.models.events import Finding, Severity
from meshgov.models.sla import CompatibilityMode

INVALID_SCHEMA = "INVALID_SCHEMA"
SCHEMA_UNCHANGED = "SCHEMA_UNCHANGED"

SchemaSource = str | dict[str, Any] | list[Any]


@dataclass(frozen=True)
class SchemaVersion:
    """One accepted version of a schema: its product version and schema JSON."""

    version: str
    schema: SchemaSource


@dataclass(frozen=True)
class CompatibilityReport:
    compatible: bool
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


@lru_cache(maxsize=1024)
def _decoded_text(text: str) -> Any:
    return load_json(text)


@lru_cache(maxsize=1024)
def _accepted(text: str, lazy: bool) -> Schema:
    return parse_trusted(_decoded_text(text), lazy)


def parse_accepted(schema: SchemaSource, lazy: bool = True) -> Schema:
    """Parse a schema of the accepted history: validated when it was accepted, so trusted,
    and lazy unless asked otherwise. Recent texts are remembered, since a product's history
    is compared again at each registration."""
    return _accepted(_as_text(schema), lazy)


def _as_text(schema: SchemaSource) -> str:
    return schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)


def clear_parse_cache() -> None:
    _decoded_text.cache_clear()
    _accepted.cache_clear()


def _directions(mode: CompatibilityMode) -> tuple[bool, bool]:
    backward = mode.value.startswith(("BACKWARD", "FULL"))
    forward = mode.value.startswith(("FORWARD", "FULL"))
    return backward, forward


def check_schema(
    new: SchemaSource,
    previous: Sequence[SchemaVersion],
    mode: CompatibilityMode,
    port: str | None = None,
) -> CompatibilityReport:
    """Every incompatibility of `new` with `previous` (oldest first) under `mode`."""
    details = {"port": port} if port else {}
    try:
        new_json = load_json(new)
        new_schema = parse_schema(new_json)
    except InvalidSchemaError as exc:
        return CompatibilityReport(False, [_invalid(exc, None, details)])
    except (TypeError, ValueError) as exc:
        return CompatibilityReport(False, [_invalid(InvalidSchemaError(str(exc)), None, details)])

    if previous:
        for earlier in previous:
            if _decoded(earlier.schema) == new_json:
                message = f"The schema is identical to version {earlier.version}; nothing changes."
                info = Finding(
                    code=SCHEMA_UNCHANGED,
                    severity=Severity.INFO,
                    message=message,
                    against_version=earlier.version,
                    details=details,
                )
                return CompatibilityReport(True, [info])

    backward, forward = _directions(mode)
    if mode is CompatibilityMode.NONE or not previous:
        return CompatibilityReport(True, [])
    against = previous if mode.value.endswith("TRANSITIVE") else previous[-1:]
    findings: list[Finding] = []
    for earlier in reversed(against):
        for direction in ((NEW_READS_OLD,) if backward else ()) + (
            (OLD_READS_NEW,) if forward else ()
        ):
            try:
                result = _resolve_with(new_schema, earlier.schema, direction)
            except (InvalidSchemaError, TypeError, ValueError, KeyError, AttributeError) as exc:
                reason = (
                    exc if isinstance(exc, InvalidSchemaError) else InvalidSchemaError(str(exc))
                )
                findings.append(_invalid(reason, earlier.version, details, earlier=True))
                break
            for item in result.incompatibilities:
                findings.append(
                    Finding(
                        code=item.code,
                        severity=Severity.ERROR,
                        message=explain(item, direction, earlier.version),
                        path=item.path or "/",
                        against_version=earlier.version,
                        details={
                            **details,
                            "mode": mode.value,
                            "direction": direction,
                            "detail": item.detail,
                        },
                    )
                )
            if direction == NEW_READS_OLD or not backward:
                for item in result.logical_type_changes:
                    findings.append(
                        Finding(
                            code=item.code,
                            severity=Severity.WARNING,
                            message=explain_logical_change(item, earlier.version),
                            path=item.path,
                            against_version=earlier.version,
                            details={**details, "detail": item.detail},
                        )
                    )
    compatible = not any(f.severity is Severity.ERROR for f in findings)
    return CompatibilityReport(compatible, findings)


def _decoded(schema: SchemaSource) -> Any:
    try:
        return _decoded_text(_as_text(schema))
    except InvalidSchemaError:
        return None


def _resolve_with(new: Schema, accepted: SchemaSource, direction: str) -> Resolution:
    """Resolve `new` against an accepted schema, parsed lazily where it can be."""
    for lazy in (True, False):
        old = parse_accepted(accepted, lazy)
        try:
            if direction == NEW_READS_OLD:
                return resolve(new, old)
            return resolve(old, new)
        except EagerParseNeeded:
            continue
    raise AssertionError("an eager parse never asks for an eager parse")


def _invalid(
    exc: InvalidSchemaError, version: str | None, details: dict[str, str], earlier: bool = False
) -> Finding:
    subject = f"The accepted schema of version {version}" if earlier else "The new schema"
    return Finding(
        code=INVALID_SCHEMA,
        severity=Severity.WARNING if earlier else Severity.ERROR,
        message=f"{subject} is not a valid Avro schema: {exc.reason}.",
        path=exc.path,
        against_version=version,
        details=details,
    )
