from __future__ import annotations

from datetime import UTC, datetime

from meshgov.checks.compatibility import check_registration
from meshgov.checks.compatibility.history import load_history, with_accepted
from meshgov.models import parse_descriptor
from meshgov.models.events import CheckStatus, Registration
from tests.support.descriptors import example_descriptor

SCHEMA = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}


def product(seed: str, version: str) -> object:
    text = example_descriptor(version=version, schema=SCHEMA, seed=seed)
    return parse_descriptor(text).data_product


def test_accepting_records_each_schema_port_once_per_version(seed_descriptor_text: str) -> None:
    v1 = product(seed_descriptor_text, "1.0.0")
    once = with_accepted({}, v1)  # type: ignore[arg-type]
    assert list(once) == ["orders-events"]  # the batch port declares no schema
    assert with_accepted(once, v1) == once  # type: ignore[arg-type]
    twice = with_accepted(once, product(seed_descriptor_text, "1.1.0"))  # type: ignore[arg-type]
    assert [v.version for v in load_history(twice)["orders-events"]] == ["1.0.0", "1.1.0"]


def test_a_registration_whose_descriptor_does_not_parse_fails_naming_the_field(
    seed_descriptor_text: str,
) -> None:
    registration = Registration(
        registration_id="r-1",
        product="orders-daily-aggregated",
        version="1.0.0",
        domain="orders",
        owner="orders-team@company.com",
        descriptor=seed_descriptor_text.replace('"99.5%"', '"always"'),
        submitted_by="ci",
        submitted_at=datetime(2026, 11, 25, tzinfo=UTC),
    )
    result = check_registration(registration, {})
    assert result.status is CheckStatus.FAILED
    assert result.check == "compatibility"
    assert [(f.code, f.path, f.details) for f in result.findings] == [
        ("INVALID_DESCRIPTOR", "data_product.sla.availability", {"line": "14"})
    ]
