"""An ODCS v3 data contract as a meshgov descriptor document.

Read with the standard's own pydantic model (open_data_contract_standard). The mapping:

- `dataProduct` (else `name`, else `id`), `version`, `domain` (else the team's name),
  `description.purpose`, `tags`, `status` (`deprecated`, `retired` -> deprecated);
- the owner: the team member whose role is owner (`team.members`, or the v3.0 list);
- each `schema[]` object is an output port named after it: a Kafka topic (its
  `physicalName`, else its name) where the contract has a kafka server, else the
  location of the object-store server named after it (or the only one); format from the
  server; its properties become the port's Avro schema (meshgov.contracts.avro_properties),
  or the exact Avro schema the export embedded (custom property `avroSchema`) while the
  properties still match it;
- PII: a property with `classification: pii` (or `personal`), or tags `pii`, `pii:EMAIL`,
  `protection:hashed` (or custom properties `pii`, `protection`) is classified; `pii:none`
  declares it holds none;
- `quality[]` of objects and properties: `nullValues` (must be 0, or at most a percent),
  `missingValues` without arguments, `duplicateValues` (must be 0), `rowCount` with
  `mustBe...` bounds, and custom rules of engine `meshgov`; `unique: true` is a uniqueness
  rule;
- `slaProperties[]`: `availability`, `timeOfAvailability` (a deadline), `latency` (within
  a delay of the scheduled run), `frequency` (a cron `schedule` is a batch port's refresh;
  without one, the longest silence);
- custom properties of the contract: `schemaStability`, `inputPorts`, `effectiveDate`; of
  a schema object: `subject`, `keySchema`, `timezone`.

What is not mapped is a note naming its ODCS path: an error where the descriptor cannot be
built without it, a warning where the contract promises what meshgov would not check, for
information where it is recorded only."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args, get_origin

from open_data_contract_standard.model import (
    CustomProperty,
    DataQuality,
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
    Server,
    ServiceLevelAgreementProperty,
    Team,
)
from pydantic import BaseModel, ValidationError

from meshgov.contracts.avro_properties import (
    avro_to_properties,
    properties_to_avro,
    property_paths,
    shape,
)
from meshgov.contracts.origin import ContractOrigin, Note
from meshgov.models.descriptor import PRODUCT_NAME
from meshgov.models.events import Severity
from meshgov.models.quality import QualityRule
from meshgov.models.text_forms import format_percent

ODCS_KIND = "DataContract"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
MAX_EMBEDDED_CHARS = 256_000  # an embedded schema: parsed only below this size and depth
MAX_EMBEDDED_DEPTH = 64
AVRO_SCHEMA = "avroSchema"
CLASSIFICATIONS = "fieldClassifications"
MESHGOV_ENGINE = "meshgov"
_KAFKA = {"kafka"}
_OTHER_STREAMS = {"kinesis", "pubsub"}
_DATABASE_PARTS = ("database", "dataset", "catalog", "project", "schema_")
_FORMATS = {
    "avro": "Avro",
    "parquet": "Parquet",
    "json": "JSON",
    "csv": "CSV",
    "orc": "ORC",
    "delta": "Delta",
    "iceberg": "Iceberg",
    "protobuf": "Protobuf",
    "table": "Table",
}
_PII_CLASSIFICATIONS = {"pii", "personal", "personal-data", "personal data", "spi"}
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "week": 604800,
}
_SLA_SYNONYMS = {  # the standard's own, case-insensitive
    "av": "availability",
    "th": "throughput",
    "er": "errorrate",
    "ga": "generalavailability",
    "es": "endofsupport",
    "el": "endoflife",
    "re": "retention",
    "fy": "frequency",
    "ly": "latency",
    "td": "timetodetect",
    "tn": "timetonotify",
    "tr": "timetorepair",
}
_RECORDED_ONLY = {
    "retention",
    "timetodetect",
    "timetonotify",
    "timetorepair",
    "throughput",
    "errorrate",
    "generalavailability",
    "endofsupport",
    "endoflife",
}
_CLOCK_AND_ZONE = re.compile(
    r"^\s*(?P<clock>\d{1,2}(?::\d{2})?\s*(?:am|pm)?|noon|midnight)\s*"
    r"(?:(?P<offset>[+-]\d{2}:?\d{2})|(?P<zone>[A-Za-z][\w/+\-]*))?\s*$",
    re.IGNORECASE,
)


HINTS = {
    "PII_UNDECLARED": "In the contract: give the property the tags [pii:<CLASS>, "
    "protection:hashed] (or classification: pii), or the tag pii:none if it holds no personal "
    "data.",
    "PII_UNPROTECTED": "In the contract: tag the property with how it is protected, e.g. "
    "protection:hashed.",
}


def is_odcs(document: object) -> bool:
    """An ODCS v3 contract, recognised by its header."""
    return (
        isinstance(document, dict)
        and document.get("kind") == ODCS_KIND
        and str(document.get("apiVersion", "")).startswith("v3")
    )


@dataclass(frozen=True)
class Imported:
    document: dict[str, Any]  # a meshgov descriptor document: {"data_product": {...}}
    origin: ContractOrigin
    errors: tuple[Note, ...]  # the descriptor cannot be built as the contract says


def import_odcs(raw: dict[str, Any]) -> Imported:
    raw = _plain(raw)
    contract_format = f"ODCS {raw.get('apiVersion')}"
    try:
        contract = OpenDataContractStandard.model_validate(raw)
    except ValidationError as error:
        errors = tuple(
            Note(_odcs_path(e["loc"], raw), _validation_message(e), Severity.ERROR)
            for e in error.errors()
        )
        return Imported({}, ContractOrigin(contract_format), errors)
    mapping = _Mapping(contract)
    mapping.notes += unknown_keys(raw, OpenDataContractStandard, "")
    product = mapping.product()
    notes = [n for n in mapping.notes if n.severity is not Severity.ERROR]
    failures = tuple(n for n in mapping.notes if n.severity is Severity.ERROR)
    origin = ContractOrigin(contract_format, tuple(notes), mapping.paths, HINTS)
    return Imported({"data_product": product}, origin, failures)


class _Mapping:
    def __init__(self, contract: OpenDataContractStandard) -> None:
        self.contract = contract
        self.notes: list[Note] = []
        self.paths: dict[str, str] = {}
        self.ports: list[dict[str, Any]] = []
        self.window_days: Any = None  # of availability, from the contract's custom properties

    def note(self, path: str, message: str, severity: Severity = Severity.WARNING) -> None:
        self.notes.append(Note(path, message, severity))

    def product(self) -> dict[str, Any]:
        c = self.contract
        product: dict[str, Any] = {}
        # The first that is a product name: a contract's name is often a title, its id a UUID.
        candidates = [
            (k, v) for k, v in (("dataProduct", c.dataProduct), ("name", c.name), ("id", c.id)) if v
        ]
        key, name = next(
            ((k, v) for k, v in candidates if PRODUCT_NAME.match(v) and not _UUID.match(v)),
            candidates[0] if candidates else ("dataProduct", None),
        )
        product["name"] = name
        self.paths["data_product.name"] = key
        owner = self._owner()
        if owner is not None:
            product["owner"] = owner
        domain = c.domain or (c.team.name if isinstance(c.team, Team) else None)
        if domain:
            product["domain"] = domain
            self.paths["data_product.domain"] = "domain" if c.domain else "team.name"
        if c.version is not None:
            product["version"] = c.version
            self.paths["data_product.version"] = "version"
        if c.description is not None and (c.description.purpose or c.description.usage):
            product["description"] = c.description.purpose or c.description.usage
        if c.tags:
            product["tags"] = list(c.tags)
        status = (c.status or "").lower()
        if status in ("deprecated", "retired"):
            product["deprecated"] = True
            if status == "retired":
                self.note("status", "retired: registered as deprecated, still served")
        elif status and status != "active":
            self.note("status", f"{c.status}: registered as an active product", Severity.INFO)
        for index in range(len(c.schema_ or [])):
            self.paths[f"data_product.output_ports[{index}]"] = f"schema[{index}]"
        product["output_ports"] = [self._port(i, o) for i, o in enumerate(c.schema_ or [])]
        self.ports = product["output_ports"]
        if not product["output_ports"]:
            self.note(
                "schema", "the contract has no schema objects: no output port", Severity.ERROR
            )
        self.paths["data_product.output_ports"] = "schema"
        product.update(self._custom(c.customProperties, "customProperties"))
        sla = self._sla(product["output_ports"])
        if sla:
            product["sla"] = {**product.get("sla", {}), **sla}
        quality = self._quality()
        if quality:
            product["quality"] = quality
        self._unused_top_level()
        return product

    def _owner(self) -> str | None:
        team = self.contract.team
        members = team if isinstance(team, list) else (team.members if team else None) or []
        base = "team" if isinstance(team, list) else "team.members"
        owners = [(i, m) for i, m in enumerate(members) if "owner" in (m.role or "").lower()]
        current = [(i, m) for i, m in owners if not m.dateOut and not m.replacedByUsername]
        for index, member in current:
            self.paths["data_product.owner"] = f"{base}[{index}].username"
            return member.username
        if owners:
            index, _ = owners[0]
            self.note(
                f"{base}[{index}]",
                "every owner has left the team (dateOut, replacedByUsername): name the current "
                "owner",
                Severity.ERROR,
            )
            return None
        roles = sorted({m.role for m in members if m.role})
        found = f" (roles found: {', '.join(roles)})" if roles else ""
        self.note(
            "team",
            f"no team member whose role is owner: meshgov needs the product's owner, an "
            f"e-mail{found}",
            Severity.ERROR,
        )
        return None

    def _servers(self) -> list[tuple[int, Server]]:
        return list(enumerate(self.contract.servers or []))

    def _port(self, index: int, item: SchemaObject) -> dict[str, Any]:
        where = f"schema[{index}]"
        name = item.name or f"port-{index + 1}"
        port: dict[str, Any] = {"name": name}
        kafka = [(i, s) for i, s in self._servers() if (s.type or "").lower() in _KAFKA]
        stores = [
            (i, s)
            for i, s in self._servers()
            if (s.type or "").lower() not in _KAFKA | _OTHER_STREAMS
        ]
        named = [(i, s) for i, s in self._servers() if s.server == name]
        server: tuple[int, Server] | None = None
        if named:
            server = named[0]
        elif (item.physicalType or "").lower() == "topic" and kafka:
            server = kafka[0]
        elif len(kafka) + len(stores) == 1:
            server = (kafka or stores)[0]
        elif kafka and not stores:
            server = kafka[0]
        if server is None:
            self.note(
                where,
                "no server for this schema object: name a server after it "
                "(servers[].server), or give the contract one kafka server",
                Severity.ERROR,
            )
            port.update({"type": "streaming", "format": "Avro", "location": "kafka://unknown"})
        else:
            port.update(self._location(server, item, where))
        custom: dict[str, Any] = {}
        for j, prop in enumerate(item.customProperties or []):
            if not prop.property:
                continue
            custom[prop.property] = prop.value
            at = f"{where}.customProperties[{j}]"
            known = {"subject": "subject", "keySchema": "key_schema", "timezone": "timezone"}
            if prop.property in known:
                self.paths[f"{_port_path(where)}.{known[prop.property]}"] = f"{at}.value"
            elif prop.property == AVRO_SCHEMA:
                self.paths[f"{_port_path(where)}.schema"] = f"{at}.value"
            elif prop.property != CLASSIFICATIONS:
                self.note(at, f"{prop.property!r} is not used by meshgov", Severity.INFO)
        schema = self._schema(item, where, custom.get(AVRO_SCHEMA))
        if schema is not None:
            port["schema"] = schema
        if custom.get("subject"):
            port["subject"] = custom["subject"]
        if custom.get("keySchema"):
            port["key_schema"] = self._embedded(custom["keySchema"], f"{where}.customProperties")
        if custom.get("timezone"):
            port["timezone"] = custom["timezone"]
        fields = self._fields(index, item)
        extra = custom.get(CLASSIFICATIONS)
        if isinstance(extra, dict):  # fields the properties cannot reach (union branches, maps)
            fields = {**{str(k): v for k, v in extra.items()}, **fields}
        if fields:
            port["fields"] = fields
        return port

    def _embedded(self, value: Any, where: str) -> Any:
        """A schema given as JSON text (or as YAML): its value, bounded in size and depth;
        a JSON string stays the text it was (a primitive schema such as '"string"')."""
        if not isinstance(value, str):
            return value
        if len(value) > MAX_EMBEDDED_CHARS or _nesting(value) > MAX_EMBEDDED_DEPTH:
            self.note(
                where, "the embedded schema is too large or too deeply nested", Severity.ERROR
            )
            return None
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, (dict, list)) else value

    def _location(
        self, server: tuple[int, Server], item: SchemaObject, where: str
    ) -> dict[str, Any]:
        at, s = server
        kind = (s.type or "").lower()
        if kind in _OTHER_STREAMS:
            self.note(
                f"servers[{at}].type",
                f"a {kind} stream: meshgov reads Kafka topics only",
                Severity.ERROR,
            )
        self.paths[f"{_port_path(where)}.location"] = f"servers[{at}]"
        location = s.location or (f"file://{s.path}" if s.path else None)
        if kind in _KAFKA:
            default = "avro"
        elif location is None:  # a database: the table is the object
            default = "table"
            where_at = "/".join(
                str(part) for part in (getattr(s, key) for key in _DATABASE_PARTS) if part
            )
            host = s.host or s.account or s.endpointUrl or "unknown"
            table = item.physicalName or item.name
            location = f"{kind or 'custom'}://{host}{':' + str(s.port) if s.port else ''}/" + (
                f"{where_at}/{table}" if where_at else str(table)
            )
        else:
            default = ""
        fmt = (s.format or default).lower()
        if fmt not in _FORMATS:
            self.note(
                f"servers[{at}].format",
                f"format {s.format!r} is not one meshgov knows ({', '.join(_FORMATS)})",
                Severity.ERROR,
            )
        self.paths[f"{_port_path(where)}.format"] = f"servers[{at}].format"
        data_format = _FORMATS.get(fmt, "Avro")
        if kind in _KAFKA:
            topic = item.physicalName or item.name
            return {"type": "streaming", "format": data_format, "location": f"kafka://{topic}"}
        return {"type": "batch", "format": data_format, "location": location}

    def _schema(self, item: SchemaObject, where: str, embedded: Any) -> Any:
        if embedded is not None:
            exact = self._embedded(embedded, f"{where}.customProperties")
            if exact is None:
                return None
            if not item.properties or shape(avro_to_properties(exact)) == shape(item.properties):
                return exact
            self.note(
                f"{where}.customProperties",
                f"the embedded {AVRO_SCHEMA} no longer matches the properties: the Avro schema "
                f"was built from the properties, and what only the embedded schema said "
                f"(defaults, enum symbols, map values, record names) is not in it",
            )
        if not item.properties:
            return None
        notes: list[Note] = []
        avro = properties_to_avro(
            item.properties, item.name or "Record", item.description, where, notes
        )
        self.notes += notes
        return avro

    def _fields(self, index: int, item: SchemaObject) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        port = f"data_product.output_ports[{index}].fields"
        for dotted, where, prop in property_paths(item.properties, f"schema[{index}]"):
            declared = _classification(prop)
            self.paths[f"{port}.{dotted}"] = where
            self.paths[f"{port}.{dotted}.protection"] = f"{where}.tags"
            from_tags = any(str(t).lower().startswith("pii") for t in prop.tags or [])
            self.paths[f"{port}.{dotted}.pii"] = (
                f"{where}.tags" if from_tags else f"{where}.classification"
            )
            if declared is not None:
                fields[dotted] = declared
        return fields

    def _custom(self, properties: list[CustomProperty] | None, path: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for i, p in enumerate(properties or []):
            where = f"{path}[{i}]"
            if p.property == "schemaStability":
                found["sla"] = {"schema_stability": _stability(p.value)}
                self.paths["data_product.sla.schema_stability"] = f"{where}.value"
            elif p.property == "inputPorts":
                found["input_ports"] = [_input(v) for v in _as_list(p.value) if v is not None]
                self.paths["data_product.input_ports"] = f"{where}.value"
            elif p.property == "availabilityWindowDays":
                self.window_days = p.value
            elif p.property == "effectiveDate":
                found["effective_date"] = p.value
                self.paths["data_product.effective_date"] = f"{where}.value"
            else:
                self.note(
                    where, f"custom property {p.property!r} is not used by meshgov", Severity.INFO
                )
        return found

    def _sla(self, ports: list[dict[str, Any]]) -> dict[str, Any]:
        sla: dict[str, Any] = {}
        freshness_at: str | None = None
        scheduled = [p for p in ports if p.get("type") == "batch"]
        for i, prop in enumerate(self.contract.slaProperties or []):
            where = f"slaProperties[{i}]"
            kind = (prop.property or "").replace("_", "").replace("-", "").lower()
            kind = _SLA_SYNONYMS.get(kind, kind)
            if kind == "availability":
                sla["availability"] = _availability(prop, self.window_days)
                self.paths["data_product.sla.availability"] = f"{where}.value"
            elif kind == "frequency" and prop.schedule:
                self._refresh(prop, where, scheduled)
            elif kind in ("timeofavailability", "latency", "freshness", "frequency"):
                freshness = self._freshness(kind, prop, where, bool(scheduled))
                if freshness is None:
                    continue
                if freshness_at is not None:
                    self.note(
                        where,
                        f"meshgov enforces one freshness promise per product, {freshness_at}'s;"
                        f" this one is not checked",
                    )
                    continue
                sla["freshness"], freshness_at = freshness, where
                self.paths["data_product.sla.freshness"] = where
            elif kind in _RECORDED_ONLY:
                self.note(
                    where,
                    f"{prop.property} is recorded in the contract, not checked by meshgov",
                    Severity.INFO,
                )
            else:
                self.note(where, f"SLA property {prop.property!r} is not one meshgov checks")
        return sla

    def _refresh(
        self, prop: ServiceLevelAgreementProperty, where: str, scheduled: list[dict[str, Any]]
    ) -> None:
        if (prop.scheduler or "cron").lower() != "cron":
            self.note(where, f"scheduler {prop.scheduler!r}: meshgov reads cron schedules")
            return
        element = prop.element or self.contract.slaDefaultElement
        objects = {e.strip().split(".", 1)[0] for e in element.split(",")} if element else None
        targets = [p for p in scheduled if objects is None or p.get("name") in objects]
        if not targets:
            self.note(where, "a refresh schedule, but no batch port it could apply to")
        for port in targets:
            port.setdefault("refresh", prop.schedule)
            index = next(i for i, p in enumerate(self.ports) if p is port)
            self.paths[f"data_product.output_ports[{index}].refresh"] = f"{where}.schedule"

    def _freshness(
        self, kind: str, prop: ServiceLevelAgreementProperty, where: str, scheduled: bool
    ) -> dict[str, Any] | None:
        if kind == "timeofavailability":
            match = _CLOCK_AND_ZONE.match(str(prop.value))
            if match is None:
                self.note(
                    f"{where}.value",
                    f"{prop.value!r} is not a time of day such as '04:00 UTC'",
                    Severity.ERROR,
                )
                return None
            zone = match.group("zone")
            if match.group("offset"):
                zone = _offset_zone(match.group("offset"))
                if zone is None:
                    self.note(
                        f"{where}.value",
                        f"offset {match.group('offset')} is not whole hours: name the time "
                        f"zone instead, e.g. '04:00 Asia/Kolkata'",
                        Severity.ERROR,
                    )
                    return None
            if isinstance(prop.valueExt, str) and not zone:
                zone = prop.valueExt
            if not zone:
                self.note(
                    f"{where}.value",
                    f"{prop.value!r} names no time zone: say which, e.g. '04:00 UTC'",
                    Severity.ERROR,
                )
                return None
            return {"deadline": match.group("clock"), "timezone": zone}
        seconds = _seconds(prop.value, prop.unit)
        if seconds is None:
            self.note(
                f"{where}.unit",
                f"{prop.value!r} {prop.unit or ''} is not a duration (unit: s, m, h or d)",
                Severity.ERROR,
            )
            return None
        if kind == "latency" and scheduled:
            return {"within": seconds}
        if kind == "latency":
            self.note(
                where,
                "latency without a scheduled port: checked as the longest silence between records",
                Severity.INFO,
            )
        return {"max_silence": seconds}

    def _quality(self) -> list[dict[str, Any]]:
        found: list[tuple[dict[str, Any], str]] = []
        for index, item in enumerate(self.contract.schema_ or []):
            where = f"schema[{index}]"
            for i, rule in enumerate(item.quality or []):
                at_rule = f"{where}.quality[{i}]"
                if (mapped := self._named(rule, self._rule(rule, at_rule, None))) is not None:
                    found.append((mapped, at_rule))
            for dotted, at, prop in property_paths(item.properties, where):
                if prop.unique:
                    found.append(({"metric": f"unique_{dotted}"}, f"{at}.unique"))
                for i, rule in enumerate(prop.quality or []):
                    at_rule = f"{at}.quality[{i}]"
                    if (mapped := self._named(rule, self._rule(rule, at_rule, dotted))) is not None:
                        found.append((mapped, at_rule))
        rules: list[dict[str, Any]] = []
        seen: set[str] = set()
        for mapped_rule, at_rule in found:
            key = json.dumps(mapped_rule, sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            self.paths[f"data_product.quality[{len(rules)}]"] = at_rule
            rules.append(mapped_rule)
        return rules

    @staticmethod
    def _named(rule: DataQuality, mapped: dict[str, Any] | None) -> dict[str, Any] | None:
        """The rule under the meshgov metric name the contract gives it (`name`), when that
        name means the same rule: a round trip keeps `no_duplicates_in_order_id` as written."""
        if mapped is None or not rule.name or rule.name == mapped.get("metric"):
            return mapped
        try:
            named = QualityRule.model_validate({**mapped, "metric": rule.name})
            plain = QualityRule.model_validate(mapped)
        except ValueError:
            return mapped
        same = (named.kind, named.column) == (plain.kind, plain.column)
        return {**mapped, "metric": rule.name} if same else mapped

    def _rule(self, rule: DataQuality, where: str, column: str | None) -> dict[str, Any] | None:
        kind = (rule.type or "library").lower()
        if kind == "text":
            self.note(where, "a text rule describes quality; nothing to check", Severity.INFO)
            return None
        if kind == "custom" and (rule.engine or "").lower() == MESHGOV_ENGINE:
            implementation = rule.implementation
            if isinstance(implementation, dict):
                return dict(implementation)
            self.note(
                f"{where}.implementation",
                "a meshgov rule is a mapping such as {metric: "
                "row_count_vs_source, threshold: 99.9}",
                Severity.ERROR,
            )
            return None
        if kind != "library":
            engine = f" ({rule.engine})" if rule.engine else ""
            self.note(
                where,
                f"a {kind}{engine} rule: meshgov does not run it, so nothing checks this promise",
            )
            return None
        metric = _METRIC_ALIASES.get((rule.metric or rule.rule or "").lower(), "")
        column = (
            column or (rule.arguments or {}).get("property") or (rule.arguments or {}).get("column")
        )
        if metric == "rowcount":
            bounds = _bounds(rule)
            if bounds is None:
                self.note(
                    where,
                    "rowCount needs mustBe, mustBeGreaterThan(OrEqualTo), "
                    "mustBeLessThan(OrEqualTo) or mustBeBetween",
                )
                return None
            low, high = bounds
            return {
                "metric": "row_count",
                **({"min": low} if low is not None else {}),
                **({"max": high} if high is not None else {}),
            }
        if metric in ("nullvalues", "missingvalues", "duplicatevalues") and not isinstance(
            column, str
        ):
            self.note(
                where,
                f"{rule.metric} over the whole object (or several properties): meshgov checks it "
                f"per property, put it under the property",
            )
            return None
        if metric == "missingvalues" and (rule.arguments or {}).get("missingValues"):
            self.note(where, "missingValues with listed values: meshgov counts nulls only")
            return None
        percent = (rule.unit or "").lower() in ("percent", "%")
        most = _at_most(rule, percent)
        if metric in ("nullvalues", "missingvalues"):
            if most is not None and most <= 0:
                return {"metric": f"no_nulls_in_{column}"}
            if percent and most is not None and math.isfinite(most):
                return {"metric": f"null_rate_in_{column}", "threshold": format_percent(most)}
            self.note(
                where,
                "meshgov checks nulls as none (mustBe: 0) or at most a percent "
                "(unit: percent, mustBeLessOrEqualTo)",
            )
            return None
        if metric == "duplicatevalues":
            if most is not None and most <= 0:
                return {"metric": f"unique_{column}"}
            self.note(where, "meshgov checks duplicates as none (mustBe: 0)")
            return None
        self.note(
            where,
            f"metric {rule.metric or rule.rule!r} is not one meshgov checks "
            f"(nullValues, missingValues, duplicateValues, rowCount)",
        )
        return None

    def _unused_top_level(self) -> None:
        c = self.contract
        for key in (
            "tenant",
            "price",
            "support",
            "roles",
            "authoritativeDefinitions",
            "context",
        ):
            if getattr(c, key, None):
                self.note(key, "recorded in the contract, not used by meshgov", Severity.INFO)


_METRIC_ALIASES = {
    "nullvalues": "nullvalues",
    "nullcheck": "nullvalues",
    "missingvalues": "missingvalues",
    "duplicatevalues": "duplicatevalues",
    "uniquecheck": "duplicatevalues",
    "duplicatecount": "duplicatevalues",
    "rowcount": "rowcount",
    "countcheck": "rowcount",
    "invalidvalues": "invalidvalues",
}


def _number(value: Any) -> float | None:
    """A finite number, or None (nan, a bool, not a number); an integer too large for a
    float is infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    return None if math.isnan(number) else number


