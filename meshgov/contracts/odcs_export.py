"""A data product as an ODCS v3 data contract (the standard's pydantic model), the inverse
of meshgov.contracts.odcs_import: each output port is a schema object with a server named
after it, its Avro schema both as ODCS properties and embedded exactly (custom property
`avroSchema`), PII as classification and tags, quality rules as ODCS library metrics
(meshgov's own, row_count_vs_source, as a custom rule of engine `meshgov`), the SLA as
slaProperties, and what ODCS has no place for as custom properties."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from open_data_contract_standard.model import (
    CustomProperty,
    DataQuality,
    Description,
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
    Server,
    ServiceLevelAgreementProperty,
    Team,
    TeamMember,
)

from meshgov.contracts.avro_properties import avro_to_properties
from meshgov.contracts.odcs_import import AVRO_SCHEMA, CLASSIFICATIONS, MESHGOV_ENGINE, ODCS_KIND
from meshgov.models.descriptor import DataProduct, FieldClassification, OutputPort, PortType
from meshgov.models.quality import QualityRule, RuleKind
from meshgov.models.sla import Freshness

API_VERSION = "v3.1.0"
_STORES = {
    "s3": "s3",
    "s3a": "s3",
    "abfss": "azure",
    "az": "azure",
    "azure": "azure",
    "file": "local",
    "sftp": "sftp",
}


def export_odcs(
    product: DataProduct, kafka_host: str = "localhost:9092"
) -> OpenDataContractStandard:
    schema = [_object(port) for port in product.output_ports]
    _place_quality(product.quality, product.output_ports, schema)
    custom = _custom(product)
    return OpenDataContractStandard(
        apiVersion=API_VERSION,
        kind=ODCS_KIND,
        id=product.name,
        name=product.name,
        version=product.version,
        status="deprecated" if product.deprecated else "active",
        domain=product.domain,
        dataProduct=product.name,
        description=Description(purpose=product.description) if product.description else None,
        tags=list(product.tags) or None,
        team=Team(name=product.domain, members=[TeamMember(username=product.owner, role="owner")]),
        servers=[_server(port, kafka_host) for port in product.output_ports],
        schema=schema,
        slaProperties=_sla(product) or None,
        customProperties=custom or None,
    )


def odcs_yaml(product: DataProduct, kafka_host: str = "localhost:9092") -> str:
    return export_odcs(product, kafka_host).to_yaml()


def _server(port: OutputPort, kafka_host: str) -> Server:
    fmt = port.format.value.lower()
    if port.type is PortType.STREAMING:
        return Server(server=port.name, type="kafka", host=kafka_host, format=fmt)
    parsed = urlparse(port.location)
    kind = _STORES.get(parsed.scheme.lower(), "custom")
    if kind == "local" and not parsed.netloc and port.location.startswith("file:///"):
        return Server(server=port.name, type=kind, path=parsed.path, format=fmt)
    if kind == "local":  # a file on another host: kept as written
        kind = "custom"
    return Server(server=port.name, type=kind, location=port.location, format=fmt)


def _object(port: OutputPort) -> SchemaObject:
    raw = port.avro_schema
    avro = json.loads(raw) if isinstance(raw, str) else raw
    properties = avro_to_properties(avro)
    unplaced: dict[str, Any] = {}
    for path, declared in port.fields.items():
        prop = _find(properties, path.split("."))
        if prop is not None:
            _classify(prop, declared)
        else:  # inside a union of records or a map, or no schema: no property to carry it
            unplaced[path] = _classification_value(declared)
    custom: list[CustomProperty] = []
    if unplaced:
        custom.append(CustomProperty(property=CLASSIFICATIONS, value=unplaced))
    if avro is not None:
        custom.append(CustomProperty(property=AVRO_SCHEMA, value=json.dumps(avro, sort_keys=True)))
    if port.subject:
        custom.append(CustomProperty(property="subject", value=port.subject))
    if port.key_schema is not None:
        key = port.key_schema
        custom.append(
            CustomProperty(
                property="keySchema",
                value=key if isinstance(key, str) else json.dumps(key, sort_keys=True),
            )
        )
    if port.timezone != "UTC":
        custom.append(CustomProperty(property="timezone", value=port.timezone))
    return SchemaObject(
        name=port.name,
        physicalName=port.kafka_topic or port.name,
        physicalType="topic" if port.type is PortType.STREAMING else "table",
        description=doc
        if isinstance(avro, dict) and isinstance(doc := avro.get("doc"), str)
        else None,
        properties=properties or None,
        customProperties=custom or None,
    )


def _find(properties: list[SchemaProperty] | None, parts: list[str]) -> SchemaProperty | None:
    for prop in properties or []:
        if prop.name != parts[0]:
            continue
        if len(parts) == 1:
            return prop
        inner = prop
        while inner.items is not None and not inner.properties:
            inner = inner.items
        return _find(inner.properties, parts[1:])
    return None


def _classification_value(declared: FieldClassification) -> dict[str, Any]:
    return {
        "pii": declared.pii.value if declared.pii is not None else "none",
        "protection": declared.protection.value,
        **({"tags": list(declared.tags)} if declared.tags else {}),
    }


def _classify(prop: SchemaProperty, declared: FieldClassification) -> None:
    protection = f"protection:{declared.protection.value}"
    if declared.pii is None:
        protected = [protection] if declared.protection.value != "none" else []
        prop.tags = ["pii:none", *protected, *declared.tags]
        return
    prop.classification = "pii"
    prop.tags = [f"pii:{declared.pii.value}", protection, *declared.tags]


def _rule(rule: QualityRule) -> DataQuality:
    """The rule as ODCS says it, named with its meshgov metric (kept by a round trip)."""
    name = rule.metric
    if rule.kind is RuleKind.NO_NULLS:
        return DataQuality(name=name, metric="nullValues", mustBe=0)
    if rule.kind is RuleKind.MAX_NULL_RATE:
        return DataQuality(
            name=name, metric="nullValues", unit="percent", mustBeLessOrEqualTo=rule.threshold
        )
    if rule.kind is RuleKind.UNIQUE:
        return DataQuality(name=name, metric="duplicateValues", mustBe=0)
    if rule.kind is RuleKind.ROW_COUNT:
        low, high = rule.min_rows, rule.max_rows
        if low is not None and high is not None:
            if low == high:
                return DataQuality(name=name, metric="rowCount", mustBe=low)
            # mustBeBetween excludes its ends, as the standard defines it
            return DataQuality(name=name, metric="rowCount", mustBeBetween=[low - 1, high + 1])
        if low is not None:
            return DataQuality(name=name, metric="rowCount", mustBeGreaterOrEqualTo=low)
        return DataQuality(name=name, metric="rowCount", mustBeLessOrEqualTo=high)
    implementation: dict[str, Any] = {"metric": rule.metric}
    if rule.threshold is not None:
        implementation["threshold"] = rule.threshold
    return DataQuality(type="custom", engine=MESHGOV_ENGINE, implementation=implementation)


def _place_quality(
    rules: list[QualityRule], ports: list[OutputPort], schema: list[SchemaObject]
) -> None:
    """Column rules under the property they check, the others under the first batch
    port's object (the quality check measures batch outputs)."""
    batch = next((i for i, p in enumerate(ports) if p.type is PortType.BATCH), 0)
    for rule in rules:
        quality = _rule(rule)
        target: SchemaObject | SchemaProperty = schema[batch]
        if rule.column is not None:
            found = next(
                (
                    p
                    for obj in [schema[batch], *schema]
                    if (p := _find(obj.properties, rule.column.split("."))) is not None
                ),
                None,
            )
            if found is None:
                quality.arguments = {"property": rule.column}
            else:
                target = found
        target.quality = [*(target.quality or []), quality]


