"""meshgov governs the Schema Registry subjects of accepted streaming ports: on acceptance the
port's schema is registered under its subject (topic name strategy, `<topic>-value`) and the
subject's compatibility level set from the product's schema stability. `subject_actions` is
pure; `apply_action` makes one action so in a registry, idempotently: applied twice, or again
after a crash between its steps, it leaves the subject as applied once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.sla import CompatibilityMode

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient


class SubjectAction(BaseModel):
    """Subject `subject` ends with `schema` as its latest version, at `compatibility`."""

    model_config = ConfigDict(frozen=True)

    subject: str
    schema_text: str
    compatibility: CompatibilityMode
    product: str
    registration_id: str


def subject_name(topic: str) -> str:
    return f"{topic}-value"


def subject_actions(product: DataProduct, registration_id: str) -> list[SubjectAction]:
    """One action per streaming Avro port with a schema."""
    level = product.sla.schema_stability.compatibility
    actions = []
    for port in product.output_ports:
        if port.type is not PortType.STREAMING or not port.kafka_topic:
            continue
        if port.avro_schema is None or port.format.value.upper() != "AVRO":
            continue
        schema = port.avro_schema
        text = schema if isinstance(schema, str) else json.dumps(schema)
        actions.append(
            SubjectAction(
                subject=subject_name(port.kafka_topic),
                schema_text=text,
                compatibility=level,
                product=product.name,
                registration_id=registration_id,
            )
        )
    return actions


def apply_action(registry: SchemaRegistryClient, action: SubjectAction) -> int:
    """Make the subject end with the action's schema at its level; the schema's id.

    A schema the subject's level refuses (409: a scheduled breaking change meshgov accepted
    with its notice, or a version the registry judges otherwise than meshgov, whose verdict
    decides) is registered with the level lifted to NONE for that one registration and then
    restored."""
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    schema = Schema(action.schema_text, "AVRO")
    level = action.compatibility.value
    try:
        latest = registry.get_latest_version(action.subject)
    except SchemaRegistryError as error:
        if error.http_status_code != 404:
            raise
        latest = None
    if latest is not None and _same(latest.schema.schema_str, action.schema_text):
        registry.set_compatibility(subject_name=action.subject, level=level)
        return int(latest.schema_id)
    registry.set_compatibility(subject_name=action.subject, level=level)
    try:
        return int(registry.register_schema(action.subject, schema))
    except SchemaRegistryError as error:
        if error.http_status_code != 409:
            raise
    registry.set_compatibility(subject_name=action.subject, level="NONE")
    schema_id = registry.register_schema(action.subject, schema)
    registry.set_compatibility(subject_name=action.subject, level=level)
    return int(schema_id)


def _same(registered: str | None, wanted: str) -> bool:
    try:
        return bool(json.loads(registered or "null") == json.loads(wanted))
    except ValueError:
        return False