def _at_most(rule: DataQuality, percent: bool) -> float | None:
    """The most nulls or duplicates the rule allows: a count, or a percent."""
    if (equal := _number(rule.mustBe)) is not None:
        return equal
    if (most := _number(rule.mustBeLessOrEqualTo)) is not None:
        return most
    if (below := _number(rule.mustBeLessThan)) is not None:
        # fewer than one is none; a percent is taken as its bound
        return below if percent else math.ceil(below) - 1 if math.isfinite(below) else below
    return None


def _bounds(rule: DataQuality) -> tuple[int | None, int | None] | None:
    """(min, max) rows, inclusive. ODCS's mustBeBetween excludes its ends ("the equivalent
    to mustBeGreaterThan and mustBeLessThan"); rows are whole, so bounds round inwards."""
    low: int | None = None
    high: int | None = None
    if (equal := _number(rule.mustBe)) is not None and math.isfinite(equal):
        if equal != int(equal):
            return None
        return int(equal), int(equal)
    between: list[Any] = list(rule.mustBeBetween) if rule.mustBeBetween else [None, None]
    above = _number(rule.mustBeGreaterThan)
    above = _number(between[0]) if above is None else above
    if above is not None and math.isfinite(above):
        low = math.floor(above) + 1
    at_least = _number(rule.mustBeGreaterOrEqualTo)
    if at_least is not None and math.isfinite(at_least):
        low = math.ceil(at_least)
    below = _number(rule.mustBeLessThan)
    below = _number(between[1]) if below is None else below
    if below is not None and math.isfinite(below):
        high = math.ceil(below) - 1
    at_most = _number(rule.mustBeLessOrEqualTo)
    if at_most is not None and math.isfinite(at_most):
        high = math.floor(at_most)
    if low is not None and low < 0:
        low = 0
    if low is None and high is None:
        return None
    return low, high


