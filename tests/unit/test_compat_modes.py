from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meshgov.checks.compatibility import SchemaVersion, check_product, check_schema
from meshgov.models import parse_descriptor
from meshgov.models.events import CheckStatus, Severity
from meshgov.models.sla import CompatibilityMode as Mode
from tests.support.descriptors import SEED, example_descriptor


def order(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}, *extra]}


OPTIONAL = {"name": "note", "type": ["null", "string"], "default": None}
DEFAULTED = {"name": "note", "type": "string", "default": ""}
REQUIRED = {"name": "note", "type": "string"}

# v1 lacks `note`; v2 adds it with a default; v3 drops the default. v3 reads v2 (the field is
# there) but not v1 (no default): the modes that look at v1 disagree with those that don't.
HISTORY = [SchemaVersion("1.0.0", order()), SchemaVersion("1.1.0", order(DEFAULTED))]


@pytest.mark.parametrize(
    ("mode", "compatible", "against"),
    [
        (Mode.NONE, True, []),
        (Mode.BACKWARD, True, []),
        (Mode.BACKWARD_TRANSITIVE, False, ["1.0.0"]),
        (Mode.FORWARD, True, []),
        (Mode.FORWARD_TRANSITIVE, True, []),
        (Mode.FULL, True, []),
        (Mode.FULL_TRANSITIVE, False, ["1.0.0"]),
    ],
)
def test_transitive_modes_check_every_earlier_version(
    mode: Mode, compatible: bool, against: list[str]
) -> None:
    report = check_schema(order(REQUIRED), HISTORY, mode)
    assert report.compatible is compatible
    assert [f.against_version for f in report.errors] == against


def test_forward_mode_reads_new_data_with_the_old_schema() -> None:
    removed = {"type": "record", "name": "Order", "fields": []}
    history = [SchemaVersion("1.0.0", order())]
    assert check_schema(removed, history, Mode.BACKWARD).compatible
    report = check_schema(removed, history, Mode.FORWARD)
    assert not report.compatible
    (finding,) = report.errors
    assert finding.code == "READER_FIELD_MISSING_DEFAULT_VALUE"
    assert finding.path == "/fields/id"
    assert "consumers still on version 1.0.0" in finding.message
    assert finding.details["direction"] == "old reads new"


def test_the_first_version_passes_but_is_still_validated() -> None:
    assert check_schema(order(), [], Mode.FULL_TRANSITIVE).compatible
    invalid = check_schema({"type": "record", "name": "Order"}, [], Mode.BACKWARD)
    assert not invalid.compatible
    assert invalid.findings[0].code == "INVALID_SCHEMA"


def test_re_registering_an_identical_schema_is_a_no_op() -> None:
    reformatted = (
        '{"name": "Order", "fields": [{"type": "string", "name": "id"}], "type": "record"}'
    )
    report = check_schema(reformatted, [SchemaVersion("1.0.0", order())], Mode.FULL_TRANSITIVE)
    assert report.compatible
    assert [(f.code, f.severity, f.against_version) for f in report.findings] == [
        ("SCHEMA_UNCHANGED", Severity.INFO, "1.0.0")
    ]


def descriptor(version: str, schema: dict[str, Any], effective: str | None = None) -> Any:
    text = example_descriptor(version=version, schema=schema, effective=effective)
    return parse_descriptor(text).data_product


SUBMITTED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BREAKING = order({"name": "total", "type": "string"})  # added without a default
PRODUCT_HISTORY = {"orders-events": [SchemaVersion("1.0.0", order())]}


def test_a_compatible_change_passes() -> None:
    outcome = check_product(descriptor("1.1.0", order(OPTIONAL)), PRODUCT_HISTORY, SUBMITTED)
    assert (outcome.status, outcome.findings) == (CheckStatus.PASSED, [])


def test_a_breaking_change_without_a_major_version_is_rejected() -> None:
    outcome = check_product(descriptor("1.1.0", BREAKING), PRODUCT_HISTORY, SUBMITTED)
    assert outcome.status is CheckStatus.FAILED
    assert [f.code for f in outcome.findings] == [
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "BREAKING_CHANGE_NEEDS_MAJOR_VERSION",
    ]


def test_a_breaking_change_with_too_little_notice_is_rejected_naming_the_earliest_date() -> None:
    outcome = check_product(descriptor("2.0.0", BREAKING, "2026-12-10"), PRODUCT_HISTORY, SUBMITTED)
    assert outcome.status is CheckStatus.FAILED
    notice = outcome.findings[-1]
    assert notice.code == "BREAKING_CHANGE_NEEDS_NOTICE"
    assert "earliest allowed is 2026-12-26" in notice.message


def test_a_major_version_with_enough_notice_is_scheduled_for_its_date() -> None:
    outcome = check_product(descriptor("2.0.0", BREAKING, "2026-12-26"), PRODUCT_HISTORY, SUBMITTED)
    assert outcome.status is CheckStatus.SCHEDULED
    assert outcome.effective_at == datetime(2026, 12, 26, tzinfo=UTC)
    assert [(f.code, f.severity) for f in outcome.findings] == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", Severity.WARNING),
        ("BREAKING_CHANGE_SCHEDULED", Severity.INFO),
    ]


def test_an_invalid_schema_fails_even_with_notice() -> None:
    invalid = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "strin"}]}
    outcome = check_product(descriptor("2.0.0", invalid, "2027-06-01"), PRODUCT_HISTORY, SUBMITTED)
    assert outcome.status is CheckStatus.FAILED
    assert outcome.findings[0].code == "INVALID_SCHEMA"
    assert "unknown type 'strin'" in outcome.findings[0].message


def test_an_effective_instant_schedules_a_breaking_change_to_the_second() -> None:
    no_notice = SEED.replace(
        "Backward compatible, 30-day notice for breaking changes", "Backward compatible"
    )
    text = example_descriptor(
        seed=no_notice, version="2.0.0", schema=BREAKING, effective="2026-11-25T10:00:00Z"
    )
    outcome = check_product(parse_descriptor(text).data_product, PRODUCT_HISTORY, SUBMITTED)
    assert outcome.status is CheckStatus.SCHEDULED
    assert outcome.effective_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