def _duration(value: timedelta) -> tuple[float, str]:
    seconds = value.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return seconds // size, unit
    return seconds, "s"


def _freshness(freshness: Freshness) -> ServiceLevelAgreementProperty:
    if freshness.deadline is not None:
        return ServiceLevelAgreementProperty(
            property="timeOfAvailability",
            value=f"{freshness.deadline:%H:%M} {freshness.timezone}",
            description=f"Data available by {freshness.deadline:%H:%M} {freshness.timezone}",
        )
    if freshness.within is not None:
        value, unit = _duration(freshness.within)
        return ServiceLevelAgreementProperty(
            property="latency",
            value=value,
            unit=unit,
            description=f"within {value:g}{unit} of the scheduled run",
        )
    assert freshness.max_silence is not None
    value, unit = _duration(freshness.max_silence)
    return ServiceLevelAgreementProperty(
        property="frequency",
        value=value,
        unit=unit,
        description=f"no silence longer than {value:g}{unit}",
    )


def _sla(product: DataProduct) -> list[ServiceLevelAgreementProperty]:
    sla: list[ServiceLevelAgreementProperty] = []
    if (availability := product.sla.availability) is not None:
        sla.append(
            ServiceLevelAgreementProperty(
                property="availability",
                value=availability.target_percent,
                unit="percent",
            )
        )
    if product.sla.freshness is not None:
        sla.append(_freshness(product.sla.freshness))
    for port in product.output_ports:
        if port.refresh is not None:
            sla.append(
                ServiceLevelAgreementProperty(
                    property="frequency",
                    value=port.refresh,
                    scheduler="cron",
                    schedule=port.refresh,
                    element=port.name,
                )
            )
    return sla


def _custom(product: DataProduct) -> list[CustomProperty]:
    stability = product.sla.schema_stability
    custom = [
        CustomProperty(
            property="schemaStability",
            value={
                "compatibility": stability.compatibility.value,
                "breakingChangeNoticeDays": stability.breaking_change_notice_days,
            },
        )
    ]
    availability = product.sla.availability
    if availability is not None and availability.window_days != 30:
        custom.append(
            CustomProperty(property="availabilityWindowDays", value=availability.window_days)
        )
    if product.input_ports:
        custom.append(
            CustomProperty(
                property="inputPorts",
                value=[
                    f"{p.product}:{p.port}" if p.port else p.product for p in product.input_ports
                ],
            )
        )
    if product.effective_date is not None:
        custom.append(
            CustomProperty(property="effectiveDate", value=product.effective_date.isoformat())
        )
    return custom
