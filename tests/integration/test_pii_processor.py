"""The PII processor on a real broker: registration policy, then leaks in the data of an
accepted product found, reported once per field and episode, masked, and resolved."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from meshgov.codec import EventCodec
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import MARKER
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import (
    OUTPUTS,
    REGISTRATIONS,
    VERDICTS,
)
from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CheckStatus,
    OutputPublished,
    Registration,
)
from meshgov.settings import Settings
from tests.support import mesh
from tests.support.descriptors import example_descriptor
from tests.support.kafka import create_topic, produce
from tests.support.mesh import Emitted, accepted
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

PRODUCT = "orders-daily-aggregated"
SCHEMA = {
    "type": "record",
    "name": "OrderEvent",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "email", "type": "string"},
        {"name": "note", "type": "string"},
    ],
}
PHONE = "+44 20 7946 0958"
EMAIL = "jane.doe@example.com"


def descriptor(topic: str, declare: bool) -> str:
    fields = {"email": "{pii: EMAIL, protection: hashed}"} if declare else None
    return example_descriptor(topic=topic, schema=SCHEMA, fields=fields)


def registration(text: str) -> Registration:
    return mesh.registration(text, PRODUCT)


def order_event(note: str) -> bytes:
    named: dict[str, Any] = {}
    parsed = parse_schema(SCHEMA, named)
    body = io.BytesIO()
    body.write(MARKER + crc64_fingerprint(parsed, named)[1])
    schemaless_writer(
        body,
        parsed,
        {
            "order_id": f"ORD-{uuid.uuid4().hex[:6]}",
            "email": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",  # hashed
            "note": note,
        },
    )
    return body.getvalue()


@pytest.fixture
def pii_mesh(
    kafka_bootstrap: str, unique: str, tmp_path: Path, codec: EventCodec
) -> Iterator[tuple[Settings, Emitted]]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"p{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    processor = ProcessorProcess(
        "pii", settings, tmp_path, env={"MESHGOV_PII_CLEAN_WINDOW_SECONDS": "3"}
    )
    processor.start()
    emitted = Emitted(settings, codec, processor.log_tail)
    yield settings, emitted
    emitted.close()
    processor.stop()


def test_undeclared_pii_is_rejected_then_leaks_in_the_data_open_and_resolve_breaches(
    pii_mesh: tuple[Settings, Emitted], codec: EventCodec
) -> None:
    settings, emitted = pii_mesh
    topic = settings.topic("orders-events")

    def send(topic_name: str, event: Any) -> None:
        produce(
            settings.bootstrap,
            [(settings.topic(topic_name), PRODUCT.encode(), codec.encode(event))],
        )

    undeclared = registration(descriptor(topic, declare=False))
    send(REGISTRATIONS, undeclared)
    rejected = emitted.result_of(undeclared)
    assert rejected.status is CheckStatus.FAILED
    (finding,) = rejected.findings
    assert (finding.code, finding.details["field"]) == ("PII_UNDECLARED", "email")
    assert "Field 'email' of port" in finding.message

    proper = registration(descriptor(topic, declare=True))
    send(REGISTRATIONS, proper)
    assert emitted.result_of(proper).status is CheckStatus.PASSED
    send(VERDICTS, accepted(proper))

    # The streaming port carries a phone number in `note`, undeclared; a batch sample carries
    # an email in a column nobody classified.
    create_topic(settings.bootstrap, topic, partitions=2)
    produce(
        settings.bootstrap, [(topic, None, order_event(f"call me on {PHONE}")) for _ in range(5)]
    )
    produce(settings.bootstrap, [(topic, None, order_event("leave at the door")) for _ in range(3)])
    now = datetime.now(UTC)
    send(
        OUTPUTS,
        OutputPublished(
            output_id=ids.output_id(PRODUCT, "batch", "r1"),
            product=PRODUCT,
            port="batch",
            run_id="r1",
            published_at=now,
            row_count=2,
            published_by="orders-batch",
            sample=[
                {"order_id": "ORD-1", "contact": EMAIL},
                {"order_id": "ORD-2", "contact": EMAIL},
            ],
        ),
    )

    def states(field: str) -> list[BreachState]:
        return [b.state for b in emitted.breaches if b.field == field]

    emitted.poll_until(
        lambda: (
            states("note") == [BreachState.OPEN, BreachState.RESOLVED]
            and states("contact") == [BreachState.OPEN, BreachState.RESOLVED]
        )
    )
    emitted.drain(seconds=4)  # and nothing more arrives
    by_field = {(b.field, b.state): b for b in emitted.breaches}
    assert len(emitted.breaches) == 4
    opened, resolved = (
        by_field[("note", BreachState.OPEN)],
        by_field[("note", BreachState.RESOLVED)],
    )
    assert (opened.kind, opened.port, opened.owner) == (
        BreachKind.PII_LEAK,
        topic,
        "orders-team@company.com",
    )
    assert opened.evidence == "**********58"  # 12 digits, the last 2 kept
    assert resolved.breach_id == opened.breach_id
    assert resolved.resolved_at is not None
    contact = by_field[("contact", BreachState.OPEN)]
    assert (contact.port, contact.evidence) == ("batch", "j***@e***.com")

    # No event meshgov wrote carries a raw PII value.
    for raw in emitted.raw:
        assert PHONE.encode() not in raw
        assert EMAIL.encode() not in raw
        assert b"7946 0958" not in raw
