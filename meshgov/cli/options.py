"""The options every command that talks to a mesh shares, turned into the one Settings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from meshgov.cli.errors import reported_errors
from meshgov.kafka.cluster import resolve
from meshgov.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def mesh_settings(resolve_cluster: bool = True, partitions: bool = False) -> Callable[[F], F]:
    """Add --bootstrap-servers, --topic-prefix (and --partitions) and hand the command a
    `settings` argument built from them, the environment and defaults; with
    `resolve_cluster`, the running local broker stands in for an unconfigured cluster."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(
            *args: Any,
            bootstrap: str | None,
            topic_prefix: str | None,
            partitions: int | None = None,
            **kwargs: Any,
        ) -> Any:
            with reported_errors():
                settings = Settings.load(
                    bootstrap=bootstrap, topic_prefix=topic_prefix, partitions=partitions
                )
                if resolve_cluster:
                    settings = resolve(settings)
            return command(*args, settings=settings, **kwargs)

        decorated: Any = click.option(
            "--bootstrap-servers",
            "bootstrap",
            default=None,
            help="Kafka bootstrap servers [default: $KAFKA_BOOTSTRAP_SERVERS, else the local "
            "broker].",
        )(
            click.option(
                "--topic-prefix",
                default=None,
                help="Prefix of every topic and group [default: $MESHGOV_TOPIC_PREFIX].",
            )(wrapper)
        )
        if partitions:
            decorated = click.option(
                "--partitions",
                type=click.IntRange(1, 10_000),
                default=None,
                help="Partitions of new topics [default: $MESHGOV_PARTITIONS, else 3].",
            )(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
