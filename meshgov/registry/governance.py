"""meshgov governs the Schema Registry subjects of accepted streaming ports: on acceptance the
port's schema is registered under its subject (topic name strategy, `<topic>-value`) and the
subject's compatibility level set from the product's schema stability. `subject_actions` is
pure; `apply_action` makes one action so in a registry, idempotently: applied twice, or again
after a crash between its steps, it leaves the subject as applied once."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

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
    port: str | None = None

    @property
    def fingerprint(self) -> str:
        return schema_fingerprint(self.schema_text)


def subject_name(topic: str) -> str:
    return f"{topic}-value"


def subject_actions(product: DataProduct, registration_id: str) -> list[SubjectAction]:
    """One action per Avro schema of a streaming Avro port: its value schema under the
    port's subject, its key schema (if it gives one) under `<topic>-key`."""
    level = product.sla.schema_stability.compatibility
    actions = []
    for port in product.output_ports:
        if port.type is not PortType.STREAMING or port.format.value.upper() != "AVRO":
            continue
        for subject, schema in (
            (port.value_subject, port.avro_schema),
            (port.key_subject, port.key_schema),
        ):
            if subject is None or schema is None:
                continue
            actions.append(
                SubjectAction(
                    subject=subject,
                    schema_text=schema if isinstance(schema, str) else json.dumps(schema),
                    compatibility=level,
                    product=product.name,
                    registration_id=registration_id,
                    port=port.name,
                )
            )
    return actions


def schema_fingerprint(text: str | None) -> str:
    """What identifies a schema however a registry lays it out: sha256 of its JSON with
    names fully qualified (no `namespace`), a primitive written `{"type": "string"}` taken
    as `"string"`, keys sorted. A doc, default or alias changed is another schema."""
    import fastavro

    try:
        value: Any = json.loads(text or "null")
        value = fastavro.parse_schema(value, named_schemas={}, _write_hint=False)
    except Exception:  # noqa: BLE001 - not an Avro schema: identified by its text
        value = text
    canonical = json.dumps(_collapsed(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _collapsed(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"type"} and isinstance(value["type"], str):
            return value["type"]
        return {k: _collapsed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_collapsed(v) for v in value]
    return value


def apply_action(registry: SchemaRegistryClient, action: SubjectAction) -> int:
    """Make the subject hold the action's schema (as its latest version unless it holds it
    already) at the action's level; the schema's id.

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
    if latest is not None and schema_fingerprint(latest.schema.schema_str) == action.fingerprint:
        registry.set_compatibility(subject_name=action.subject, level=level)
        return int(latest.schema_id)
    registry.set_compatibility(subject_name=action.subject, level=level)
    try:
        # Already a version (an adopted history replayed, or a schema accepted again): the
        # registry would add nothing either, and a replay must not reorder the subject.
        return int(registry.lookup_schema(action.subject, schema).schema_id)
    except SchemaRegistryError as error:
        if error.http_status_code != 404:
            raise
    try:
        return int(registry.register_schema(action.subject, schema))
    except SchemaRegistryError as error:
        if error.http_status_code != 409:
            raise
    registry.set_compatibility(subject_name=action.subject, level="NONE")
    schema_id = registry.register_schema(action.subject, schema)
    registry.set_compatibility(subject_name=action.subject, level=level)
    return int(schema_id)
