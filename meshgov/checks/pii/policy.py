"""The PII check on registration: every field that looks like PII is declared, and every
declared PII field is protected, unless the global policy grants an exception."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from meshgov.checks.pii.schema import classify_schema, schema_fields
from meshgov.checks.registration import run_check
from meshgov.models.descriptor import DataProduct, OutputPort, Protection
from meshgov.models.events import CheckResult, CheckStatus, Finding, Registration, Severity
from meshgov.models.policy import GlobalPolicy

CHECK_NAME = "pii"
PII_UNDECLARED = "PII_UNDECLARED"
PII_UNPROTECTED = "PII_UNPROTECTED"
PII_EXCEPTION_APPLIED = "PII_EXCEPTION_APPLIED"
PII_DECLARED_FIELD_MISSING = "PII_DECLARED_FIELD_MISSING"


def check_product_pii(
    product: DataProduct, policy: GlobalPolicy
) -> tuple[CheckStatus, list[Finding], datetime | None]:
    findings: list[Finding] = []
    for index, port in enumerate(product.output_ports):
        if port.avro_schema is None or port.name is None:
            continue
        raw = port.avro_schema
        try:
            schema = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue  # not a schema: the compatibility check says so
        where = f"data_product.output_ports[{index}].fields"
        findings += _classification_findings(product, port, schema, where, policy)
        findings += _declaration_findings(product, port, schema, where, policy)
    if any(f.severity is Severity.ERROR for f in findings):
        return CheckStatus.FAILED, findings, None
    if any(f.severity is Severity.WARNING for f in findings):
        return CheckStatus.PASSED_WITH_WARNINGS, findings, None
    return CheckStatus.PASSED, findings, None


def _classification_findings(
    product: DataProduct, port: OutputPort, schema: Any, where: str, policy: GlobalPolicy
) -> list[Finding]:
    """Fields that look like PII must be declared, unless the policy excepts them."""
    findings = []
    assert port.name is not None
    for field in classify_schema(schema):
        details = {"port": port.name, "field": field.path, "pii": field.pii.value}
        exception = policy.pii.exception_for(product.name, port.name, field.path)
        if exception is not None:
            findings.append(
                Finding(
                    code=PII_EXCEPTION_APPLIED,
                    severity=Severity.INFO,
                    message=f"Field '{field.path}' of port {port.name} is allowed by policy: "
                    f"{exception.reason}",
                    path=f"{where}.{field.path}",
                    details=details,
                )
            )
        elif field.path not in port.fields:
            findings.append(
                Finding(
                    code=PII_UNDECLARED,
                    message=(
                        f"Field '{field.path}' of port {port.name} looks like {field.pii.value} "
                        f"(from {field.reason}) but is not classified. Declare it under {where},"
                        f" e.g. {field.path}: {{pii: {field.pii.value}, protection: hashed}}, or"
                        f" {field.path}: {{pii: none}} if it holds no personal data."
                    ),
                    path=f"{where}.{field.path}",
                    details=details,
                )
            )
    return findings


def _declaration_findings(
    product: DataProduct, port: OutputPort, schema: Any, where: str, policy: GlobalPolicy
) -> list[Finding]:
    """Declared PII must be protected; declarations must name fields the schema has."""
    findings = []
    assert port.name is not None
    existing = schema_fields(schema)
    for path, declared in port.fields.items():
        details = {"port": port.name, "field": path}
        unprotected = declared.pii is not None and declared.protection is Protection.NONE
        if unprotected and policy.pii.exception_for(product.name, port.name, path) is None:
            assert declared.pii is not None
            findings.append(
                Finding(
                    code=PII_UNPROTECTED,
                    message=(
                        f"Field '{path}' of port {port.name} is declared {declared.pii.value} "
                        f"with no protection. Declare how it is protected: encrypted, hashed, "
                        f"tokenized or masked."
                    ),
                    path=f"{where}.{path}.protection",
                    details={**details, "pii": declared.pii.value},
                )
            )
        if path not in existing:
            findings.append(
                Finding(
                    code=PII_DECLARED_FIELD_MISSING,
                    severity=Severity.WARNING,
                    message=f"Field '{path}' is classified under port {port.name} but its "
                    f"schema has no such field.",
                    path=f"{where}.{path}",
                    details=details,
                )
            )
    return findings


def check_registration(
    registration: Registration, policy: GlobalPolicy, now: datetime | None = None
) -> CheckResult:
    return run_check(
        registration, CHECK_NAME, lambda product: check_product_pii(product, policy), now
    )
