"""The registration-time sla check. The descriptor model already refuses what does not
parse (a cron that is not one, a percentage above 100); this check refuses what parses but
cannot be enforced: a schedule that never runs, a deadline with no scheduled port, an
availability target with nothing to measure, a quality rule on a column no schema has."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from meshgov.checks.freshness.schedule import NeverRunsError, Schedule, scheduled_runs
from meshgov.checks.pii.schema import schema_fields
from meshgov.checks.quality.rules import BATCH_ONLY
from meshgov.checks.registration import run_check
from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.events import CheckResult, CheckStatus, Finding, Registration, Severity

CHECK_NAME = "sla"


def _error(code: str, message: str, path: str) -> Finding:
    return Finding(code=code, message=message, path=path)


def _warning(code: str, message: str, path: str) -> Finding:
    return Finding(code=code, severity=Severity.WARNING, message=message, path=path)


def port_columns(product: DataProduct) -> dict[str, frozenset[str] | None]:
    """Each port's columns (dotted paths) from its schema; None for a port without one."""
    columns: dict[str, frozenset[str] | None] = {}
    for port in product.output_ports:
        assert port.name is not None
        schema: Any = port.avro_schema
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except json.JSONDecodeError:
                schema = None
        columns[port.name] = None if schema is None else frozenset(schema_fields(schema))
    return columns


def _freshness(product: DataProduct, now: datetime) -> list[Finding]:
    freshness = product.sla.freshness
    findings: list[Finding] = []
    if freshness is None:
        if product.sla.availability is not None:
            findings.append(
                _error(
                    "SLA_AVAILABILITY_UNMEASURABLE",
                    "availability is the share of time the freshness SLA is met; "
                    "state a freshness SLA to measure it against",
                    "data_product.sla.availability",
                )
            )
        return findings
    if freshness.max_silence is not None:
        return findings
    scheduled = 0
    for index, port in enumerate(product.output_ports):
        path = f"data_product.output_ports[{index}]"
        if port.type is not PortType.BATCH:
            continue
        if port.refresh is None:
            findings.append(
                _warning(
                    "SLA_PORT_UNSCHEDULED",
                    f"batch port {port.name!r} has no refresh schedule, so the freshness "
                    f"deadline ({freshness.describe()}) cannot be watched on it",
                    f"{path}.refresh",
                )
            )
            continue
        scheduled += 1
        schedule = Schedule(port.refresh, port.timezone, freshness)
        try:
            run, deadline = schedule.next_deadline(now)
            following = next(
                iter(scheduled_runs(port.refresh, port.timezone, run, deadline, 1)), None
            )
        except NeverRunsError as error:
            findings.append(_error("SLA_SCHEDULE_NEVER_RUNS", str(error), f"{path}.refresh"))
            continue
        if following is not None and following < deadline:
            findings.append(
                _warning(
                    "SLA_DEADLINE_AFTER_NEXT_RUN",
                    f"the {run:%H:%M} run is due at {deadline:%Y-%m-%d %H:%M} UTC, after "
                    f"the next run ({following:%Y-%m-%d %H:%M} UTC) starts: is the deadline "
                    f"({freshness.describe()}) meant for this schedule?",
                    "data_product.sla.freshness",
                )
            )
    if scheduled == 0:
        findings.append(
            _error(
                "SLA_FRESHNESS_UNENFORCEABLE",
                f"freshness '{freshness.describe()}' needs a batch port with a refresh "
                f"schedule; for streaming ports state a maximum silence such as "
                f"'no records for 15 minutes'",
                "data_product.sla.freshness",
            )
        )
    return findings


def _quality(product: DataProduct) -> list[Finding]:
    findings: list[Finding] = []
    columns = port_columns(product)
    has_batch = any(port.type is PortType.BATCH for port in product.output_ports)
    known = [c for c in columns.values() if c is not None]
    for index, rule in enumerate(product.quality):
        path = f"data_product.quality[{index}]"
        if rule.kind in BATCH_ONLY and not has_batch:
            findings.append(
                _error(
                    "QUALITY_RULE_NOT_APPLICABLE",
                    f"{rule.metric} is measured on batch outputs and the product has no batch port",
                    f"{path}.metric",
                )
            )
        if rule.column is None:
            continue
        if not known:
            findings.append(
                Finding(
                    severity=Severity.INFO,
                    code="QUALITY_COLUMN_UNVERIFIED",
                    message=f"{rule.metric} names column {rule.column!r}, which cannot be checked "
                    f"before data arrives: no output port declares a schema",
                    path=f"{path}.metric",
                )
            )
        elif not any(rule.column in c for c in known):
            findings.append(
                _error(
                    "QUALITY_UNKNOWN_COLUMN",
                    f"{rule.metric} names column {rule.column!r}, which no output port's "
                    f"schema has",
                    f"{path}.metric",
                )
            )
    return findings


def check_product_sla(
    product: DataProduct, now: datetime | None = None
) -> tuple[CheckStatus, list[Finding], None]:
    findings = _freshness(product, now or datetime.now(UTC)) + _quality(product)
    if any(f.severity is Severity.ERROR for f in findings):
        return CheckStatus.FAILED, findings, None
    if any(f.severity is Severity.WARNING for f in findings):
        return CheckStatus.PASSED_WITH_WARNINGS, findings, None
    return CheckStatus.PASSED, findings, None


def check_registration(registration: Registration, now: datetime | None = None) -> CheckResult:
    return run_check(registration, CHECK_NAME, lambda product: check_product_sla(product, now), now)
