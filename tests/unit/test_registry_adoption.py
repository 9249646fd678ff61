"""What adopting a registry's subjects registers, without a registry: one product per
`<topic>-value` subject, one registration per version, oldest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from meshgov.models.loading import parse_descriptor
from meshgov.models.sla import CompatibilityMode
from meshgov.registry.adoption import (
    RegisteredSchemaVersion,
    SubjectHistory,
    adopt,
    descriptor,
    product_name,
)

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2 = {
    **V1,
    "fields": [*V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
}
V3 = {**V1, "fields": [*V2["fields"], {"name": "region", "type": "string"}]}  # no default


def history(subject: str, *schemas: dict, level: str = "BACKWARD") -> SubjectHistory:
    return SubjectHistory(
        subject,
        CompatibilityMode(level),
        [RegisteredSchemaVersion(i + 1, 100 + i, json.dumps(s)) for i, s in enumerate(schemas)],
    )


def test_each_version_becomes_a_registration_minor_when_its_level_accepts_it() -> None:
    adoption = adopt(history("sales.orders-value", V1, V2))
    assert (adoption.product, adoption.topic, adoption.skipped) == (
        "sales-orders",
        "sales.orders",
        None,
    )
    assert [a.version for a in adoption.versions] == ["1.0.0", "1.1.0"]
    product = parse_descriptor(
        descriptor(adoption, adoption.versions[1], "sales@company.com", "sales", AT), "t"
    ).data_product
    port = product.output_ports[0]
    assert (product.name, product.version, product.domain) == ("sales-orders", "1.1.0", "sales")
    assert (port.kafka_topic, port.value_subject) == ("sales.orders", "sales.orders-value")
    assert json.loads(str(port.avro_schema)) == V2
    assert product.sla.schema_stability.compatibility is CompatibilityMode.BACKWARD
    assert product.effective_at is None
    assert "version 2 (schema id 101)" in product.description


def test_a_step_its_level_refuses_is_a_major_version_effective_at_once() -> None:
    adoption = adopt(history("orders-value", V1, V2, V3))
    assert [(a.version, a.breaking) for a in adoption.versions] == [
        ("1.0.0", False),
        ("1.1.0", False),
        ("2.0.0", True),
    ]
    product = parse_descriptor(
        descriptor(adoption, adoption.versions[2], "o@company.com", None, AT), "t"
    ).data_product
    assert product.effective_at == AT
    assert product.sla.schema_stability.breaking_change_notice_days == 0


def test_under_none_every_step_is_minor() -> None:
    adoption = adopt(history("orders-value", V1, V3, level="NONE"))
    assert [a.version for a in adoption.versions] == ["1.0.0", "1.1.0"]


def test_subjects_that_cannot_be_adopted_say_why() -> None:
    assert adopt(history("com.company.Order", V1)).skipped == (
        "not a <topic>-value subject (topic name strategy)"
    )
    assert "no product name" in str(adopt(history("___-value", V1)).skipped)
    referencing = SubjectHistory(
        "orders-value",
        CompatibilityMode.BACKWARD,
        [RegisteredSchemaVersion(1, 1, json.dumps(V1), references=1)],
    )
    assert adopt(referencing).skipped == "version 1 uses schema references"
    protobuf = SubjectHistory(
        "orders-value",
        CompatibilityMode.BACKWARD,
        [RegisteredSchemaVersion(1, 1, "syntax = 'proto3';", schema_type="PROTOBUF")],
    )
    assert adopt(protobuf).skipped == "version 1 is PROTOBUF, not Avro"


def test_product_names_are_made_of_topic_names() -> None:
    assert product_name("Sales.Orders_V2") == "sales-orders-v2"
    assert product_name("2024-orders") == "orders"
    assert product_name("___") is None
