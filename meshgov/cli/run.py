"""`meshgov run NAME`: one stream processor, as production deployments run it."""

from __future__ import annotations

import logging
from dataclasses import replace

import click

from meshgov.cli.errors import reported_errors
from meshgov.kafka.admin import TopicAdmin
from meshgov.settings import Settings


@click.command()
@click.argument("processor")
@click.option(
    "--bootstrap-servers",
    "bootstrap",
    help="[default: $KAFKA_BOOTSTRAP_SERVERS, else the local broker]",
)
@click.option(
    "--topic-prefix", default=None, help="Prefix of every topic [default: $MESHGOV_TOPIC_PREFIX]."
)
@click.option("--partitions", type=int, default=None, help="Partitions of new topics [default: 3].")
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
    bootstrap: str | None,
    topic_prefix: str | None,
    partitions: int | None,
    policy: str | None,
    log_level: str,
    host: str,
    port: int,
) -> None:
    """Run stream processor PROCESSOR (e.g. compatibility), or the dashboard, until
    interrupted."""
    if processor == "dashboard":
        from meshgov.dashboard.server import serve

        with reported_errors():
            settings = Settings.from_environment(bootstrap, topic_prefix, partitions)
            TopicAdmin(settings.bootstrap).ensure(
                settings.topic_specs(), settings.partitions, settings.replication_factor
            )
        serve(settings, host, port, ready=click.echo)
        return
    from faust.worker import Worker

    import services

    try:
        build = services.load(processor)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="PROCESSOR") from None
    with reported_errors():
        settings = Settings.from_environment(bootstrap, topic_prefix, partitions)
        if policy is not None:
            settings = replace(settings, policy_path=policy)
        app = build(settings)
        TopicAdmin(settings.bootstrap).ensure(
            [
                *settings.topic_specs(),
                *services.internal_topics(processor, settings),
                *services.changelog_topics(app),
            ],
            settings.partitions,
            settings.replication_factor,
        )
    logging.getLogger("meshgov").setLevel(log_level.upper())
    Worker(app, loglevel=log_level, quiet=True).execute_from_commandline()