def _classification(prop: SchemaProperty) -> dict[str, Any] | None:
    tags = [str(t) for t in prop.tags or []]
    custom = {str(p.property).lower(): p.value for p in prop.customProperties or [] if p.property}
    pii: Any = None
    protection: Any = None
    declared = (prop.classification or "").lower() in _PII_CLASSIFICATIONS
    other: list[str] = []
    for tag in tags:
        key, _, value = tag.partition(":") if ":" in tag else tag.partition("=")
        key = key.strip().lower()
        if key == "pii":
            declared = True
            pii = value.strip() or pii
        elif key == "protection" and value:
            protection = value.strip()
        else:
            other.append(tag)
    if "pii" in custom:
        said = custom["pii"]
        declared = True
        pii = "none" if said is False else None if said is True else str(said)
    if "protection" in custom:
        protection = str(custom["protection"])
    if not declared and protection is None:
        return None
    classified: dict[str, Any] = {"pii": pii or "OTHER"}
    if pii is None and prop.name:
        from meshgov.checks.pii.fields import classify_name  # the check's own lexicon

        guessed = classify_name(prop.name)
        classified["pii"] = guessed.value if guessed is not None else "OTHER"
    if protection is not None:
        classified["protection"] = protection
    if other:
        classified["tags"] = other
    return classified


