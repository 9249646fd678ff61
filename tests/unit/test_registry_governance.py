"""Which Schema Registry subjects an accepted product governs, and what it registers in
them; pure, without a registry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from meshgov.checks.compatibility.history import load_history, with_accepted
from meshgov.checks.compatibility.policy import check_product
from meshgov.models.events import CheckStatus
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.registry.governance import schema_fingerprint, subject_actions
from tests.support.descriptors import example_descriptor

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
KEY = {"type": "record", "name": "OrderKey", "fields": [{"name": "order_id", "type": "string"}]}


def product(text: str, **port: Any) -> Any:
    extra = "".join(
        f"      {k}: {json.dumps(json.dumps(v) if isinstance(v, dict) else v)}\n"
        for k, v in port.items()
    )
    text = text.replace(
        '      location: "kafka://orders-events"\n',
        '      location: "kafka://orders-events"\n' + extra,
    )
    return parse_descriptor(text, "test").data_product


def test_a_streaming_port_governs_its_topic_name_subject_at_its_stability_level() -> None:
    [action] = subject_actions(product(example_descriptor(schema=ORDER)), "reg-1")
    assert (action.subject, action.compatibility.value) == ("orders-events-value", "BACKWARD")
    assert (action.product, action.port, action.registration_id) == (
        "orders-daily-aggregated",
        "orders-events",
        "reg-1",
    )
    assert json.loads(action.schema_text) == ORDER


def test_a_port_may_name_its_subject_and_give_a_key_schema() -> None:
    described = product(example_descriptor(schema=ORDER), subject="orders.v1", key_schema=KEY)
    actions = {a.subject: a for a in subject_actions(described, "reg-1")}
    assert set(actions) == {"orders.v1", "orders-events-key"}
    assert json.loads(actions["orders-events-key"].schema_text) == KEY


def test_a_breaking_key_schema_is_checked_like_the_value_schema() -> None:
    first = product(example_descriptor(schema=ORDER), key_schema=KEY)
    wider = {**KEY, "fields": [*KEY["fields"], {"name": "region", "type": "string"}]}
    second = product(example_descriptor(schema=ORDER, version="1.1.0"), key_schema=wider)
    outcome = check_product(second, load_history(with_accepted({}, first)), NOW)
    assert outcome.status is CheckStatus.FAILED
    assert any(f.details.get("port") == "orders-events:key" for f in outcome.findings)


def test_a_batch_port_has_no_subject() -> None:
    text = example_descriptor(schema=ORDER).replace(
        '      location: "s3://', '      subject: "x"\n      location: "s3://'
    )
    assert text != example_descriptor(schema=ORDER)
    with pytest.raises(DescriptorError, match="only a streaming port"):
        parse_descriptor(text, "test")


def test_a_schema_is_identified_however_a_registry_lays_it_out() -> None:
    relaid = {
        "fields": [{"type": {"type": "string"}, "name": "order_id"}],
        "type": "record",
        "name": "Order",
    }
    assert schema_fingerprint(json.dumps(ORDER)) == schema_fingerprint(json.dumps(relaid))
    documented = {**ORDER, "doc": "orders"}
    assert schema_fingerprint(json.dumps(ORDER)) != schema_fingerprint(json.dumps(documented))
