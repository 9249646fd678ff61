"""Adopting a registry that already has subjects, on the real broker and the real registry:
`meshgov import registry` turns three existing subjects into accepted histories through the
mesh's own checks, leaves the registry as it was, and the next breaking registration is
rejected against the imported history."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from meshgov.client import register_data_product
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.models.events import BreachKind, Decision
from meshgov.registry.adoption import product_name
from meshgov.registry.drift import DRIFT_GRACE
from meshgov.settings import Settings
from tests.support.mesh import Emitted
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2 = {
    **V1,
    "fields": [*V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
}
BREAKING = {**V1, "fields": [*V2["fields"], {"name": "region", "type": "string"}]}


@pytest.fixture
def settings(kafka_bootstrap: str, schema_registry_url: str, unique: str) -> Settings:
    settings = Settings(
        bootstrap=kafka_bootstrap,
        topic_prefix=f"im{unique}.",
        schema_registry_url=schema_registry_url,
        required_checks=("compatibility", "pii", "policy"),
    )
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    return settings


@pytest.fixture
def mesh(settings: Settings, tmp_path: Path) -> Iterator[list[ProcessorProcess]]:
    env = {
        "MESHGOV_SCHEMA_REGISTRY_URL": settings.schema_registry_url,
        "MESHGOV_REQUIRED_CHECKS": "compatibility,pii,policy",
        "MESHGOV_REGISTRY_WATCH_SECONDS": "1",
    }
    processors = [
        ProcessorProcess(name, settings, tmp_path, env)
        for name in ("compatibility", "pii", "policy", "verdicts", "subjects")
    ]
    for processor in processors:
        processor.start()
    for processor in processors:
        processor.wait_ready()
    yield processors
    for processor in processors:
        processor.stop()


def logs(processors: list[ProcessorProcess]) -> str:
    return "\n".join(f"--- {p.name}\n{p.log_tail(30)}" for p in processors)


def register(registry: SchemaRegistryClient, subject: str, schema: dict[str, Any]) -> None:
    registry.register_schema(subject, Schema(json.dumps(schema), "AVRO"))


def test_three_subjects_adopted_then_a_breaking_version_is_rejected_against_them(
    settings: Settings, mesh: list[ProcessorProcess], tmp_path: Path
) -> None:
    registry = SchemaRegistryClient({"url": settings.schema_registry_url})
    prefix = settings.topic_prefix
    a, b, c = (f"{prefix}imp-{n}-value" for n in "abc")
    registry.set_compatibility(subject_name=a, level="BACKWARD")
    register(registry, a, V1)
    register(registry, a, V2)
    register(registry, b, V1)
    level_of_b = registry.get_compatibility(b)  # none of its own: the registry's default
    registry.set_compatibility(subject_name=c, level="FULL")
    register(registry, c, V2)
    emitted = Emitted(settings, KafkaClients(settings).codec(), lambda: logs(mesh))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "meshgov",
            "import",
            "registry",
            "--bootstrap-servers",
            settings.bootstrap,
            "--topic-prefix",
            prefix,
            "--owner",
            "orders-team@company.com",
            "--subject",
            f"^{re.escape(prefix)}imp-",
            "--as",
            "platform@company.com",
            "--write",
            str(tmp_path / "adopted"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "MESHGOV_SCHEMA_REGISTRY_URL": settings.schema_registry_url},
    )
    assert result.returncode == 0, result.stdout + result.stderr + logs(mesh)
    product_a, product_b, product_c = (product_name(f"{prefix}imp-{n}") for n in "abc")
    assert f"{a} v1 -> {product_a} 1.0.0: ACCEPTED" in result.stdout
    assert f"{a} v2 -> {product_a} 1.1.0: ACCEPTED" in result.stdout
    assert "adopted 3 of 3 subjects" in result.stdout
    assert sorted(p.name for p in (tmp_path / "adopted").iterdir()) == [
        f"{product_a}.yaml",
        f"{product_b}.yaml",
        f"{product_c}.yaml",
    ]

    # The registry is as it was: no version added, no level changed.
    fresh = SchemaRegistryClient({"url": settings.schema_registry_url})
    assert [len(fresh.get_versions(s)) for s in (a, b, c)] == [2, 1, 1]
    assert [fresh.get_compatibility(s) for s in (a, b, c)] == ["BACKWARD", level_of_b, "FULL"]

    # The adopted team's next version breaks its history: rejected against version 1.1.0.
    adopted = yaml.safe_load((tmp_path / "adopted" / f"{product_a}.yaml").read_text())
    assert json.loads(adopted["data_product"]["output_ports"][0]["schema"]) == V2
    adopted["data_product"]["version"] = "1.2.0"
    adopted["data_product"]["output_ports"][0]["schema"] = json.dumps(BREAKING)
    breaking = yaml.safe_dump(adopted)
    verdict = register_data_product(breaking, settings, "platform@company.com", timeout=90)
    assert verdict.decision is Decision.REJECTED
    [compatibility] = [c for c in verdict.checks if c.check == "compatibility"]
    codes = {f.code for f in compatibility.findings}
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in codes
    assert any("1.1.0" in f.message for f in compatibility.findings)

    # Adopted versions are governed: the subject watcher finds no drift in them.
    emitted.drain(DRIFT_GRACE.total_seconds() + 4)
    assert [b for b in emitted.breaches if b.kind is BreachKind.UNGOVERNED_SCHEMA] == []