def _availability(prop: ServiceLevelAgreementProperty, window_days: Any) -> dict[str, Any]:
    value = prop.value
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    text = f"{value}%" if number else str(value)
    return {"target_percent": text, **({"window_days": window_days} if window_days else {})}


def _stability(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            "compatibility": value.get("compatibility", "BACKWARD"),
            "breaking_change_notice_days": value.get(
                "breakingChangeNoticeDays", value.get("breaking_change_notice_days", 0)
            ),
        }
    return value


def _input(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    product, _, port = str(value).partition(":")
    return {"product": product, **({"port": port} if port else {})}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _plain(value: Any) -> Any:
    """YAML's dates and times as the ISO strings ODCS types them as."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _nesting(text: str) -> int:
    """How deep brackets nest in JSON text (strings not told apart: an upper bound)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


MAX_DURATION_SECONDS = 3650 * 86400.0  # ten years: any longer promise is a mistake


def _seconds(value: Any, unit: str | None) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    name = (unit or "s").strip().lower()
    factor = _UNIT_SECONDS.get(name) or _UNIT_SECONDS.get(name.rstrip("s"))
    if factor is None or not math.isfinite(number) or number <= 0:
        return None
    seconds = number * factor
    return seconds if seconds <= MAX_DURATION_SECONDS else None


def _offset_zone(offset: str) -> str | None:
    """The Etc/GMT zone of a whole-hour offset such as -08:00; None for one that is not."""
    hours, minutes = int(offset[1:3]), int(offset[-2:])
    if minutes:
        return None
    sign = "-" if offset[0] == "+" else "+"  # Etc/GMT zones count the other way
    return "UTC" if hours == 0 else f"Etc/GMT{sign}{hours}"


def _port_path(where: str) -> str:
    return f"data_product.output_ports[{where.removeprefix('schema[').removesuffix(']')}]"


def _odcs_path(location: tuple[Any, ...], raw: Any) -> str:
    """The document path of a pydantic error location: its parts that are keys or indexes
    of the document, without the union branches pydantic names (`str`, `list[...]`)."""
    parts: list[str | int] = []
    node = raw
    for part in location:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and part == "schema_" and "schema" in node:
            part, node = "schema", node["schema"]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        parts.append(part)
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)
    return path.replace(".[", "[")


