from __future__ import annotations

from typing import Any

import pytest

from meshgov.checks.pii.detectors import detect
from meshgov.checks.pii.masking import mask
from meshgov.checks.pii.policy import check_product_pii
from meshgov.checks.pii.schema import classify_schema
from meshgov.models import parse_descriptor
from meshgov.models.descriptor import PiiClass as P
from meshgov.models.events import CheckStatus
from meshgov.models.policy import GlobalPolicy, PiiException, PiiPolicy
from tests.support.descriptors import example_descriptor

CUSTOMER = {
    "type": "record",
    "name": "Customer",
    "fields": [
        {"name": "customer_id", "type": "string"},
        {"name": "emailAddress", "type": "string"},
        {"name": "msisdn", "type": ["null", "string"], "default": None},
        {"name": "dob", "type": "string"},
        {"name": "note", "type": "string", "doc": "The customer's date of birth, as entered"},
        {"name": "ref", "type": "string", "tags": ["pii:passport"]},
        {
            "name": "shipping",
            "type": {
                "type": "record",
                "name": "Shipping",
                "fields": [
                    {"name": "street_address", "type": "string"},
                    {"name": "shipped_at", "type": "long"},
                ],
            },
        },
        {
            "name": "contacts",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Contact",
                    "fields": [{"name": "e_mail", "type": "string"}],
                },
            },
        },
    ],
}


def test_schema_classification_reads_names_docs_tags_and_nested_records() -> None:
    found = {(f.path, f.pii, f.reason) for f in classify_schema(CUSTOMER)}
    assert found == {
        ("emailAddress", P.EMAIL, "its name"),
        ("msisdn", P.PHONE, "its name"),
        ("dob", P.DATE_OF_BIRTH, "its name"),
        ("note", P.DATE_OF_BIRTH, "its doc"),
        ("ref", P.PASSPORT, "its tags"),
        ("shipping.street_address", P.STREET_ADDRESS, "its name"),
        ("contacts.e_mail", P.EMAIL, "its name"),
    }


def product(seed: str, schema: dict[str, Any], fields: dict[str, str] | None = None) -> Any:
    return parse_descriptor(
        example_descriptor(schema=schema, fields=fields, seed=seed)
    ).data_product


ORDER = {
    "type": "record",
    "name": "Order",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "email", "type": "string"}],
}


def test_an_undeclared_pii_field_fails_naming_the_field_and_what_to_declare(
    seed_descriptor_text: str,
) -> None:
    status, findings, _ = check_product_pii(product(seed_descriptor_text, ORDER), GlobalPolicy())
    assert status is CheckStatus.FAILED
    (finding,) = findings
    assert finding.code == "PII_UNDECLARED"
    assert finding.path == "data_product.output_ports[0].fields.email"
    assert "Field 'email' of port orders-events looks like EMAIL" in finding.message
    assert "email: {pii: EMAIL, protection: hashed}" in finding.message


def test_declared_pii_needs_a_protection(seed_descriptor_text: str) -> None:
    unprotected = {"email": "{pii: EMAIL}"}
    status, findings, _ = check_product_pii(
        product(seed_descriptor_text, ORDER, unprotected), GlobalPolicy()
    )
    assert status is CheckStatus.FAILED
    assert [f.code for f in findings] == ["PII_UNPROTECTED"]
    assert "encrypted, hashed, tokenized or masked" in findings[0].message

    hashed = {"email": "{pii: EMAIL, protection: hashed}"}
    assert check_product_pii(product(seed_descriptor_text, ORDER, hashed), GlobalPolicy())[0] is (
        CheckStatus.PASSED
    )
    not_pii = {"email": "{pii: none}"}
    assert check_product_pii(product(seed_descriptor_text, ORDER, not_pii), GlobalPolicy())[0] is (
        CheckStatus.PASSED
    )


def test_the_global_policy_can_allow_a_named_exception(seed_descriptor_text: str) -> None:
    policy = GlobalPolicy(
        pii=PiiPolicy(
            exceptions=[
                PiiException(
                    product="orders-daily-aggregated",
                    field="email",
                    reason="support mailbox, not a person",
                )
            ]
        )
    )
    status, findings, _ = check_product_pii(product(seed_descriptor_text, ORDER), policy)
    assert status is CheckStatus.PASSED
    assert [f.code for f in findings] == ["PII_EXCEPTION_APPLIED"]
    assert "support mailbox" in findings[0].message


def test_a_classification_of_a_field_the_schema_lacks_is_a_warning(
    seed_descriptor_text: str,
) -> None:
    typo = {"email": "{pii: EMAIL, protection: hashed}", "emial": "{pii: none}"}
    status, findings, _ = check_product_pii(
        product(seed_descriptor_text, ORDER, typo), GlobalPolicy()
    )
    assert status is CheckStatus.PASSED_WITH_WARNINGS
    assert [(f.code, f.details["field"]) for f in findings] == [
        ("PII_DECLARED_FIELD_MISSING", "emial")
    ]


@pytest.mark.parametrize(
    "value",
    [
        "jane.doe@example.com",
        "4242 4242 4242 4242",
        "123-45-6789",
        "DE89370400440532013000",
        "+1 415-555-2671",
        "192.168.10.77",
        "1987-03-12",
        "Jane Doe",
        "742 Evergreen Terrace",
        "C03005988",
    ],
)
def test_masked_evidence_never_contains_the_value_or_most_of_it(value: str) -> None:
    (label,) = detect(value)
    masked = mask(value, label)
    assert value not in masked
    kept = sum(1 for a, b in zip(masked, value, strict=False) if a == b and a.isalnum())
    assert kept <= max(4, len(value) // 3), masked
    assert detect(masked) == [] or detect(masked) != [label]
