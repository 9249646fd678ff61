"""`meshgov topics ensure|list`: the mesh.* topics."""

from __future__ import annotations

import click

from meshgov.cli.errors import echo_table, reported_errors
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.cluster import resolve_bootstrap
from meshgov.kafka.topics import MESH_TOPICS

bootstrap_option = click.option(
    "--bootstrap-servers",
    "bootstrap",
    help="Kafka bootstrap servers [default: $KAFKA_BOOTSTRAP_SERVERS, else the local broker].",
)


@click.group()
def topics() -> None:
    """The pipeline's topics."""


@topics.command()
@bootstrap_option
@click.option("--partitions", default=3, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--replication-factor", default=1, show_default=True, type=click.IntRange(1, 16))
def ensure(bootstrap: str | None, partitions: int, replication_factor: int) -> None:
    """Create every mesh.* topic that is missing and align the configs of the others."""
    with reported_errors():
        admin = TopicAdmin(resolve_bootstrap(bootstrap))
        reports = admin.ensure(MESH_TOPICS, partitions, replication_factor)
    rows = [("TOPIC", "ACTION", "PARTITIONS", "NOTE")]
    for report in reports:
        note = ", ".join(report.changed_configs) or ""
        if report.warning:
            note = f"{note}; {report.warning}" if note else report.warning
        rows.append((report.name, report.action.value, str(report.partitions), note))
    echo_table(rows)


@topics.command(name="list")
@bootstrap_option
def list_topics(bootstrap: str | None) -> None:
    """Show the mesh.* topics with their value type and cleanup policy."""
    with reported_errors():
        admin = TopicAdmin(resolve_bootstrap(bootstrap))
        rows = [("TOPIC", "VALUE", "CLEANUP", "PARTITIONS")]
        present = admin.partition_counts()
        for spec in MESH_TOPICS:
            count = present.get(spec.name)
            cleanup = admin.topic_configs(spec.name)["cleanup.policy"] if count else "-"
            rows.append((spec.name, spec.value_type, cleanup, str(count) if count else "missing"))
    echo_table(rows)