def _validation_message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "is not an ODCS field"
    return f"{error['msg']} (got {str(repr(error.get('input')))[:120]})"


def unknown_keys(raw: Any, model: type[BaseModel], path: str) -> list[Note]:
    """Keys the ODCS model does not know, at every level (its nested models ignore them)."""
    notes: list[Note] = []
    if not isinstance(raw, dict):
        return notes
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    for key, value in raw.items():
        where = f"{path}.{key}" if path else str(key)
        field = fields.get(key)
        if field is None:
            if model is not OpenDataContractStandard:  # the top level forbids them itself
                notes.append(Note(where, "is not an ODCS field; ignored"))
            continue
        if isinstance(value, list):
            item_model = _model_of(field.annotation, in_list=True)
            if item_model is not None:
                for i, item in enumerate(value):
                    notes += unknown_keys(item, item_model, f"{where}[{i}]")
        elif (nested := _model_of(field.annotation, in_list=False)) is not None:
            notes += unknown_keys(value, nested, where)
    return notes


def _model_of(annotation: Any, in_list: bool) -> type[BaseModel] | None:
    """The model a value of this annotation is read as: of a list's items (`in_list`), or
    of the value itself (`Team | list[TeamMember]` is a Team as a mapping, members as a
    list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None if in_list else annotation
    origin = get_origin(annotation)
    if origin is list:
        (item,) = get_args(annotation) or (None,)
        return _model_of(item, in_list=False) if in_list else None
    for arg in get_args(annotation):
        found = _model_of(arg, in_list)
        if found is not None:
            return found
    return None
