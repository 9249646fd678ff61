"""`meshgov run NAME`: one stream processor, as production deployments run it."""

from __future__ import annotations

import contextlib
import logging
import sys

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CATALOG, REGISTRATIONS, SLA_BREACHES, VERDICTS
from meshgov.settings import Settings

DASHBOARD_TOPICS = (CATALOG, VERDICTS, SLA_BREACHES, REGISTRATIONS)


@click.command()
@click.argument("processor")
@mesh_settings(partitions=True)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Global governance policy file [default: $MESHGOV_POLICY].",
)
@click.option("--log-level", default="warning", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="The dashboard's address.")
@click.option("--port", default=8080, show_default=True, help="The dashboard's port.")
def run(
    processor: str,
    settings: Settings,
    policy: str | None,
    log_level: str,
    host: str,
    port: int,
) -> None:
    """Run stream processor PROCESSOR (e.g. compatibility), or the dashboard, until
    interrupted."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if policy is not None:
        settings = settings.model_copy(update={"policy_path": policy})
    clients = KafkaClients(settings)
    if processor == "dashboard":
        from meshgov.dashboard.server import serve

        used = {settings.topic(t) for t in DASHBOARD_TOPICS}
        with reported_errors():  # only what it uses, as on a cluster with ACLs it may
            TopicAdmin(clients).ensure(
                [s for s in settings.topic_specs() if s.name in used],
                settings.partitions,
                settings.replication_factor,
                reconcile=False,
            )
        try:
            serve(settings, host, port, ready=click.echo)
        except ValueError as error:  # a public address without authentication, a bad file
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(EXIT_ERROR)
        return
    from meshgov.processors.registry import processor as find
    from meshgov.processors.runtime import ensure_topics, run_until_stopped

    try:
        spec = find(processor)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="PROCESSOR") from None
    with reported_errors():
        ensure_topics(spec, settings, clients)
    from meshgov.metrics import serve_if_configured

    serve_if_configured(settings)
    with contextlib.suppress(KeyboardInterrupt):  # SIGTERM while waiting to start again
        run_until_stopped(spec, settings, clients)
