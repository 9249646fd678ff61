"""`meshgov topics ensure|list`: the mesh.* topics."""

from __future__ import annotations

import click

from meshgov.cli.errors import echo_table, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.settings import Settings


@click.group()
def topics() -> None:
    """The pipeline's topics."""


@topics.command()
@mesh_settings(partitions=True)
@click.option("--replication-factor", default=None, type=click.IntRange(1, 16))
def ensure(settings: Settings, replication_factor: int | None) -> None:
    """Create every mesh.* topic that is missing and align the configs of the others."""
    with reported_errors():
        admin = TopicAdmin(KafkaClients(settings))
        reports = admin.ensure(
            settings.topic_specs(),
            settings.partitions,
            replication_factor or settings.replication_factor,
        )
    rows = [("TOPIC", "ACTION", "PARTITIONS", "NOTE")]
    for report in reports:
        note = ", ".join(report.changed_configs) or ""
        if report.warning:
            note = f"{note}; {report.warning}" if note else report.warning
        rows.append((report.name, report.action.value, str(report.partitions), note))
    echo_table(rows)


@topics.command(name="list")
@mesh_settings()
def list_topics(settings: Settings) -> None:
    """Show the mesh.* topics with their value type and cleanup policy."""
    with reported_errors():
        admin = TopicAdmin(KafkaClients(settings))
        rows = [("TOPIC", "VALUE", "CLEANUP", "PARTITIONS")]
        present = admin.partition_counts()
        for spec in settings.topic_specs():
            count = present.get(spec.name)
            cleanup = admin.topic_configs(spec.name)["cleanup.policy"] if count else "-"
            value = spec.value_type.__name__ if spec.value_type else "-"
            rows.append((spec.name, value, cleanup, str(count) if count else "missing"))
    echo_table(rows)
