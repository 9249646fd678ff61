"""Adoption: the existing subjects of a Schema Registry become accepted histories, so a
platform that already has hundreds of subjects starts governed. Each `<topic>-value`
subject with Avro versions becomes a product (named after its topic) with one streaming
port, registered once per version, oldest first, at the subject's own compatibility level:
the versions go through the same checks as every registration and become the history later
versions are checked against. A step its own level accepts is a minor version, one it
refuses (the level was lower when it was written) a major one, so the registry's history is
never judged by a rule it was not written under.

`read_subjects` reads a registry; the rest is pure."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from meshgov.checks.compatibility.check import SchemaVersion, check_schema
from meshgov.models.descriptor import PRODUCT_NAME
from meshgov.models.sla import CompatibilityMode

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

VALUE_SUFFIX = "-value"


@dataclass(frozen=True)
class RegisteredSchemaVersion:
    version: int
    schema_id: int
    schema_text: str
    schema_type: str = "AVRO"
    references: int = 0


@dataclass(frozen=True)
class SubjectHistory:
    subject: str
    compatibility: CompatibilityMode
    versions: list[RegisteredSchemaVersion]


@dataclass(frozen=True)
class AdoptedVersion:
    version: str  # the product version it becomes
    registered: RegisteredSchemaVersion
    breaking: bool  # its own level refuses it against the versions before it


@dataclass(frozen=True)
class Adoption:
    """What adopting one subject registers, oldest first, or why it cannot be adopted."""

    subject: str
    product: str | None
    topic: str = ""
    compatibility: CompatibilityMode = CompatibilityMode.BACKWARD
    versions: list[AdoptedVersion] = field(default_factory=list)
    skipped: str | None = None


def product_name(topic: str) -> str | None:
    """The product a topic's subject becomes: its name in lower case, other characters as
    '-'; None if nothing valid is left."""
    name = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)
    return name if PRODUCT_NAME.match(name) else None


def adopt(history: SubjectHistory) -> Adoption:
    subject = history.subject
    if not subject.endswith(VALUE_SUFFIX):
        return Adoption(subject, None, skipped="not a <topic>-value subject (topic name strategy)")
    topic = subject.removesuffix(VALUE_SUFFIX)
    name = product_name(topic)
    if name is None:
        return Adoption(subject, None, skipped=f"no product name can be made of topic {topic!r}")
    if not history.versions:
        return Adoption(subject, name, skipped="no versions")
    for registered in history.versions:
        if registered.schema_type.upper() != "AVRO":
            why = f"version {registered.version} is {registered.schema_type}, not Avro"
            return Adoption(subject, name, skipped=why)
        if registered.references:
            why = f"version {registered.version} uses schema references"
            return Adoption(subject, name, skipped=why)
    adopted = []
    previous: list[SchemaVersion] = []
    major, minor = 1, 0
    for index, registered in enumerate(history.versions):
        breaking = False
        if index:
            report = check_schema(registered.schema_text, previous, history.compatibility)
            breaking = not report.compatible
            major, minor = (major + 1, 0) if breaking else (major, minor + 1)
        version = f"{major}.{minor}.0"
        adopted.append(AdoptedVersion(version, registered, breaking))
        previous.append(SchemaVersion(version, registered.schema_text))
    return Adoption(subject, name, topic, history.compatibility, adopted)


def descriptor(
    adoption: Adoption,
    adopted: AdoptedVersion,
    owner: str,
    domain: str | None,
    at: datetime,
) -> str:
    """The descriptor registering `adopted`; a breaking step is effective at `at` (the
    registry has served it for a while: it needs no notice), so its registration must be
    submitted at `at`."""
    registered = adopted.registered
    described = (
        f"Adopted from Schema Registry subject {adoption.subject}, version "
        f"{registered.version} (schema id {registered.schema_id})."
    )
    lines = [
        "data_product:",
        f"  name: {json.dumps(adoption.product)}",
        f"  version: {json.dumps(adopted.version)}",
        f"  owner: {json.dumps(owner)}",
        *([f"  domain: {json.dumps(domain)}"] if domain else []),
        f"  description: {json.dumps(described)}",
        *([f"  effective_date: {json.dumps(at.isoformat())}"] if adopted.breaking else []),
        "  output_ports:",
        "    - type: streaming",
        "      format: Avro",
        f"      location: {json.dumps('kafka://' + adoption.topic)}",
        f"      schema: {json.dumps(registered.schema_text)}",
        "  sla:",
        "    schema_stability:",
        f"      compatibility: {adoption.compatibility.value}",
        "      breaking_change_notice_days: 0",
        "",
    ]
    return "\n".join(lines)


def read_subjects(
    registry: SchemaRegistryClient, wanted: re.Pattern[str] | None, excluded_prefix: str
) -> list[SubjectHistory]:
    """Every subject matching `wanted` (all if None) but those starting with
    `excluded_prefix` (meshgov's own event subjects), with its versions oldest first."""
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    try:
        default = CompatibilityMode.parse(registry.get_compatibility())
    except (SchemaRegistryError, ValueError):
        default = CompatibilityMode.BACKWARD  # every registry's own default
    histories = []
    for subject in sorted(registry.get_subjects()):
        if subject.startswith(excluded_prefix) or (wanted and not wanted.search(subject)):
            continue
        try:
            level = CompatibilityMode.parse(registry.get_compatibility(subject))
        except (SchemaRegistryError, ValueError):  # none of its own, or one meshgov lacks
            level = default
        versions = []
        for number in sorted(int(v) for v in registry.get_versions(subject)):
            found = registry.get_version(subject, number)
            versions.append(
                RegisteredSchemaVersion(
                    version=number,
                    schema_id=int(found.schema_id),
                    schema_text=found.schema.schema_str or "",
                    schema_type=found.schema.schema_type or "AVRO",
                    references=len(found.schema.references or []),
                )
            )
        histories.append(SubjectHistory(subject, level, versions))
    return histories
