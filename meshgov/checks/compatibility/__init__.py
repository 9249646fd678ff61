"""Schema compatibility: Avro resolution as Java decides it, Schema Registry's modes, and the
product's schema-stability promise."""

from meshgov.checks.compatibility.check import (
    CompatibilityReport,
    SchemaVersion,
    check_schema,
)
from meshgov.checks.compatibility.policy import (
    CHECK_NAME,
    CompatibilityOutcome,
    check_product,
    check_registration,
)
from meshgov.checks.compatibility.resolution import Incompatibility, Resolution, resolve

__all__ = [
    "CHECK_NAME",
    "CompatibilityOutcome",
    "CompatibilityReport",
    "Incompatibility",
    "Resolution",
    "SchemaVersion",
    "check_product",
    "check_registration",
    "check_schema",
    "resolve",
]
