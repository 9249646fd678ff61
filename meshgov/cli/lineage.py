"""`meshgov lineage run`: the mesh's lineage to an OpenLineage receiver, until stopped."""

from __future__ import annotations

import sys

import click

from meshgov.cli.errors import EXIT_ERROR
from meshgov.cli.options import mesh_settings
from meshgov.cli.service import run_service
from meshgov.kafka.clients import KafkaClients
from meshgov.settings import Settings


@click.group()
def lineage() -> None:
    """Lineage out, as OpenLineage events."""


@lineage.command(name="run")
@mesh_settings()
def run_lineage(settings: Settings) -> None:
    """Emit every accepted product's job, and a run per batch output (FAIL when a freshness
    or quality breach opens for it), to the receiver the OpenLineage client is configured
    with (MESHGOV_OPENLINEAGE_CONFIG, or the client's OPENLINEAGE_URL / OPENLINEAGE_CONFIG)."""

    from meshgov.lineage import configured
    from meshgov.lineage.emitter import LineageEmitter, lineage_client

    if not configured(settings):
        click.secho(
            "error: no OpenLineage receiver: set MESHGOV_OPENLINEAGE_CONFIG (the client's "
            "openlineage.yml) or OPENLINEAGE_URL",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    emitter = LineageEmitter(settings, KafkaClients(settings), lineage_client(settings))
    run_service(settings, emitter.run)
