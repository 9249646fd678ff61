from __future__ import annotations

import pytest
from click.testing import CliRunner
from confluent_kafka.admin import (
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)

from meshgov.cli import cli
from meshgov.kafka.admin import TopicAction, TopicAdmin
from meshgov.kafka.topics import DAY_MS, MESH_TOPICS
from tests.support.kafka import clients, prefixed_mesh_topics

pytestmark = pytest.mark.kafka


def test_ensure_creates_every_topic_with_its_configs_then_changes_nothing(
    kafka_bootstrap: str, unique: str
) -> None:
    specs = prefixed_mesh_topics(unique)
    admin = TopicAdmin(clients(kafka_bootstrap))

    first = admin.ensure(specs, partitions=4)
    assert [r.action for r in first] == [TopicAction.CREATED] * len(MESH_TOPICS)
    counts = admin.partition_counts()
    assert all(counts[s.name] == 4 for s in specs)
    catalog = admin.topic_configs(f"{unique}.mesh.catalog")
    assert catalog["cleanup.policy"] == "compact"
    registrations = admin.topic_configs(f"{unique}.mesh.registrations")
    assert registrations["cleanup.policy"] == "delete"
    assert int(registrations["retention.ms"]) == 365 * DAY_MS

    second = admin.ensure(specs, partitions=4)
    assert [r.action for r in second] == [TopicAction.UNCHANGED] * len(MESH_TOPICS)


def test_ensure_restores_a_config_that_drifted_and_reports_a_partition_mismatch(
    kafka_bootstrap: str, unique: str
) -> None:
    specs = [s for s in prefixed_mesh_topics(unique) if s.name.endswith("mesh.catalog")]
    admin = TopicAdmin(clients(kafka_bootstrap))
    admin.ensure(specs, partitions=2)
    resource = ConfigResource(
        ResourceType.TOPIC,
        specs[0].name,
        incremental_configs=[
            ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    raw_admin = clients(kafka_bootstrap).admin()
    raw_admin.incremental_alter_configs([resource])[resource].result(timeout=30)
    assert admin.topic_configs(specs[0].name)["cleanup.policy"] == "delete"

    (report,) = admin.ensure(specs, partitions=3)
    assert report.action is TopicAction.UPDATED
    assert report.changed_configs == ("cleanup.policy",)
    assert report.warning == "has 2 partitions, not 3; left as is"
    assert admin.topic_configs(specs[0].name)["cleanup.policy"] == "compact"


def test_the_topics_ensure_command_creates_the_mesh_topics(kafka_bootstrap: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["topics", "ensure", "--bootstrap-servers", kafka_bootstrap])
    assert result.exit_code == 0, result.output
    for spec in MESH_TOPICS:
        assert spec.name in result.output
    listing = runner.invoke(cli, ["topics", "list", "--bootstrap-servers", kafka_bootstrap])
    assert listing.exit_code == 0, listing.output
    assert "mesh.catalog        CatalogEntry     compact" in listing.output
    assert "missing" not in listing.output
