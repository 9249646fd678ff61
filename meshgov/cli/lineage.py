"""`meshgov lineage run`: the mesh's lineage to an OpenLineage receiver, until stopped."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
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
    import logging

    from meshgov.lineage import configured
    from meshgov.lineage.emitter import LineageEmitter, lineage_client

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not configured(settings):
        click.secho(
            "error: no OpenLineage receiver: set MESHGOV_OPENLINEAGE_CONFIG (the client's "
            "openlineage.yml) or OPENLINEAGE_URL",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    stop = threading.Event()

    def stopped(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    from meshgov.metrics import serve_if_configured

    serve_if_configured(settings)
    with reported_errors():
        emitter = LineageEmitter(settings, KafkaClients(settings), lineage_client(settings))
        emitter.run(stop)
